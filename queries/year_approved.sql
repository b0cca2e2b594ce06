-- year_approved: how complete a year's yearly reporting is on the dashboard — the number of leagues
-- with approved figures (status 'approved': their report of that year's round was approved) and the
-- number of leagues. Params: $year INTEGER.
SELECT
    (SELECT count(DISTINCT o.adcode)
     FROM observations_best o
     JOIN areas a USING (adcode)
     WHERE a.level = 'league' AND o.year = $year AND o.status = 'approved') AS approved,
    (SELECT count(*) FROM areas WHERE level = 'league') AS total;
