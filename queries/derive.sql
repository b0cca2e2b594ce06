-- derive: indicators computed from others; run after every build and every import.
-- hub_activities_per_hub = hub_activities / hubs for each area and year that has both.
-- The result takes the weaker status of its inputs (sample if either is sample, then imported,
-- reference, approved, published) and
-- the source of the activities figure; the locator says how it was computed; the period and
-- cumulative flag are the activities figure's.
DELETE FROM observations WHERE indicator_id = 'hub_activities_per_hub';
INSERT INTO observations (indicator_id, adcode, year, value, status, source_id, locator,
                          period_start, period_end, cumulative)
SELECT 'hub_activities_per_hub', a.adcode, a.year, round(a.value / h.value, 2),
       CASE WHEN 'sample' IN (a.status, h.status) THEN 'sample'
            WHEN 'imported' IN (a.status, h.status) THEN 'imported'
            WHEN 'reference' IN (a.status, h.status) THEN 'reference'
            WHEN 'approved' IN (a.status, h.status) THEN 'approved'
            ELSE 'published' END,
       a.source_id,
       '计算：开展活动 ' || a.value::BIGINT || ' 场次 ÷ 青年爱里 ' || h.value::BIGINT || ' 个',
       a.period_start, a.period_end, a.cumulative  -- activities over the period per hub at its end
FROM observations a
JOIN observations h
  ON h.adcode = a.adcode AND h.year = a.year AND h.indicator_id = 'hubs' AND h.value > 0
 AND (h.status = 'sample') = (a.status = 'sample')
WHERE a.indicator_id = 'hub_activities'
QUALIFY row_number() OVER (
    PARTITION BY a.adcode, a.year, (a.status = 'sample')
    ORDER BY status_rank(a.status), status_rank(h.status)) = 1;
