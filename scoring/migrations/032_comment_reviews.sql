-- 032: the office's review of 万人评议 意见建议: a category, hidden from 领导 views when
-- abusive. A comment is known by a key derived from its content (year, unit, category,
-- ballot, text), so a review survives an undo and re-import of the same file.
CREATE TABLE comment_reviews (
    "key" VARCHAR PRIMARY KEY,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    tag VARCHAR,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    "at" TIMESTAMP NOT NULL DEFAULT current_timestamp,
    "user" VARCHAR NOT NULL
);
