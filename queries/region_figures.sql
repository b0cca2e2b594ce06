-- region_figures: region-level (150000) figures for a list of indicators, with unit and source.
-- Params: $indicator_ids VARCHAR[]; $published_only BOOLEAN (drop sample rows).
-- Returns one row per (indicator, year), best status first, with the source's wording and period:
-- qualifier/qualifier_pos (NULL = exact), display_unit (the source's measure word, else the
-- catalogue unit), period_start/period_end ('YYYY-MM' or NULL), cumulative (BOOLEAN).
SELECT o.indicator_id, i.name_zh, i.name_en, i.unit, i.unit_en, i.category, i.category_en, i.definition,
       i.definition_en,
       o.year, o.value, o.status, o.source_id, s.title AS source_title,
       s.title_en AS source_title_en, s.issued_on, o.locator,
       o.qualifier, o.qualifier_pos, coalesce(o.display_unit, i.unit) AS display_unit,
       o.period_start, o.period_end, coalesce(o.cumulative, false) AS cumulative
FROM observations o
JOIN indicators i USING (indicator_id)
JOIN sources s USING (source_id)
WHERE o.adcode = '150000'
  AND list_contains($indicator_ids::VARCHAR[], o.indicator_id)
  AND (o.status <> 'sample' OR NOT $published_only)
QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.year ORDER BY status_rank(o.status)) = 1
ORDER BY list_position($indicator_ids::VARCHAR[], o.indicator_id), o.year;
