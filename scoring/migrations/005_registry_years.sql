-- 005: the unit registry per year (年度单位名录). Each loaded registry is a version,
-- effective from its year on; a unit's record holds from its from_year until a later
-- version of the same unit. The table ``units`` stays as the latest registry (for
-- readers that do not name a year). The registry in place before this migration becomes
-- effective from the start (from_year 0), so every existing year keeps its results.
CREATE TABLE registry_versions (
    version INTEGER PRIMARY KEY,
    from_year INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    "user" VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    summary VARCHAR NOT NULL
);

CREATE TABLE unit_versions (
    name VARCHAR NOT NULL,
    from_year INTEGER NOT NULL,
    aliases VARCHAR[] NOT NULL,
    type VARCHAR NOT NULL,
    parent VARCHAR,
    grp VARCHAR,
    predecessors VARCHAR[] NOT NULL,   -- 前身: former names (rename, merge, split)
    status VARCHAR NOT NULL,           -- 在用 / 撤销 (withdrawn from from_year on)
    registry_version INTEGER NOT NULL,
    PRIMARY KEY (name, from_year)
);

INSERT INTO registry_versions (version, from_year, file, "user", summary)
SELECT 1, 0, '（迁移前的单位名录）', '系统迁移', count(*) || ' 个单位'
FROM units HAVING count(*) > 0;

INSERT INTO unit_versions
SELECT name, 0, aliases, type, parent, grp, []::VARCHAR[], '在用', 1 FROM units;
