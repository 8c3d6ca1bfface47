-- 问卷编号 that occur in more than one upload of the year (import refuses them; this
-- catches any that came in some other way). Import records each 问卷编号 it finds again
-- (appraisal_ballot_repeats, migration 022); only those are looked up, so a year
-- without any reads no ballot.
WITH candidates AS (
    SELECT DISTINCT ballot FROM appraisal_ballot_repeats WHERE year = $year
)
SELECT a.ballot, count(DISTINCT a.upload_id)::BIGINT AS uploads, min(a.unit) AS unit
FROM appraisal_answers a SEMI JOIN candidates c ON c.ballot = a.ballot
WHERE a.year = $year
GROUP BY a.ballot
HAVING count(DISTINCT a.upload_id) > 1
ORDER BY a.ballot
