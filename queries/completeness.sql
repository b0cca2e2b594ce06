-- completeness: 填报进度 — one row per league × indicator for one year: the status and value of the
-- league's own figure (the best one: approved > imported > published > reference > sample), its source,
-- and for indicators reported per county-level unit how many of the league's units have a reported
-- figure (imported, or approved in the yearly reporting: 已审核).
-- Params: $indicator_ids VARCHAR[] (order kept in the result); $year INTEGER.
-- Returns adcode, name_zh, name_en, indicator_id, ind_order, status (NULL = missing), value, source_id,
-- source_title, counties_total and counties_imported (imported or approved; NULL for league-only indicators).
WITH leagues AS (
    SELECT adcode, name_zh, name_en FROM areas WHERE level = 'league'
), inds AS (
    SELECT indicator_id, lowest_level, list_position($indicator_ids, indicator_id) AS ind_order
    FROM indicators
    WHERE list_contains($indicator_ids, indicator_id)
), best AS (
    SELECT indicator_id, adcode, value, status, source_id
    FROM observations_best
    WHERE year = $year AND list_contains($indicator_ids, indicator_id)
), county_imported AS (
    SELECT c.parent_adcode AS adcode, o.indicator_id, count(*) AS n
    FROM observations o
    JOIN areas c ON c.adcode = o.adcode AND c.level = 'county'
    WHERE o.year = $year AND o.status IN ('imported', 'approved') AND list_contains($indicator_ids, o.indicator_id)
    GROUP BY ALL
), county_total AS (
    SELECT parent_adcode AS adcode, count(*) AS n FROM areas WHERE level = 'county' GROUP BY ALL
)
SELECT l.adcode, l.name_zh, l.name_en, i.indicator_id, i.ind_order, b.status, b.value, b.source_id,
       s.title AS source_title,
       CASE WHEN i.lowest_level = 'county' THEN ct.n END AS counties_total,
       CASE WHEN i.lowest_level = 'county' THEN coalesce(ci.n, 0) END AS counties_imported
FROM leagues l
CROSS JOIN inds i
LEFT JOIN best b ON b.adcode = l.adcode AND b.indicator_id = i.indicator_id
LEFT JOIN sources s ON s.source_id = b.source_id
LEFT JOIN county_imported ci ON ci.adcode = l.adcode AND ci.indicator_id = i.indicator_id
LEFT JOIN county_total ct ON ct.adcode = l.adcode
ORDER BY l.adcode, i.ind_order;
