-- 问卷编号 that occur in more than one upload of the year (import refuses them; this
-- catches any that came in some other way, e.g. before a scheme changed).
SELECT ballot, count(DISTINCT upload_id)::BIGINT AS uploads, min(unit) AS unit
FROM appraisal_answers
WHERE year = $year AND ballot IS NOT NULL
GROUP BY ballot
HAVING count(DISTINCT upload_id) > 1
ORDER BY ballot
