-- 008: the 回收站. An undone upload's record moves here and its rows move to bin_<table>
-- copies of the fact tables (made by Store.undo as they are needed, so that columns
-- added to a fact table later are carried too); restoring moves them back exactly.
CREATE TABLE recycled_uploads (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    rows INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "user" VARCHAR NOT NULL,
    undone_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    undone_by VARCHAR NOT NULL,
    facts INTEGER NOT NULL            -- fact rows moved aside
);
