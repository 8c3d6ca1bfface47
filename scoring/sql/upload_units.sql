-- One upload's 万人评议 answer rows per unit (appraisal_upload_units, migration 022).
INSERT INTO appraisal_upload_units
SELECT $upload_id, $year, c.unit, count(*)
FROM appraisal_answers m JOIN appraisal_cells c ON c.id = m.cell_id
WHERE m.upload_id = $upload_id
GROUP BY c.unit
