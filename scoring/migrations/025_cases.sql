-- 025: 督查与投诉 cases (月检查, 暗访, 电话暗访, 督查, 效能投诉 …), their status history,
-- and 问责 records. A verified case with points feeds the year's 加减分 when results are
-- read (scoring/cases.py); the adjustments table is left as it is.
CREATE SEQUENCE case_ids START 1;

CREATE TABLE cases (
    id BIGINT PRIMARY KEY DEFAULT nextval('case_ids'),
    year INTEGER NOT NULL,
    number VARCHAR NOT NULL,          -- 案件编号, e.g. 2025-007: the 依据 of its 加减分
    unit VARCHAR NOT NULL,
    source VARCHAR NOT NULL,          -- the scheme's [cases] sources
    date DATE NOT NULL,               -- found / complaint received: day 0 of every time limit
    finding VARCHAR NOT NULL,         -- 发现问题
    doc_no VARCHAR,                   -- 依据: document number
    attachment VARCHAR,               -- attachment name
    reporter VARCHAR,                 -- who found it or who complained
    contact VARCHAR,                  -- complainant's contact: shown to 管理员 only
    status VARCHAR NOT NULL,          -- 受理/调查/处理/回复/办结
    verdict VARCHAR,                  -- 属实/部分属实/不属实, NULL while not verified
    points DOUBLE,                    -- what a verified case carries into 加减分 (signed)
    veto BOOLEAN NOT NULL DEFAULT FALSE,  -- the verified finding is a 一票否决
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    import_sha256 VARCHAR,            -- the case sheet it came from (NULL: typed in)
    UNIQUE (year, number)
);

CREATE SEQUENCE case_event_ids START 1;

CREATE TABLE case_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('case_event_ids'),
    case_id BIGINT NOT NULL,
    status VARCHAR NOT NULL,          -- the status reached (or 核实 for a verification)
    "on" DATE NOT NULL,               -- the day it happened (what deadlines are checked on)
    note VARCHAR,
    "user" VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE accountability_ids START 1;

CREATE TABLE accountability (
    id BIGINT PRIMARY KEY DEFAULT nextval('accountability_ids'),
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    case_id BIGINT,                   -- the case it follows from, or NULL
    warning VARCHAR,                  -- or the warning it follows from (e.g. 末位告诫)
    person VARCHAR NOT NULL,          -- who is held accountable
    measure VARCHAR NOT NULL,         -- 诫勉谈话/通报批评/效能告诫/组织处理 (the scheme's list)
    date DATE NOT NULL,
    doc_no VARCHAR,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
