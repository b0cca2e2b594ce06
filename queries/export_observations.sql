-- export_observations: every stored observation in long format for the whole-database export
-- (数据管理 → 全部导出), with indicator, area, status, source and locator.
-- Params: none. Returns category, indicator_id, indicator_zh, indicator_en, unit, unit_en, adcode,
-- area_zh, area_en, level, year, value, status, in_use (TRUE for the figure the dashboard shows:
-- imported > published > reference > sample), source_id, source_title, locator, qualifier,
-- display_unit, period_start, period_end, cumulative.
SELECT i.category, o.indicator_id, i.name_zh AS indicator_zh, i.name_en AS indicator_en, i.unit, i.unit_en,
       o.adcode, a.name_zh AS area_zh, a.name_en AS area_en, a.level, o.year, o.value, o.status,
       row_number() OVER (PARTITION BY o.indicator_id, o.adcode, o.year ORDER BY status_rank(o.status)) = 1 AS in_use,
       o.source_id, s.title AS source_title, o.locator, o.qualifier, o.display_unit, o.period_start,
       o.period_end, coalesce(o.cumulative, false) AS cumulative
FROM observations o
JOIN indicators i USING (indicator_id)
JOIN areas a USING (adcode)
LEFT JOIN sources s USING (source_id)
ORDER BY i.category, o.indicator_id, a.level DESC, o.adcode, o.year, status_rank(o.status);
