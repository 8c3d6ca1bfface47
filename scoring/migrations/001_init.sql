-- 001: the first schema. Every fact row carries the upload it came from, so that
-- one upload can be undone exactly; no foreign keys, because DuckDB restricts
-- deletes under them and the store enforces the links in its transactions.
CREATE TABLE years (
    year INTEGER PRIMARY KEY,
    title VARCHAR
);

CREATE TABLE units (
    name VARCHAR PRIMARY KEY,
    aliases VARCHAR[] NOT NULL,
    type VARCHAR NOT NULL,
    parent VARCHAR,
    grp VARCHAR,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE upload_ids START 1;

CREATE TABLE uploads (
    id INTEGER PRIMARY KEY DEFAULT nextval('upload_ids'),
    year INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    rows INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL
);

-- 万人评议: one row per ballot and item (n = 1), or per tally cell (ballot NULL, n = count).
CREATE TABLE appraisal_answers (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    ballot VARCHAR,
    unit VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    answer VARCHAR NOT NULL,
    n INTEGER NOT NULL
);

CREATE TABLE appraisal_comments (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    ballot VARCHAR,
    unit VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    text VARCHAR NOT NULL
);

-- 绩效考核: max_score NULL means "the scheme's default for the indicator".
CREATE TABLE performance_scores (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    max_score DOUBLE,
    scorer VARCHAR,
    month VARCHAR
);

-- 勤廉测评: one row per vote (n = 1) or per tally cell.
CREATE TABLE integrity_votes (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    category VARCHAR,
    result VARCHAR NOT NULL,
    n INTEGER NOT NULL
);

-- 加减分
CREATE TABLE adjustments (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    points DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    date DATE,
    basis VARCHAR
);

CREATE TABLE schemes (
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    set_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL,
    PRIMARY KEY (year, version)
);
