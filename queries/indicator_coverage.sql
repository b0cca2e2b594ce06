-- indicator_coverage: which indicators have per-area data at one level, for pickers.
-- Params: $level VARCHAR; $published_only BOOLEAN.
SELECT o.indicator_id, count(DISTINCT o.adcode) AS n_areas, max(o.year) AS latest_year
FROM observations o
JOIN areas a ON a.adcode = o.adcode AND a.level = $level
WHERE o.status <> 'sample' OR NOT $published_only
GROUP BY o.indicator_id;
