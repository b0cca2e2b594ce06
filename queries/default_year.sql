-- default_year: the year the dashboard opens on — the latest year in which some indicator has a value
-- for every league (reference data left out). A year only some leagues have reported so far (one
-- league imported, or one league's report approved) is offered in the year filter, not opened.
SELECT max(year) AS year
FROM (
    SELECT o.indicator_id, o.year
    FROM observations_best o
    JOIN areas a USING (adcode)
    WHERE a.level = 'league' AND o.status <> 'reference'
    GROUP BY o.indicator_id, o.year
    HAVING count(DISTINCT o.adcode) = (SELECT count(*) FROM areas WHERE level = 'league')
) AS complete;
