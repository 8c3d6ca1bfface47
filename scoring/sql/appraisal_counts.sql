-- 万人评议 answer counts per unit, evaluator category, item and answer: the only
-- pass over the large table that the scores need; the arithmetic happens in rules.py.
SELECT unit, category, item, answer, sum(n)::BIGINT AS n
FROM appraisal_answers
WHERE year = $year
GROUP BY ALL
