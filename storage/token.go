package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Secrets (API tokens and session cookies) carry their tenant's id in
// clear, so the request's tenant comes from the credential itself, and 32
// random bytes; only the SHA-256 of the whole secret is stored.

const tokenPrefix = "cpa_"

func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new API token for a user and returns it; this is the
// only time the secret is seen. The actor must be the user or an admin.
func (s *Store) CreateToken(ctx context.Context, a cpaudit.Actor, userID, name string) (string, cpaudit.Token, error) {
	const op = "storage.CreateToken"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return "", cpaudit.Token{}, err
	}
	if a.Role != cpaudit.RoleAdmin && a.UserID != userID {
		return "", cpaudit.Token{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such user")
	}
	if _, err := s.userByID(ctx, db, a.TenantID, userID); err != nil {
		return "", cpaudit.Token{}, err
	}
	if len([]rune(name)) > 100 {
		return "", cpaudit.Token{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTextTooLong, "token name is longer than 100 characters").With("field", "token_name").With("max", "100")
	}
	now := s.clock()
	t := cpaudit.Token{ID: cpaudit.NewID("k", now), UserID: userID, Name: name, CreatedAt: now}
	secret := tokenPrefix + a.TenantID + "_" + newSecret()
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, user_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.ID, userID, name, secretHash(secret), micros(now))
		if err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "token.create", "token", t.ID, map[string]any{"user_id": userID, "name": name})
	})
	if err != nil {
		return "", cpaudit.Token{}, dbError(op, err, "", "")
	}
	return secret, t, nil
}

// UserByToken returns the user an API token belongs to;
// KindUnauthenticated if the token is malformed, unknown or revoked.
func (s *Store) UserByToken(ctx context.Context, token string) (cpaudit.User, error) {
	bad := cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeTokenInvalid, "the API token is invalid or revoked")
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	tenantID, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(token) > 200 {
		return cpaudit.User{}, bad
	}
	db, err := s.tenantDB(ctx, tenantID)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return cpaudit.User{}, bad
	} else if err != nil {
		return cpaudit.User{}, err
	}
	var userID string
	err = db.QueryRowContext(ctx, `SELECT user_id FROM tokens WHERE secret_hash = ? AND revoked_at IS NULL`, secretHash(token)).Scan(&userID)
	if err != nil {
		err = dbError("storage.UserByToken", err, "unknown token", "")
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return cpaudit.User{}, bad
		}
		return cpaudit.User{}, err
	}
	return s.userByID(ctx, db, tenantID, userID)
}

// Tokens lists a user's tokens, newest first. The actor must be the user
// or an admin.
func (s *Store) Tokens(ctx context.Context, a cpaudit.Actor, userID string) ([]cpaudit.Token, error) {
	const op = "storage.Tokens"
	if a.Role != cpaudit.RoleAdmin && a.UserID != userID {
		return nil, cpaudit.Errorf(cpaudit.KindNotFound, "no such user")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, user_id, name, created_at, revoked_at FROM tokens WHERE user_id = ? ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	tokens := []cpaudit.Token{}
	for rows.Next() {
		var t cpaudit.Token
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created, &revoked); err != nil {
			return nil, dbError(op, err, "", "")
		}
		t.CreatedAt = fromMicros(created)
		if revoked.Valid {
			r := fromMicros(revoked.Int64)
			t.RevokedAt = &r
		}
		tokens = append(tokens, t)
	}
	return tokens, dbError(op, rows.Err(), "", "")
}

