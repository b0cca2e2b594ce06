-- areas: areas of one level, optionally under one parent.
-- Params: $level VARCHAR ('region'|'league'|'county'); $parent VARCHAR or NULL.
SELECT adcode, name_zh, name_en, level, parent_adcode
FROM areas
WHERE level = $level AND ($parent IS NULL OR parent_adcode = $parent)
ORDER BY adcode;
