-- Spot-check campaigns (抽查任务): the rules, the size of the population
-- they gave and the audits drawn. A campaign never changes once made;
-- its creation is in the audit log with the population's digest.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    stage       TEXT NOT NULL,
    filter      TEXT NOT NULL, -- JSON: cpaudit.CampaignFilter
    size        INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    strata      TEXT NOT NULL, -- JSON array
    population  INTEGER NOT NULL,
    audit_ids   TEXT NOT NULL, -- JSON array, the sample in draw order
    scope       TEXT NOT NULL, -- the creator's region prefix ('': the whole tenant): who reads it
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
