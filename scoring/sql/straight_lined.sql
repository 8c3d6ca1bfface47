-- Straight-lined ballots: every item of the ballot carries the same answer (and the
-- ballot answers at least $min_items items), per unit; from the counts kept per year
-- (migration 021), not from the ballots.
SELECT unit, sum(ballots)::BIGINT AS ballots
FROM appraisal_straight_counts
WHERE year = $year AND items >= $min_items
GROUP BY unit
ORDER BY ballots DESC, unit
