-- 003: integer keys for the 万人评议 hot path. Every distinct (unit, category, item,
-- answer) gets an id once and each answer row carries it; each ballot gets a number
-- (upload id in the high 32 bits, its place in the upload below). Counting and the
-- per-ballot variance then group on integers instead of strings (about 5x faster over
-- millions of answers). The string columns stay for everything else.
CREATE SEQUENCE appraisal_cell_ids START 1;

CREATE TABLE appraisal_cells (
    id INTEGER PRIMARY KEY DEFAULT nextval('appraisal_cell_ids'),
    unit VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    answer VARCHAR NOT NULL,
    UNIQUE (unit, category, item, answer)
);

INSERT INTO appraisal_cells (unit, category, item, answer)
SELECT DISTINCT unit, category, item, answer FROM appraisal_answers ORDER BY ALL;

ALTER TABLE appraisal_answers ADD COLUMN cell_id INTEGER;

UPDATE appraisal_answers AS a SET cell_id = c.id
FROM appraisal_cells AS c
WHERE c.unit = a.unit AND c.category = a.category AND c.item = a.item AND c.answer = a.answer;

ALTER TABLE appraisal_answers ADD COLUMN ballot_no BIGINT;

UPDATE appraisal_answers AS a SET ballot_no = n.ballot_no
FROM (
    SELECT upload_id, ballot,
           (upload_id::BIGINT << 32) | dense_rank() OVER (PARTITION BY upload_id ORDER BY ballot)
               AS ballot_no
    FROM (SELECT DISTINCT upload_id, ballot FROM appraisal_answers WHERE ballot IS NOT NULL)
) AS n
WHERE a.upload_id = n.upload_id AND a.ballot = n.ballot;
