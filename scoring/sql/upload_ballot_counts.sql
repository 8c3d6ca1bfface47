-- One upload's ballots per unit and evaluator category (appraisal_ballot_counts):
-- a ballot sheet counts its ballots, a tally sheet the largest total over its items.
WITH m AS (
    SELECT c.unit, c.category, c.item, x.ballot_no, x.n
    FROM appraisal_answers x JOIN appraisal_cells c ON c.id = x.cell_id
    WHERE x.upload_id = $upload_id
)
SELECT unit, category, sum(ballots)::BIGINT AS ballots,
       sum(tally_ballots)::BIGINT AS tally_ballots
FROM (
    SELECT unit, category, count(DISTINCT ballot_no) AS ballots, 0 AS tally_ballots
    FROM m WHERE ballot_no IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT unit, category, 0, max(total)
    FROM (SELECT unit, category, item, sum(n) AS total FROM m WHERE ballot_no IS NULL GROUP BY ALL)
    GROUP BY ALL
)
GROUP BY ALL
