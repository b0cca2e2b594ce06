-- The store stamp a build was made from (NULL row: built by an older version).
SELECT value FROM build_info WHERE key = 'store_stamp';
