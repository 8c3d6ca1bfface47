-- 030: the 整改 ledger (查摆整改). One row per 整改 item; every change to it is a row of
-- rectify_history (who, when, from which status to which, what was said). Items are never
-- deleted: a warning that disappears marks its item 已撤销. No unique index on
-- (year, unit, origin, origin_ref): the store checks it inside its write transaction
-- (DuckDB's indexes make updates of indexed rows awkward).
CREATE SEQUENCE rectify_ids START 1;

CREATE TABLE rectify_items (
    id INTEGER PRIMARY KEY DEFAULT nextval('rectify_ids'),
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,          -- 告诫 / 查摆 / 案件 / 意见
    origin_ref VARCHAR,               -- warning kind, finding id, case id or comment key
    problem VARCHAR NOT NULL,
    target VARCHAR NOT NULL DEFAULT '',    -- 整改目标
    owner VARCHAR NOT NULL DEFAULT '',     -- 责任人
    plan_due DATE,                    -- 整改方案时限
    due DATE,                         -- 整改完成时限
    measures VARCHAR NOT NULL DEFAULT '',  -- 整改措施
    evidence VARCHAR NOT NULL DEFAULT '',  -- reason and figures attached when opened
    status VARCHAR NOT NULL,
    closed_on DATE,                   -- 销号 date
    review_due DATE,                  -- 回头看 falls due
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR NOT NULL
);

CREATE TABLE rectify_history (
    item_id INTEGER NOT NULL,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    status_from VARCHAR,
    status_to VARCHAR,
    note VARCHAR NOT NULL DEFAULT ''
);

-- A 录入员's units for 整改 (explicit: a 录入员 with no row here may update no unit).
CREATE TABLE rectify_scopes (
    user_name VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    PRIMARY KEY (user_name, unit)
);
