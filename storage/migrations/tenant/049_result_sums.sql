-- Per-audit sums of the counted options (implemented and verified,
-- storage/results.go countedOptions), so the results of a province sum at
-- most one row per audit and quantity instead of parsing every option's
-- figures JSON on each request (issue 20). For each audit with a counted
-- option: a row of quantity '' whose n is its counted options, and a row
-- per quantity their figures state, with the sum (total) and how many of
-- them state it (n).
--
-- Every writer of audit_options (saveOption, for one option, an import
-- and a status change; SeedOptionsForBench) calls refreshResultSums in the
-- same transaction, which recomputes the audit's rows from its options
-- rather than adding differences, so the sums never drift. Not triggers:
-- a trigger naming audit_options.status would forbid rebuilding that
-- column, which TestOptionStatus does to play an old database.
CREATE TABLE audit_result_sums (
    audit_id TEXT NOT NULL REFERENCES audits(id),
    quantity TEXT NOT NULL,
    total    REAL NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (audit_id, quantity)
) WITHOUT ROWID;

INSERT INTO audit_result_sums (audit_id, quantity, total, n)
SELECT o.audit_id, '', 0, count(*) FROM audit_options o
WHERE o.status IN ('implemented', 'verified') GROUP BY o.audit_id
UNION ALL
SELECT o.audit_id, j.key, total(j.value), count(*) FROM audit_options o, json_each(o.figures) j
WHERE o.status IN ('implemented', 'verified') GROUP BY o.audit_id, j.key;
