-- Opinions (技术审查意见 / 验收意见) issued on a campaign's sampled audits
-- from their reviews: one document per audit and campaign, a new version
-- each time it is issued again.
CREATE TABLE opinions (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    audit_id    TEXT NOT NULL REFERENCES audits(id),
    document_id TEXT NOT NULL REFERENCES documents(id),
    result      TEXT NOT NULL, -- pass, pass_with_conditions or fail
    mean        REAL NOT NULL,
    issued_by   TEXT NOT NULL,
    issued_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, audit_id)
);
