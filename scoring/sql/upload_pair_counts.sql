-- One upload's contribution to appraisal_pair_counts (migration 021), counted in SQL
-- when numpy cannot (counts.upload_counts): each cell's answer count on the diagonal,
-- and for two cells of the same ballot (cell_a < cell_b) the ballots holding both.
WITH m AS (
    SELECT cell_id, ballot_no, n FROM appraisal_answers
    WHERE upload_id = $upload_id AND ballot_no IS NOT NULL
)
SELECT cell_a, cell_b, sum(n)::BIGINT AS n
FROM (
    SELECT cell_id AS cell_a, cell_id AS cell_b, n FROM m
    UNION ALL
    SELECT a.cell_id, b.cell_id, 1
    FROM m a JOIN m b ON a.ballot_no = b.ballot_no AND a.cell_id < b.cell_id
)
GROUP BY ALL
