-- 026: whether a case step's day is the real one. A case imported from a sheet as already
-- 办结 without its 办结日期 gets the import day, marked here as not the real day, so that
-- the average time to 办结 and the stage deadlines never rest on a made-up date.
ALTER TABLE case_events ADD COLUMN dated BOOLEAN DEFAULT TRUE;
