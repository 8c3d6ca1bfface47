-- 050: a 万人评议 ballot's fingerprint (fact_prints, kind 'ballot'; scoring/content_store.py)
-- is now made from its 问卷编号 and the cell ids of its answers (appraisal_cells, never
-- deleted or renumbered) instead of the four strings of each answer: the same content
-- gives the same print, at a fraction of the cost. Ballots fingerprinted before are
-- fingerprinted again in the new form, those in the 回收站 (bin_fact_prints, from
-- bin_appraisal_answers) too, so that a file stored before is still recognised after.
-- Uploads not yet fingerprinted (a database from before 006) are left to
-- Store.backfill_prints, which fingerprints them when the store opens.
CREATE TABLE IF NOT EXISTS bin_appraisal_answers AS SELECT * FROM appraisal_answers WITH NO DATA;
CREATE TABLE IF NOT EXISTS bin_fact_prints AS SELECT * FROM fact_prints WITH NO DATA;

CREATE TEMP TABLE reprinted_050 AS
SELECT a.upload_id, a.year, 'ballot' AS kind,
       md5(a.ballot || '|' || string_agg(a.cell_id::VARCHAR, ',' ORDER BY a.cell_id)) AS fp
FROM appraisal_answers a
WHERE a.ballot IS NOT NULL
  AND a.upload_id IN (SELECT upload_id FROM fact_prints WHERE kind = 'ballot')
GROUP BY a.upload_id, a.year, a.ballot;
DELETE FROM fact_prints WHERE kind = 'ballot';
INSERT INTO fact_prints (upload_id, year, kind, fp)
SELECT DISTINCT upload_id, year, kind, fp FROM reprinted_050;
DROP TABLE reprinted_050;

CREATE TEMP TABLE reprinted_050 AS
SELECT a.upload_id, a.year, 'ballot' AS kind,
       md5(a.ballot || '|' || string_agg(a.cell_id::VARCHAR, ',' ORDER BY a.cell_id)) AS fp
FROM bin_appraisal_answers a
WHERE a.ballot IS NOT NULL
  AND a.upload_id IN (SELECT upload_id FROM bin_fact_prints WHERE kind = 'ballot')
GROUP BY a.upload_id, a.year, a.ballot;
DELETE FROM bin_fact_prints WHERE kind = 'ballot';
INSERT INTO bin_fact_prints (upload_id, year, kind, fp)
SELECT DISTINCT upload_id, year, kind, fp FROM reprinted_050;
DROP TABLE reprinted_050;
