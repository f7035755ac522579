-- Issue 20 item 4, the advanced options library (技术成果库): a regulator's
-- recommendation of an option for promotion (推荐推广), at most one per
-- option. publish_name 1 shows the enterprise's name with the option to
-- every user of the tenant; 0 keeps it hidden from those who may not read
-- the audit. Unmarking deletes the row; the audit log keeps the history.
CREATE TABLE option_recommendations (
    option_id      TEXT PRIMARY KEY REFERENCES audit_options(id),
    note           TEXT NOT NULL DEFAULT '',
    publish_name   INTEGER NOT NULL DEFAULT 0 CHECK (publish_name IN (0, 1)),
    recommended_by TEXT NOT NULL,
    recommended_at INTEGER NOT NULL
);
