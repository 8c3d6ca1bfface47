-- A year of synthetic 万人评议 ballots, generated inside DuckDB (benchmark data only).
-- $ballots ballots over $units units, 6 items each; unit quality shifts the answers.
INSERT INTO appraisal_answers (upload_id, year, ballot, ballot_no, unit, category, item, answer, n)
SELECT $upload_id, $year,
       'B' || b.i::VARCHAR,
       ($upload_id::BIGINT << 32) | (b.i + 1),
       '单位' || (b.i % $units)::VARCHAR,
       ['服务对象', '企业代表', '人大代表政协委员', '基层单位', '群众'][1 + (hash(b.i) % 5)::INTEGER],
       it.item,
       CASE
           WHEN r < 0.05 THEN '不了解'
           WHEN r < 0.05 + 0.50 + 0.004 * (b.i % $units % 50) THEN '满意'
           WHEN r < 0.90 THEN '基本满意'
           ELSE '不满意'
       END,
       1
FROM range($ballots) AS b(i)
CROSS JOIN (VALUES ('工作作风'), ('工作效率'), ('服务质量'), ('依法行政'), ('廉洁自律'), ('总体评价')) AS it(item)
CROSS JOIN LATERAL (SELECT (hash(b.i * 7 + length(it.item) * 1000003 + ascii(it.item)) % 1000000) / 1e6 AS r)
