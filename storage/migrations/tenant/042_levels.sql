-- Cleaner production levels (issue 20 item 2). A tenant's own indicator
-- sets (清洁生产评价指标体系), one row per industry prefix and version, the
-- set itself as JSON (cpaudit.IndicatorSet); the sets shipped with cpaudit
-- are embedded in the binary, not stored here.
CREATE TABLE indicator_sets (
    id         TEXT PRIMARY KEY,
    industry   TEXT NOT NULL,   -- GB/T 4754 code prefix, e.g. C27
    version    TEXT NOT NULL,
    body       TEXT NOT NULL,   -- JSON
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (industry, version)
);

-- An audit's target level (I, II or III; '' none set).
CREATE TABLE audit_levels (
    audit_id     TEXT PRIMARY KEY REFERENCES audits(id),
    target_level TEXT NOT NULL DEFAULT '',
    updated_by   TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- An audit's indicator values before and after, and its targets, by the
-- indicator's code in the set that applies to its enterprise; NULL: not
-- entered. Values are in the indicator's unit.
CREATE TABLE audit_indicator_values (
    audit_id   TEXT NOT NULL REFERENCES audits(id),
    code       TEXT NOT NULL,
    before     REAL,
    after      REAL,
    target     REAL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (audit_id, code)
);
