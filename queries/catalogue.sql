-- catalogue: the indicator catalogue with, per indicator, which statuses and years hold data.
-- Params: none. Returns indicators.* plus statuses (VARCHAR, comma-joined) and years (VARCHAR).
SELECT i.*,
       string_agg(DISTINCT o.status, ', ' ORDER BY o.status) AS statuses,
       string_agg(DISTINCT o.year::VARCHAR, ', ' ORDER BY o.year::VARCHAR) AS years
FROM indicators i
LEFT JOIN observations o USING (indicator_id)
GROUP BY ALL
ORDER BY i.category, i.indicator_id;