// RevokeToken revokes a token of the actor's (any token, for an admin).
// KindNotFound if there is no such token the actor may revoke.
func (s *Store) RevokeToken(ctx context.Context, a cpaudit.Actor, tokenID string) error {
	const op = "storage.RevokeToken"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	return dbError(op, inTx(ctx, db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND (? OR user_id = ?)`,
			micros(s.clock()), tokenID, a.Role == cpaudit.RoleAdmin, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such token")
		}
		return s.appendLog(ctx, tx, a, "token.revoke", "token", tokenID, nil)
	}), "", "")
}

// CreateSession logs a user in for ttl and returns the cookie value.
func (s *Store) CreateSession(ctx context.Context, u cpaudit.User, clientAddr string, ttl time.Duration) (string, cpaudit.Session, error) {
	db, err := s.tenantDB(ctx, u.TenantID)
	if err != nil {
		return "", cpaudit.Session{}, err
	}
	now := s.clock()
	cookie := u.TenantID + "." + newSecret()
	sess := cpaudit.Session{User: u, CSRFToken: newSecret(), ExpiresAt: now.Add(ttl)}
	a := u.Actor(clientAddr)
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		// Expired sessions are swept here rather than by a timer: logins
		// are rare enough and the index makes it cheap.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, micros(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (secret_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
			secretHash(cookie), u.ID, sess.CSRFToken, micros(now), micros(sess.ExpiresAt), micros(now))
		if err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "session.login", "user", u.ID, nil)
	})
	if err != nil {
		return "", cpaudit.Session{}, dbError("storage.CreateSession", err, "", "")
	}
	return cookie, sess, nil
}

// SessionTouchEvery is how stale a session's last-seen time may grow
// before a request writes it again: one write a minute per active session,
// not one per request. The idle timeout is therefore enforced to within
// this much, on the early side (a session may end up to a minute before
// idle has passed since its very last request, never after).
const SessionTouchEvery = time.Minute

// SessionByCookie returns the live session for a cookie value and records
// that it was seen; KindUnauthenticated if it is unknown, malformed, past
// its absolute expiry, or unused for idle or more (idle <= 0: no idle
// timeout). A session found idle is deleted, so it cannot come back.
func (s *Store) SessionByCookie(ctx context.Context, cookie string, idle time.Duration) (cpaudit.Session, error) {
	const op = "storage.SessionByCookie"
	bad := cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
	tenantID, _, ok := strings.Cut(cookie, ".")
	if !ok || len(cookie) > 200 {
		return cpaudit.Session{}, bad
	}
	db, err := s.tenantDB(ctx, tenantID)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return cpaudit.Session{}, bad
	} else if err != nil {
		return cpaudit.Session{}, err
	}
	var sess cpaudit.Session
	var userID string
	var expires, lastSeen int64
	now := s.clock()
	hash := secretHash(cookie)
	err = db.QueryRowContext(ctx, `SELECT user_id, csrf_token, expires_at, last_seen_at FROM sessions WHERE secret_hash = ? AND expires_at > ?`,
		hash, micros(now)).Scan(&userID, &sess.CSRFToken, &expires, &lastSeen)
	if err != nil {
		if err = dbError(op, err, "no session", ""); cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return cpaudit.Session{}, bad
		}
		return cpaudit.Session{}, err
	}
	seen := fromMicros(lastSeen)
	if idle > 0 && !now.Before(seen.Add(idle)) {
		if _, err := db.ExecContext(ctx, `DELETE FROM sessions WHERE secret_hash = ?`, hash); err != nil {
			return cpaudit.Session{}, dbError(op, err, "", "")
		}
		return cpaudit.Session{}, bad
	}
	if now.Sub(seen) >= SessionTouchEvery {
		if _, err := db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ? AND last_seen_at < ?`,
			micros(now), hash, micros(now)); err != nil {
			return cpaudit.Session{}, dbError(op, err, "", "")
		}
	}
	sess.ExpiresAt = fromMicros(expires)
	sess.User, err = s.userByID(ctx, db, tenantID, userID)
	return sess, err
}

// DeleteSession logs a browser out. Unknown cookies are ignored.
func (s *Store) DeleteSession(ctx context.Context, a cpaudit.Actor, cookie string) error {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	return dbError("storage.DeleteSession", inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE secret_hash = ?`, secretHash(cookie)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "session.logout", "user", a.UserID, nil)
	}), "", "")
}
