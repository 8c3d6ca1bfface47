-- Rows per unit and source for a year, across every fact table (万人评议 answer rows
-- from the rows per upload and unit kept at import, migration 022).
SELECT unit, source, sum(rows)::BIGINT AS rows, count(DISTINCT upload_id)::BIGINT AS uploads
FROM (
    SELECT a.unit, u.source, a.upload_id, a.rows
    FROM appraisal_upload_units a JOIN uploads u ON u.id = a.upload_id
    WHERE a.year = $year
    UNION ALL
    SELECT p.unit, u.source, p.upload_id, count(*)
    FROM performance_scores p JOIN uploads u ON u.id = p.upload_id
    WHERE p.year = $year GROUP BY ALL
    UNION ALL
    SELECT v.unit, u.source, v.upload_id, sum(v.n)
    FROM integrity_votes v JOIN uploads u ON u.id = v.upload_id
    WHERE v.year = $year GROUP BY ALL
    UNION ALL
    SELECT j.unit, u.source, j.upload_id, count(*)
    FROM adjustments j JOIN uploads u ON u.id = j.upload_id
    WHERE j.year = $year GROUP BY ALL
)
GROUP BY ALL
ORDER BY unit, source
