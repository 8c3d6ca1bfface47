-- 022: what the 数据质量 page needs of the ballots, kept at import so that a visit
-- reads no ballot: answer rows per upload and unit, and the 问卷编号 an upload brought
-- that the year already held (candidates for the duplicate check; the check itself
-- confirms them against the answers, so an undone upload leaves no false one).
CREATE TABLE appraisal_upload_units (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    rows BIGINT NOT NULL
);

CREATE TABLE appraisal_ballot_repeats (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    ballot VARCHAR NOT NULL
);

INSERT INTO appraisal_upload_units
SELECT m.upload_id, any_value(m.year), c.unit, count(*)
FROM appraisal_answers m JOIN appraisal_cells c ON c.id = m.cell_id
GROUP BY m.upload_id, c.unit;

INSERT INTO appraisal_ballot_repeats
SELECT DISTINCT b.upload_id, b.year, b.ballot
FROM (SELECT DISTINCT upload_id, year, ballot FROM appraisal_answers WHERE ballot IS NOT NULL) b
JOIN (SELECT DISTINCT upload_id, year, ballot FROM appraisal_answers WHERE ballot IS NOT NULL) o
    ON o.year = b.year AND o.ballot = b.ballot AND o.upload_id < b.upload_id;
