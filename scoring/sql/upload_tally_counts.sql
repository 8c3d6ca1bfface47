-- One upload's tally answers per cell (appraisal_tally_counts, migration 021).
SELECT cell_id, sum(n)::BIGINT AS n
FROM appraisal_answers
WHERE upload_id = $upload_id AND ballot_no IS NULL
GROUP BY ALL
