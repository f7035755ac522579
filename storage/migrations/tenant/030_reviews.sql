-- Expert review of spot-check campaigns: the expert pool's profiles, the
-- reviewers drawn per sampled audit, and their reviews. Assignments and
-- reviews are never deleted: a replaced reviewer's assignment stays with
-- the reason, and the draw and each replacement are in the audit log.
CREATE TABLE expert_profiles (
    user_id         TEXT PRIMARY KEY REFERENCES users(id),
    industries      TEXT NOT NULL, -- JSON array of GB/T 4754 codes
    specialities    TEXT NOT NULL, -- JSON array
    organisation_id TEXT NOT NULL DEFAULT '',
    region          TEXT NOT NULL DEFAULT '',
    conflicts       TEXT NOT NULL, -- JSON array of organisation ids
    updated_at      INTEGER NOT NULL
);

CREATE TABLE review_assignments (
    id              TEXT PRIMARY KEY,
    campaign_id     TEXT NOT NULL REFERENCES campaigns(id),
    audit_id        TEXT NOT NULL REFERENCES audits(id),
    expert_id       TEXT NOT NULL REFERENCES users(id),
    replaces        TEXT REFERENCES review_assignments(id),
    replaced_by     TEXT REFERENCES review_assignments(id),
    replaced_reason TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX review_assignments_campaign ON review_assignments(campaign_id, audit_id);
CREATE INDEX review_assignments_expert ON review_assignments(expert_id);
-- One active assignment per expert and audit of a campaign.
CREATE UNIQUE INDEX review_assignments_active ON review_assignments(campaign_id, audit_id, expert_id)
    WHERE replaced_by IS NULL;

CREATE TABLE reviews (
    assignment_id TEXT PRIMARY KEY REFERENCES review_assignments(id),
    items         TEXT NOT NULL, -- JSON array of cpaudit.ItemScore
    vetoes        TEXT NOT NULL, -- JSON array of veto items
    comment       TEXT NOT NULL,
    score         REAL NOT NULL,
    submitted_at  INTEGER NOT NULL
);
