-- The tables and views of a build (storage.build.rebuild_reason checks that none is missing).
SELECT 'table' AS kind, table_name AS name FROM duckdb_tables()
UNION ALL
SELECT 'view' AS kind, view_name AS name FROM duckdb_views() WHERE NOT internal;
