-- Issue 20, options complete: the day each status was reached (a JSON
-- object status -> YYYY-MM-DD), the evidence documents of the same audit
-- (a JSON array of document ids, like findings.document_ids) and the
-- yearly net cash flows in 元 (a JSON array, year 1 first) of each option.
ALTER TABLE audit_options ADD COLUMN status_dates TEXT NOT NULL DEFAULT '{}';
ALTER TABLE audit_options ADD COLUMN document_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE audit_options ADD COLUMN cash_flows TEXT NOT NULL DEFAULT '[]';

-- The tenant's coefficients and assumptions for the computed figures of
-- options (cpaudit.OptionSettings): one row once an admin set them; none
-- means the defaults. coefficients is a JSON object carrier -> tce per
-- canonical unit.
CREATE TABLE option_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    coefficients  TEXT NOT NULL,
    discount_rate REAL NOT NULL,
    life_years    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);
