-- Straight-lined ballots: every item of the ballot carries the same answer (and the
-- ballot answers at least $min_items items), per unit.
SELECT unit, count(*)::BIGINT AS ballots
FROM (
    SELECT unit, ballot
    FROM appraisal_answers
    WHERE year = $year AND ballot IS NOT NULL
    GROUP BY unit, ballot
    HAVING count(DISTINCT answer) = 1 AND count(*) >= $min_items
)
GROUP BY unit
ORDER BY ballots DESC, unit
