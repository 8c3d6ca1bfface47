-- 007: publications as snapshots (scoring/publication.py). A version's results, scheme
-- and registry versions and the uploads used (with their sha256) are written once and
-- never updated; only its status moves (公示 → 正式发布). 申诉 are kept with their
-- decision and reason.
CREATE TABLE publications (
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL,
    scheme_version INTEGER NOT NULL,
    registry_version INTEGER NOT NULL,
    uploads VARCHAR NOT NULL,          -- JSON: [{id, file, source, sha256}]
    results VARCHAR NOT NULL,          -- JSON: the rank --format json records
    period_end DATE,                   -- end of the 公示 period
    note VARCHAR,                      -- e.g. 更正：第 3 号申诉
    finalized_at TIMESTAMP,
    finalized_by VARCHAR,
    PRIMARY KEY (year, version)
);

CREATE SEQUENCE appeal_ids START 1;

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY DEFAULT nextval('appeal_ids'),
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    "user" VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    decision VARCHAR,
    reason VARCHAR,
    decided_by VARCHAR,
    decided_at TIMESTAMP
);
