-- region_by_category: whole-region figures for one year, grouped by catalogue category.
-- Params: $year INTEGER; $published_only BOOLEAN.
-- For each indicator: the region's own (published) figure if there is one,
-- otherwise the sum over the 12 leagues for additive indicators.
-- Returns category, category_en, indicator_id, name_zh, name_en, unit, unit_en, value, status, basis
-- ('region' = stated for the region, 'sum_of_leagues' = added up here), and for stated figures
-- the source's wording and period: qualifier, qualifier_pos, display_unit (else the catalogue unit),
-- period_start, period_end, cumulative (sums of leagues: NULL/false), definition, locator.
WITH obs AS (
    SELECT o.*
    FROM observations o
    WHERE o.year = $year AND (o.status <> 'sample' OR NOT $published_only)
    QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.adcode ORDER BY status_rank(o.status)) = 1
),
region_rows AS (
    SELECT indicator_id, value, status, 'region' AS basis, qualifier, qualifier_pos, display_unit,
           period_start, period_end, cumulative, locator
    FROM obs WHERE adcode = '150000'
),
league_sums AS (
    SELECT o.indicator_id, sum(o.value) AS value, min_by(o.status, status_rank(o.status)) AS status,
           'sum_of_leagues' AS basis
    FROM obs o
    JOIN areas a ON a.adcode = o.adcode AND a.level = 'league'
    JOIN indicators i ON i.indicator_id = o.indicator_id AND i.additive
    GROUP BY o.indicator_id
)
SELECT i.category, i.category_en, i.indicator_id, i.name_zh, i.name_en, i.unit, i.unit_en,
       coalesce(r.value, l.value) AS value,
       coalesce(r.status, l.status) AS status,
       coalesce(r.basis, l.basis) AS basis,
       r.qualifier, r.qualifier_pos, coalesce(r.display_unit, i.unit) AS display_unit,
       r.period_start, r.period_end, coalesce(r.cumulative, false) AS cumulative,
       i.definition, i.definition_en, r.locator
FROM indicators i
LEFT JOIN region_rows r USING (indicator_id)
LEFT JOIN league_sums l USING (indicator_id)
WHERE coalesce(r.value, l.value) IS NOT NULL
ORDER BY i.category, i.indicator_id;
