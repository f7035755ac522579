-- A session's last request, for the idle timeout. It is written at most
-- once a minute per session (SessionByCookie), not on every request.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
