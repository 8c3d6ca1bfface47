-- Per unit and category, over ballot sheets: the number of ballots and the
-- linearised (Taylor) variance of the category score, for the appraisal interval.
-- The category score is sum_i v_i * mean_i over answered items (v_i the item weights
-- renormalised over those items, computed with the means (variance_cells) and passed in
-- as parallel lists). Each answer contributes t = v_i (x - mean_i) / n_i; a ballot's
-- contributions are summed before squaring, because its items are correlated.
-- A ballot (ballot_no, migration 003) has one unit and one category: any of its
-- cells names them.
WITH given AS (
    SELECT unnest($units) AS unit, unnest($categories) AS category, unnest($items) AS item,
           unnest($means) AS mean, unnest($coefs) AS coef
),
points AS (
    SELECT unnest($answers) AS answer, unnest($points) AS pts
),
terms AS (
    -- One row per stored cell with a scored answer, holding that answer's term.
    SELECT ac.id AS cell_id, g.coef * (p.pts - g.mean) AS term
    FROM appraisal_cells ac
    JOIN given g ON g.unit = ac.unit AND g.category = ac.category AND g.item = ac.item
    JOIN points p ON p.answer = ac.answer
),
dense AS (
    -- The terms as one list indexed by cell id (0 for unscored answers and gaps), so
    -- that each answer row looks its term up by position instead of through a join.
    SELECT list(coalesce(t.term, 0.0) ORDER BY r.i) AS term_of
    FROM range(1, (SELECT coalesce(max(id), 0) + 1 FROM appraisal_cells)) AS r(i)
    LEFT JOIN terms t ON t.cell_id = r.i
),
per_ballot AS (
    -- t: the ballot's terms summed (ballot level); tt: each term squared alone (answer
    -- level). Their ratio over the year is the design effect that widens tally intervals.
    SELECT any_value(x.cell_id) AS cell_id, sum(dense.term_of[x.cell_id]) AS t,
           sum(dense.term_of[x.cell_id] * dense.term_of[x.cell_id]) AS tt
    FROM appraisal_answers x, dense
    WHERE x.year = $year AND x.ballot_no IS NOT NULL
    GROUP BY x.ballot_no
)
SELECT ac.unit, ac.category, count(*)::BIGINT AS ballots, sum(b.t * b.t) AS variance,
       sum(b.tt) AS answer_variance
FROM per_ballot b
JOIN appraisal_cells ac ON ac.id = b.cell_id
GROUP BY ALL
