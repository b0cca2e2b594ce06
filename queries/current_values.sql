-- current_values: every stored observation of the given indicators in the given years (all statuses),
-- for the import preview (old value and status per cell) and the import warnings (previous year,
-- published figures, the bulletin's region totals).
-- Params: $indicator_ids VARCHAR[]; $years INTEGER[].
-- Returns indicator_id, adcode, year, value, status, source_id, status_rank (1 approved, 2 imported … 5 sample).
SELECT indicator_id, adcode, year, value, status, source_id,
       CASE status WHEN 'approved' THEN 1 WHEN 'imported' THEN 2 WHEN 'published' THEN 3 WHEN 'reference' THEN 4
            ELSE 5 END AS status_rank
FROM observations
WHERE list_contains($indicator_ids, indicator_id) AND list_contains($years, year)
ORDER BY indicator_id, adcode, year, status_rank;
