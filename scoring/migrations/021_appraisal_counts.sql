-- 021: counts kept per year, so that recomputing a year's 万人评议 reads no ballot.
-- For each year and pair of answer cells (appraisal_cells: unit, category, item, answer)
-- of the same ballot, how many ballots hold both (cell_a < cell_b); the diagonal
-- (cell_a = cell_b) holds each cell's answer count on ballot sheets. The diagonal gives
-- the item means; the pairs give the exact per-ballot variance of the linearised score
-- (sum over ballots of (sum of its terms)^2 = sum over pairs of count x term x term).
-- Tally sheets (汇总表: counts, no ballots) are kept apart, per cell, as the store has
-- kept their variance apart (answers counted as independent). Import adds an upload's
-- counts and undo subtracts them, in the same transaction as its rows (store.py,
-- _count_upload); this migration builds them for the data already stored.
CREATE TABLE appraisal_pair_counts (
    year INTEGER NOT NULL,
    cell_a INTEGER NOT NULL,
    cell_b INTEGER NOT NULL,
    n BIGINT NOT NULL
);

CREATE TABLE appraisal_tally_counts (
    year INTEGER NOT NULL,
    cell_id INTEGER NOT NULL,
    n BIGINT NOT NULL
);

-- Ballots per unit and evaluator category: ballot sheets count their ballots
-- (ballots), a tally sheet the largest total over its items (tally_ballots, as
-- shared/spec/scoring.md says), summed over uploads.
CREATE TABLE appraisal_ballot_counts (
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    ballots BIGINT NOT NULL,
    tally_ballots BIGINT NOT NULL
);

-- Straight-lined ballots (every item the same answer) per unit and number of items
-- answered, for the 数据质量 page (its threshold comes from the scheme at read time).
CREATE TABLE appraisal_straight_counts (
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    items INTEGER NOT NULL,
    ballots BIGINT NOT NULL
);

INSERT INTO appraisal_pair_counts
SELECT year, cell_a, cell_b, sum(n)::BIGINT
FROM (
    SELECT year, cell_id AS cell_a, cell_id AS cell_b, n
    FROM appraisal_answers WHERE ballot_no IS NOT NULL
    UNION ALL
    SELECT a.year, a.cell_id, b.cell_id, 1
    FROM appraisal_answers a
    JOIN appraisal_answers b ON a.ballot_no = b.ballot_no AND a.cell_id < b.cell_id
)
GROUP BY ALL;

INSERT INTO appraisal_tally_counts
SELECT year, cell_id, sum(n)::BIGINT FROM appraisal_answers WHERE ballot_no IS NULL GROUP BY ALL;

INSERT INTO appraisal_ballot_counts
SELECT year, unit, category, sum(ballots)::BIGINT, sum(tally_ballots)::BIGINT
FROM (
    SELECT any_value(m.year) AS year, c.unit, c.category,
           count(DISTINCT m.ballot_no) AS ballots, 0 AS tally_ballots
    FROM appraisal_answers m JOIN appraisal_cells c ON c.id = m.cell_id
    WHERE m.ballot_no IS NOT NULL
    GROUP BY m.upload_id, c.unit, c.category
    UNION ALL
    SELECT any_value(year), unit, category, 0, max(total)
    FROM (
        SELECT m.upload_id, any_value(m.year) AS year, c.unit, c.category, c.item,
               sum(m.n) AS total
        FROM appraisal_answers m JOIN appraisal_cells c ON c.id = m.cell_id
        WHERE m.ballot_no IS NULL
        GROUP BY m.upload_id, c.unit, c.category, c.item
    )
    GROUP BY upload_id, unit, category
)
GROUP BY ALL;

INSERT INTO appraisal_straight_counts
SELECT year, unit, items, count(*)::BIGINT
FROM (
    SELECT any_value(m.year) AS year, any_value(c.unit) AS unit, count(*) AS items
    FROM appraisal_answers m JOIN appraisal_cells c ON c.id = m.cell_id
    WHERE m.ballot_no IS NOT NULL
    GROUP BY m.ballot_no
    HAVING count(DISTINCT c.answer) = 1
)
GROUP BY ALL;
