-- Linearised (Taylor) variance of each category score, for the appraisal interval.
-- A category score is sum_i v_i * mean_i over answered items, v_i the item weights
-- renormalised over those items. Each answer contributes t = v_i (x - mean_i) / n_i;
-- a ballot's contributions are summed before squaring (its items are correlated);
-- tally cells, having no ballot, count as n independent answers.
WITH points AS (
    SELECT unnest($answers) AS answer, unnest($points) AS pts
),
items AS (
    SELECT unnest($items) AS item, unnest($item_weights) AS weight
),
a AS (
    SELECT x.unit, x.category, x.item, x.ballot, x.n, p.pts
    FROM appraisal_answers x
    JOIN points p ON p.answer = x.answer
    JOIN items i ON i.item = x.item AND i.weight > 0
    WHERE x.year = $year
),
m AS (
    SELECT unit, category, item, sum(n * pts) / sum(n) AS mean, sum(n) AS answered
    FROM a
    GROUP BY ALL
),
w AS (
    SELECT m.*, i.weight / sum(i.weight) OVER (PARTITION BY m.unit, m.category) AS v
    FROM m JOIN items i USING (item)
),
t AS (
    SELECT a.unit, a.category, a.ballot, a.n, w.v * (a.pts - w.mean) / w.answered AS t
    FROM a JOIN w USING (unit, category, item)
),
parts AS (
    SELECT unit, category, sum(t) * sum(t) AS s
    FROM t WHERE ballot IS NOT NULL
    GROUP BY unit, category, ballot
    UNION ALL
    SELECT unit, category, n * t * t AS s
    FROM t WHERE ballot IS NULL
)
SELECT unit, category, sum(s) AS variance
FROM parts
GROUP BY ALL
