-- 031: check lists per campaign year (an office's edited copy of a shipped template),
-- the problems a unit finds in its 自查 against them, and the campaign's stages.
CREATE TABLE checklists (
    year INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    text VARCHAR NOT NULL,            -- TOML, the same shape as scoring/checklists/*.toml
    set_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL,
    PRIMARY KEY (year, name)
);

CREATE SEQUENCE finding_ids START 1;

CREATE TABLE self_check_findings (
    id INTEGER PRIMARY KEY DEFAULT nextval('finding_ids'),
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    checklist VARCHAR NOT NULL,
    item VARCHAR NOT NULL,            -- the check item's code, e.g. 一
    text VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL
);

CREATE TABLE campaign_stages (
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    start DATE NOT NULL,
    finish DATE NOT NULL,
    PRIMARY KEY (year, seq)
);
