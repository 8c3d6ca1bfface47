-- The year's answer cells (the diagonal of appraisal_pair_counts and the tally counts,
-- migration 021): id, answer counts on ballot and tally sheets, and as small integers
-- its (unit, category, item) and its answer, in the order of year_items.sql and
-- year_answers.sql.
WITH counted AS (
    SELECT cell_id AS id, sum(n) AS n, sum(tally) AS tally
    FROM (
        SELECT cell_a AS cell_id, n, 0 AS tally FROM appraisal_pair_counts
        WHERE year = $year AND cell_a = cell_b
        UNION ALL
        SELECT cell_id, 0, n FROM appraisal_tally_counts WHERE year = $year
    )
    GROUP BY cell_id
),
d AS (
    SELECT k.id, k.n, k.tally, c.unit, c.category, c.item, c.answer
    FROM counted k JOIN appraisal_cells c ON c.id = k.id
)
SELECT id, n::BIGINT AS n, tally::BIGINT AS tally,
       (dense_rank() OVER (ORDER BY unit, category, item) - 1)::INTEGER AS item_of,
       (dense_rank() OVER (ORDER BY answer) - 1)::INTEGER AS answer_of
FROM d
ORDER BY item_of, answer_of
