-- One upload's straight-lined ballots (every item the same answer) per unit and
-- number of items answered (appraisal_straight_counts).
SELECT unit, items, count(*)::BIGINT AS ballots
FROM (
    SELECT any_value(c.unit) AS unit, count(*)::INTEGER AS items
    FROM appraisal_answers x JOIN appraisal_cells c ON c.id = x.cell_id
    WHERE x.upload_id = $upload_id AND x.ballot_no IS NOT NULL
    GROUP BY x.ballot_no
    HAVING count(DISTINCT c.answer) = 1
)
GROUP BY ALL
