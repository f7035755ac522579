-- The results and their cost ranking filter audits by an industry prefix
-- (C26 covers C2614): storage/results.go adds the prefix as a range on
-- audit_progress.industry, which this index serves, so a ranking of one
-- industry reads that industry's audits instead of every audit.
CREATE INDEX audit_progress_industry ON audit_progress(industry, audit_id);
