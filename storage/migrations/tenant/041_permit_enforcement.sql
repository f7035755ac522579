-- The regulator's review of an accepted audit's permit record: the state
-- it last set (the record itself is derived from the audit each time it is
-- read), when and by whom. No row: the record is as prepared (ready).
-- Each change is in the audit log too.
CREATE TABLE permit_records (
    audit_id TEXT PRIMARY KEY REFERENCES audits(id),
    state    TEXT NOT NULL,            -- exported or loaded
    state_on TEXT NOT NULL,            -- YYYY-MM-DD, China time
    note     TEXT NOT NULL DEFAULT '',
    set_by   TEXT NOT NULL,            -- e-mail
    set_at   INTEGER NOT NULL
);
