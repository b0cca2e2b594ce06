-- schema: the DuckDB contract (documented in README "数据库结构").
-- Built by nmgdash.storage.build.build_database() from the text files in data/.
CREATE TABLE areas (
    adcode        VARCHAR PRIMARY KEY,   -- 6-digit GB/T 2260 code
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    level         VARCHAR NOT NULL CHECK (level IN ('region', 'league', 'county')),
    parent_adcode VARCHAR
);
CREATE TABLE indicators (
    indicator_id  VARCHAR PRIMARY KEY,
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    unit          VARCHAR NOT NULL,
    unit_en       VARCHAR NOT NULL,
    category      VARCHAR NOT NULL,
    category_en   VARCHAR NOT NULL,
    definition    VARCHAR NOT NULL,
    definition_en VARCHAR NOT NULL,
    additive      BOOLEAN NOT NULL,
    lowest_level  VARCHAR NOT NULL,
    aliases       VARCHAR,
    topic         VARCHAR  -- the page (data/topics.toml) whose league map offers it; NULL: none
);
CREATE TABLE sources (
    source_id VARCHAR PRIMARY KEY,
    title     VARCHAR NOT NULL,
    title_en  VARCHAR,
    publisher VARCHAR,
    issued_on DATE,
    locator   VARCHAR,
    licence   VARCHAR
);
CREATE TABLE observations (
    indicator_id VARCHAR NOT NULL REFERENCES indicators (indicator_id),
    adcode       VARCHAR NOT NULL REFERENCES areas (adcode),
    year         INTEGER NOT NULL,
    value        DOUBLE NOT NULL,
    status       VARCHAR NOT NULL CHECK (status IN ('published', 'reference', 'sample', 'imported', 'approved')),
    source_id    VARCHAR NOT NULL REFERENCES sources (source_id),
    locator      VARCHAR NOT NULL,
    -- How the source words the figure (NULL = plain number in the catalogue unit):
    qualifier     VARCHAR,   -- e.g. 余 (8600余个), 以上 (20小时以上), 全部; NULL = exact figure
    qualifier_pos VARCHAR CHECK (qualifier_pos IN ('pre', 'num', 'post', 'words')),
                             -- pre: before the number; num: between number and measure word;
                             -- post: after the measure word; words: stated only in words (全部 = 100%)
    display_unit  VARCHAR,   -- the source's measure word (334家, 47万名) when shown in Chinese; NULL = catalogue unit
    period_start  VARCHAR CHECK (regexp_full_match(period_start, '[0-9]{4}-(0[1-9]|1[0-2])')),  -- 'YYYY-MM'; NULL = as at period_end
    period_end    VARCHAR CHECK (regexp_full_match(period_end, '[0-9]{4}-(0[1-9]|1[0-2])')),    -- 'YYYY-MM'; NULL = the calendar year
    cumulative    BOOLEAN DEFAULT false,  -- the value adds up over period_start … period_end (NULL = false)
    PRIMARY KEY (indicator_id, adcode, year, status),
    CHECK ((qualifier IS NULL) = (qualifier_pos IS NULL)),
    CHECK (NOT cumulative OR (period_start IS NOT NULL AND period_end IS NOT NULL AND period_start <= period_end)),
    CHECK (period_end IS NULL OR year = CAST(left(period_end, 4) AS INTEGER))
);
CREATE TABLE innovations (
    innovation_id  VARCHAR PRIMARY KEY,
    adcode         VARCHAR NOT NULL REFERENCES areas (adcode),
    title_zh       VARCHAR NOT NULL,
    title_en       VARCHAR NOT NULL,
    description_zh VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    locator        VARCHAR NOT NULL
);
-- One value per (indicator, area, year): approved (年度填报，已审核) beats imported beats
-- published beats reference beats sample.
CREATE MACRO status_rank(s) AS
    CASE s WHEN 'approved' THEN 1 WHEN 'imported' THEN 2 WHEN 'published' THEN 3 WHEN 'reference' THEN 4 ELSE 5 END;
CREATE VIEW observations_best AS
SELECT *
FROM observations
QUALIFY row_number() OVER (
    PARTITION BY indicator_id, adcode, year ORDER BY status_rank(status)
) = 1;
