-- Row counts of the loaded tables, reported by a build.
SELECT 'areas' AS name, count(*) AS n FROM areas
UNION ALL SELECT 'indicators', count(*) FROM indicators
UNION ALL SELECT 'sources', count(*) FROM sources
UNION ALL SELECT 'observations', count(*) FROM observations
UNION ALL SELECT 'innovations', count(*) FROM innovations;
