-- 绩效考核 per unit, indicator and 考核月份 (NULL: none given): each score as a
-- percentage of its 满分 (the sheet's, else the scheme's), with the count, sum, lowest
-- and highest that the trimmed mean needs, and the sum of squares for its sampling
-- variance (evidence.py). Months pool exactly (counts and sums add, extremes take
-- min/max), so rounds within the year and the whole year both come from this.
-- Sums of doubles are taken in the order of their values and rows come sorted: DuckDB's
-- parallel sum adds in whatever order its threads finish, and the month pooling adds
-- rows in the order they come, so otherwise the same data gave means differing in the
-- last bit from one run to the next (and ties could flip).
WITH maxes AS (
    SELECT unnest($indicators) AS indicator, unnest($maxes) AS max_score
),
s AS (
    SELECT p.unit, p.indicator, p.month,
           100.0 * p.score / coalesce(p.max_score, m.max_score, $default_max) AS pct
    FROM performance_scores p
    LEFT JOIN maxes m USING (indicator)
    WHERE p.year = $year
)
SELECT unit, indicator, month, count(*)::BIGINT AS n, sum(pct ORDER BY pct) AS total,
       min(pct) AS lo, max(pct) AS hi, sum(pct * pct ORDER BY pct) AS sumsq
FROM s
GROUP BY ALL
ORDER BY unit, indicator, month NULLS FIRST
