-- Per unit and category, over ballot sheets: the number of ballots and the
-- linearised (Taylor) variance of the category score, for the appraisal interval.
-- The category score is sum_i v_i * mean_i over answered items (v_i the item weights
-- renormalised over those items, computed with the means in rules.py and passed in
-- as parallel lists). Each answer contributes t = v_i (x - mean_i) / n_i; a ballot's
-- contributions are summed before squaring, because its items are correlated.
-- 问卷编号 is unique within a year (the importer enforces it), so a ballot has one
-- unit and one category and grouping by the id alone is enough.
WITH cells AS (
    -- One row per unit, category, item and scored answer, holding that answer's term.
    SELECT c.unit, c.category, c.item, p.answer, c.coef * (p.pts - c.mean) AS term
    FROM (SELECT unnest($units) AS unit, unnest($categories) AS category,
                 unnest($items) AS item, unnest($means) AS mean, unnest($coefs) AS coef) c
    CROSS JOIN (SELECT unnest($answers) AS answer, unnest($points) AS pts) p
),
per_ballot AS (
    SELECT any_value(x.unit) AS unit, any_value(x.category) AS category,
           coalesce(sum(c.term), 0) AS t
    FROM appraisal_answers x
    LEFT JOIN cells c
        ON c.unit = x.unit AND c.category = x.category AND c.item = x.item
        AND c.answer = x.answer
    WHERE x.year = $year AND x.ballot IS NOT NULL
    GROUP BY x.ballot
)
SELECT unit, category, count(*)::BIGINT AS ballots, sum(t * t) AS variance
FROM per_ballot
GROUP BY ALL
