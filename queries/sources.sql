-- sources: every source with how many observations cite it, by status.
-- Params: none.
SELECT s.source_id, s.title, s.title_en, s.publisher, s.issued_on, s.locator, s.licence,
       count(o.indicator_id) AS n_observations,
       string_agg(DISTINCT o.status, ', ') AS statuses
FROM sources s
LEFT JOIN observations o USING (source_id)
GROUP BY ALL
ORDER BY s.source_id;
