-- How far each cleaner production option has come (cpaudit.OptionStatus):
-- only implemented and verified options count in the results
-- (storage/results.go). Options entered before statuses existed are
-- proposed.
ALTER TABLE audit_options ADD COLUMN status TEXT NOT NULL DEFAULT 'proposed'
    CHECK (status IN ('proposed', 'screened', 'feasible', 'implemented', 'verified'));
-- The results read only the counted options, by audit.
CREATE INDEX audit_options_counted ON audit_options(audit_id) WHERE status IN ('implemented', 'verified');
