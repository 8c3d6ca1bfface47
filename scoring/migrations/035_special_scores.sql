-- 专项考评 (extra components a scheme names, e.g. 目标考核, 领导评价): one score per
-- row; 满分 NULL means 100 (shared/spec/sheets.md). Weighted like a component when the
-- scheme's composite.weights names the 项目.
CREATE TABLE IF NOT EXISTS special_scores (
    upload_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    max_score DOUBLE,
    scorer VARCHAR
);
