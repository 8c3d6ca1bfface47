-- Why each scheme version was set (the 考评方案 page asks for a reason; it is also in
-- the audit log). Earlier versions keep an empty reason.
ALTER TABLE schemes ADD COLUMN IF NOT EXISTS reason VARCHAR DEFAULT '';
