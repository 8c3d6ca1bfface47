-- Ballots per unit and category: distinct 问卷编号 for ballot sheets; for a tally
-- upload, the largest total over its items (shared/spec/scoring.md).
SELECT unit, category, sum(b)::BIGINT AS ballots
FROM (
    SELECT unit, category, count(DISTINCT ballot) AS b
    FROM appraisal_answers
    WHERE year = $year AND ballot IS NOT NULL
    GROUP BY unit, category
    UNION ALL
    SELECT unit, category, max(total) AS b
    FROM (
        SELECT upload_id, unit, category, item, sum(n) AS total
        FROM appraisal_answers
        WHERE year = $year AND ballot IS NULL
        GROUP BY ALL
    )
    GROUP BY upload_id, unit, category
)
GROUP BY ALL
