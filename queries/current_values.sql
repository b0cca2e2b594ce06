-- current_values: every stored observation of the given indicators in the given years (all statuses),
-- for the import preview (old value and status per cell) and the import warnings (previous year,
-- published figures, the bulletin's region totals).
-- Params: $indicator_ids VARCHAR[]; $years INTEGER[].
-- Returns indicator_id, adcode, year, value, status, source_id, status_rank (1 imported … 4 sample).
SELECT indicator_id, adcode, year, value, status, source_id,
       CASE status WHEN 'imported' THEN 1 WHEN 'published' THEN 2 WHEN 'reference' THEN 3 ELSE 4 END AS status_rank
FROM observations
WHERE list_contains($indicator_ids, indicator_id) AND list_contains($years, year)
ORDER BY indicator_id, adcode, year, status_rank;
