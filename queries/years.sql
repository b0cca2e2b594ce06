-- years: the statistical years that hold reform data (census reference year left out).
-- Params: $published_only BOOLEAN.
SELECT DISTINCT year
FROM observations
WHERE status <> 'reference' AND (status <> 'sample' OR NOT $published_only)
ORDER BY year;
