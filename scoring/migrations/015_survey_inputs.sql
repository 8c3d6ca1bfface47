-- 015: what offices receive from other systems (shared/spec/sheets.md, added 2026-11).
-- Each fact row carries its upload, like every fact table (undo removes it).

-- 发出数/收回数 from a contractor's tally footer: the year's roster record (回收率).
CREATE TABLE appraisal_roster (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    category VARCHAR,
    issued INTEGER NOT NULL,
    returned INTEGER NOT NULL
);

-- 分项得分汇总: a score (0-100) per unit, category and item over that many ballots,
-- without the answers (so no variance, no interval, no satisfaction rate).
CREATE TABLE appraisal_item_scores (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    ballots INTEGER NOT NULL
);

-- What a survey tool says about each response (submit time, time taken, channel,
-- address): evidence for the data-quality checks, never shown as results.
CREATE TABLE appraisal_ballot_meta (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    ballot VARCHAR NOT NULL,
    unit VARCHAR,
    submitted_at TIMESTAMP,
    duration_s DOUBLE,
    origin VARCHAR,
    ip VARCHAR
);

-- Column mappings the user confirmed, offered again for a file with the same header.
CREATE TABLE column_mappings (
    name VARCHAR PRIMARY KEY,
    signature VARCHAR NOT NULL,
    source VARCHAR,
    mapping VARCHAR NOT NULL,  -- JSON object: file column -> canonical column or "-"
    "user" VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
