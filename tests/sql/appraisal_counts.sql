-- 万人评议 answer counts per unit, evaluator category, item and answer: the only
-- pass over the large table that the scores need (grouped on the integer cell id);
-- the arithmetic happens in tests/reference.py (appraisal_score).
SELECT c.unit, c.category, c.item, c.answer, x.n
FROM (
    SELECT cell_id, sum(n)::BIGINT AS n
    FROM appraisal_answers
    WHERE year = $year
    GROUP BY cell_id
) x
JOIN appraisal_cells c ON c.id = x.cell_id
