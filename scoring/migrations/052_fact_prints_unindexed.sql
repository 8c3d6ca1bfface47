-- 052: fact_prints without its index on (year, fp). Every query on the prints joins them
-- as a whole (a hash join: the content check, the uploads that share facts, restore's
-- check); DuckDB never used the index for them, but each upload paid for keeping it at
-- commit (about 50 ms for a 100,000-ballot file).
DROP INDEX IF EXISTS fact_prints_year_fp;
