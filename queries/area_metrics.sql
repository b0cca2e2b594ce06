-- area_metrics: one indicator for every area of one level, every year in $years.
-- Params:
--   $indicator_id  VARCHAR    catalogue id, e.g. 'hubs'
--   $level         VARCHAR    'league' or 'county'
--   $parent        VARCHAR    parent adcode to restrict counties to one league, or NULL
--   $years         INTEGER[]  the years to return (areas without data get NULL rows)
--   $baseline_year INTEGER    the pre-reform baseline, 2017
--   $published_only BOOLEAN   TRUE leaves sample rows out ("仅显示已发布数据")
--   $mode          VARCHAR    value | per_10k | share | yoy | vs_base: which column becomes `metric`
-- Returns one row per (area, year): value and its status/source/locator,
-- per_10k (per 10,000 residents, 2020 census), share_pct (% of the sum over areas),
-- yoy (% change on the year before; percentage points for non-additive rates),
-- vs_base (% change on $baseline_year; points for rates), metric (the $mode column),
-- rank (1 = highest metric within the year), nearest_year (closest year with data),
-- and region_metric: the comparable whole-region figure for the mode; plus the source's wording
-- and period of the value (qualifier, qualifier_pos, display_unit, period_start, period_end,
-- cumulative; NULL/false for plain yearly figures, see region_figures.sql).
WITH ind AS (
    SELECT additive FROM indicators WHERE indicator_id = $indicator_id
),
obs AS (
    SELECT o.adcode, o.year, o.value, o.status, o.source_id, o.locator,
           o.qualifier, o.qualifier_pos, o.display_unit, o.period_start, o.period_end, o.cumulative
    FROM observations o
    WHERE o.indicator_id = $indicator_id
      AND (o.status <> 'sample' OR NOT $published_only)
    QUALIFY row_number() OVER (PARTITION BY o.adcode, o.year ORDER BY status_rank(o.status)) = 1
),
grid AS (
    SELECT a.adcode, a.name_zh, a.name_en, y.year
    FROM areas a
    CROSS JOIN (SELECT unnest($years::INTEGER[]) AS year) y
    WHERE a.level = $level AND ($parent IS NULL OR a.parent_adcode = $parent)
),
pop AS (
    SELECT adcode, value AS population
    FROM observations_best
    WHERE indicator_id = 'population' AND year = 2020
),
joined AS (
    SELECT g.adcode, g.name_zh, g.name_en, g.year,
           o.value, o.status, o.source_id, s.title AS source_title, s.title_en AS source_title_en,
           o.locator, o.qualifier, o.qualifier_pos, o.display_unit, o.period_start, o.period_end,
           coalesce(o.cumulative, false) AS cumulative, p.population,
           prev.value AS prev_value,
           b.value AS base_value,
           (SELECT arg_min(n.year, abs(n.year - g.year) * 2 + (n.year > g.year)::INTEGER)
              FROM obs n WHERE n.adcode = g.adcode) AS nearest_year
    FROM grid g
    LEFT JOIN obs o ON o.adcode = g.adcode AND o.year = g.year
    LEFT JOIN sources s ON s.source_id = o.source_id
    LEFT JOIN obs prev ON prev.adcode = g.adcode AND prev.year = g.year - 1
    LEFT JOIN obs b ON b.adcode = g.adcode AND b.year = $baseline_year
    LEFT JOIN pop p ON p.adcode = g.adcode
),
calc AS (
    SELECT j.*,
        ind.additive,
        CASE WHEN ind.additive THEN j.value / j.population * 10000 END AS per_10k,
        CASE WHEN ind.additive THEN 100 * j.value / nullif(sum(j.value) OVER w, 0) END AS share_pct,
        CASE WHEN ind.additive THEN 100 * (j.value - j.prev_value) / nullif(j.prev_value, 0)
             ELSE j.value - j.prev_value END AS yoy,
        CASE WHEN ind.additive THEN 100 * (j.value - j.base_value) / nullif(j.base_value, 0)
             ELSE j.value - j.base_value END AS vs_base,
        sum(j.value) OVER w AS sum_value,
        count(j.value) OVER w AS n_reporting,
        sum(CASE WHEN j.value IS NOT NULL THEN j.population END) OVER w AS sum_population,
        sum(CASE WHEN j.value IS NOT NULL THEN j.prev_value END) OVER w AS sum_prev,
        sum(CASE WHEN j.value IS NOT NULL THEN j.base_value END) OVER w AS sum_base
    FROM joined j CROSS JOIN ind
    WINDOW w AS (PARTITION BY j.year)
),
final AS (
    SELECT c.*,
        CASE $mode
            WHEN 'value' THEN c.value
            WHEN 'per_10k' THEN c.per_10k
            WHEN 'share' THEN c.share_pct
            WHEN 'yoy' THEN c.yoy
            WHEN 'vs_base' THEN c.vs_base
        END AS metric,
        CASE $mode
            WHEN 'value' THEN c.sum_value / nullif(c.n_reporting, 0)
            WHEN 'per_10k' THEN c.sum_value / nullif(c.sum_population, 0) * 10000
            WHEN 'share' THEN 100.0 / nullif(c.n_reporting, 0)
            WHEN 'yoy' THEN CASE WHEN c.additive THEN 100 * (c.sum_value - c.sum_prev) / nullif(c.sum_prev, 0) END
            WHEN 'vs_base' THEN CASE WHEN c.additive THEN 100 * (c.sum_value - c.sum_base) / nullif(c.sum_base, 0) END
        END AS region_metric
    FROM calc c
)
SELECT adcode, name_zh, name_en, year, value, status, source_id, source_title, source_title_en,
       locator, qualifier, qualifier_pos, display_unit, period_start, period_end, cumulative, population, per_10k, share_pct, prev_value, yoy, base_value, vs_base,
       metric,
       CASE WHEN metric IS NOT NULL THEN rank() OVER (PARTITION BY year ORDER BY metric DESC NULLS LAST) END AS rank,
       CASE WHEN value IS NULL THEN nearest_year END AS nearest_year,
       sum_value, n_reporting, region_metric
FROM final
ORDER BY year, adcode;
