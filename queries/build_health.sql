-- A query over the whole best-value view: fails on a damaged build (storage.build, storage.database).
SELECT count(*) AS n, sum(value) AS total FROM observations_best;
