-- The same for tally sheets (counts, no ballot ids): a tally's ballot count for a
-- unit and category is the largest total over its items (shared/spec/scoring.md), and
-- each counted answer is an independent term of the variance (no ballot to group by).
WITH cells AS (
    SELECT unnest($units) AS unit, unnest($categories) AS category, unnest($items) AS item,
           unnest($means) AS mean, unnest($coefs) AS coef
),
tally AS (
    SELECT upload_id, unit, category, item, answer, n
    FROM appraisal_answers
    WHERE year = $year AND ballot IS NULL
),
counted AS (
    SELECT unit, category, sum(b)::BIGINT AS ballots
    FROM (
        SELECT upload_id, unit, category, max(total) AS b
        FROM (SELECT upload_id, unit, category, item, sum(n) AS total FROM tally GROUP BY ALL)
        GROUP BY ALL
    )
    GROUP BY ALL
),
spread AS (
    SELECT x.unit, x.category,
           sum(x.n * power(c.coef * ($points[list_position($answers, x.answer)] - c.mean), 2))
               AS variance
    FROM tally x
    JOIN cells c ON c.unit = x.unit AND c.category = x.category AND c.item = x.item
    WHERE list_contains($answers, x.answer)
    GROUP BY ALL
)
SELECT counted.unit, counted.category, counted.ballots, coalesce(spread.variance, 0) AS variance
FROM counted
LEFT JOIN spread USING (unit, category)
