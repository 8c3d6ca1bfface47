-- The year's answer cells (the diagonal of appraisal_pair_counts and the tally counts,
-- migration 021) as integers only: id and answer counts on ballot and tally sheets.
-- Their strings come from the store's copy of appraisal_cells (store._CellLabels).
SELECT cell_id AS id, sum(n)::BIGINT AS n, sum(tally)::BIGINT AS tally
FROM (
    SELECT cell_a AS cell_id, n, 0 AS tally FROM appraisal_pair_counts
    WHERE year = $year AND cell_a = cell_b
    UNION ALL
    SELECT cell_id, 0, n FROM appraisal_tally_counts WHERE year = $year
)
GROUP BY cell_id
