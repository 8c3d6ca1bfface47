-- The 问卷编号 of one upload that another upload of the year already holds
-- (appraisal_ballot_repeats, migration 022). Each ballot's 问卷编号 is stored once
-- (appraisal_ballots, migration 051). The upload's own ballots are the hash table; the
-- year's are only probed.
INSERT INTO appraisal_ballot_repeats
SELECT DISTINCT $upload_id, $year, o.ballot
FROM appraisal_ballots o
SEMI JOIN (SELECT DISTINCT ballot FROM appraisal_ballots WHERE upload_id = $upload_id) n
    ON n.ballot = o.ballot
WHERE o.year = $year AND o.upload_id <> $upload_id
