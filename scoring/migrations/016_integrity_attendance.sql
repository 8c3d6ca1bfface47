-- 016: 民主测评 attendance (组织部 records): 应到人数 and 实到人数 per unit and 测评范围,
-- kept so the data-quality page can flag a vote without quorum (实到 ≤ half of 应到).
CREATE TABLE integrity_attendance (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    category VARCHAR,
    expected INTEGER,
    present INTEGER
);
