-- 051: 万人评议 answers stored once, as integers. Each answer row keeps only its upload,
-- year, ballot number, cell id (appraisal_cells: unit, category, item, answer) and count
-- (appraisal_answer_rows); each ballot's 问卷编号 is stored once, by its number
-- (appraisal_ballots). The strings the cell id encodes are no longer written with every
-- answer. ``appraisal_answers`` becomes a view with the columns it had, so that every
-- reader of the strings keeps working. The 回收站's copy (bin_appraisal_answers, made
-- by 050 if there was none) is split the same way.
CREATE TABLE appraisal_answer_rows (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    ballot_no BIGINT,            -- NULL for a tally row (no ballot)
    cell_id INTEGER NOT NULL,
    n INTEGER NOT NULL
);
CREATE TABLE appraisal_ballots (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    ballot_no BIGINT NOT NULL,   -- upload id in the high 32 bits, the ballot's place below
    ballot VARCHAR NOT NULL      -- 问卷编号
);

-- In the order they were stored (no sort: a city's years of answers are tens of millions).
INSERT INTO appraisal_answer_rows
SELECT upload_id, year, ballot_no, cell_id, n FROM appraisal_answers;
INSERT INTO appraisal_ballots
SELECT DISTINCT upload_id, year, ballot_no, ballot FROM appraisal_answers
WHERE ballot IS NOT NULL;

CREATE TABLE bin_appraisal_answer_rows AS
SELECT upload_id, year, ballot_no, cell_id, n FROM bin_appraisal_answers;
CREATE TABLE bin_appraisal_ballots AS
SELECT DISTINCT upload_id, year, ballot_no, ballot FROM bin_appraisal_answers
WHERE ballot IS NOT NULL;

DROP TABLE bin_appraisal_answers;
DROP TABLE appraisal_answers;

CREATE VIEW appraisal_answers AS
SELECT a.upload_id, a.year, b.ballot, c.unit, c.category, c.item, c.answer, a.n, a.cell_id,
       a.ballot_no
FROM appraisal_answer_rows a
JOIN appraisal_cells c ON c.id = a.cell_id
LEFT JOIN appraisal_ballots b ON b.ballot_no = a.ballot_no;
