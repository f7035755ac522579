-- Screening of audit candidates (筛选): imported enterprise-level source
-- data, one row per enterprise, and why each enterprise of a batch made
-- from a screening was listed. A source never changes once imported; it
-- is read by whoever imported it and by admins.
CREATE TABLE screening_sources (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE screening_rows (
    source_id     TEXT NOT NULL REFERENCES screening_sources(id),
    row           INTEGER NOT NULL,  -- the sheet's row number
    credit_code   TEXT NOT NULL,
    name          TEXT NOT NULL,
    region        TEXT NOT NULL,
    industry      TEXT NOT NULL,
    permit_number TEXT NOT NULL,
    flags         TEXT NOT NULL,     -- listing reasons joined by ','
    energy_tce    REAL NOT NULL,
    water_t       REAL NOT NULL,
    cod           REAL NOT NULL,
    nh3n          REAL NOT NULL,
    so2           REAL NOT NULL,
    nox           REAL NOT NULL,
    vocs          REAL NOT NULL,
    pm            REAL NOT NULL,
    PRIMARY KEY (source_id, row)
) WITHOUT ROWID;

CREATE TABLE screening_listings (
    batch_id      TEXT NOT NULL REFERENCES batches(id),
    enterprise_id TEXT NOT NULL REFERENCES organisations(id),
    source_id     TEXT NOT NULL REFERENCES screening_sources(id),
    reasons       TEXT NOT NULL,     -- JSON array of cpaudit.ScreenReason
    PRIMARY KEY (batch_id, enterprise_id)
);
