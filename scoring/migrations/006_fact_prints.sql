-- 006: one fingerprint per stored fact (scoring/content_store.py), so the same facts are
-- recognised whatever file brings them. Existing uploads are fingerprinted when the
-- store opens (Store.backfill_prints): the fingerprints are computed from stored rows.
CREATE TABLE fact_prints (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    fp VARCHAR NOT NULL
);
CREATE INDEX fact_prints_year_fp ON fact_prints (year, fp);
