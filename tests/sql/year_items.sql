-- The year's distinct (unit, category, item) of its answer cells, numbered by order
-- (year_cells.sql's item_of).
SELECT DISTINCT c.unit, c.category, c.item
FROM appraisal_cells c
WHERE c.id IN (
    SELECT cell_a FROM appraisal_pair_counts WHERE year = $year AND cell_a = cell_b
    UNION ALL
    SELECT cell_id FROM appraisal_tally_counts WHERE year = $year
)
ORDER BY ALL
