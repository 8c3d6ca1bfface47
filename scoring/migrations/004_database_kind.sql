-- 004: what a database file is for (数据库用途): the demo city or an office's own year.
-- The demo refuses to load into an office's database and an office's database is never
-- started with the demo, so nothing of the demo can reach an office's year. A file that
-- already holds the demo (loaded by user 演示数据 before this migration) is marked as such.
CREATE TABLE database_info (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

INSERT INTO database_info (key, value)
SELECT 'kind', 'demo' WHERE EXISTS (SELECT 1 FROM uploads WHERE "user" = '演示数据');
