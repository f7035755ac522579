package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Notifications (cpaudit.Notification): written in the transaction of the
// finding's change they announce, and by the daily sweep for orders due
// soon or overdue; read and marked read by their user; carried by the
// daily digest. The unique index on (user, finding, event, key) makes every
// write idempotent: INSERT OR IGNORE.

// notifyTo says who hears of an event: the audit's consultancy and
// enterprise users, the finding's recorder, or both.
type notifyTo struct{ parties, recorder bool }

// notify writes one notification per recipient of an event on a finding,
// except the actor itself (who knows what it did). key separates events
// of one kind that may repeat (a second return); "" for once-only ones.
func notify(ctx context.Context, tx *sql.Tx, actorID, findingID string, event cpaudit.NotificationEvent, key string, to notifyTo, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO notifications (id, user_id, event, finding_id, audit_id, key, created_at)
		SELECT 't' || lower(hex(randomblob(12))), u.id, ?, f.id, f.audit_id, ?, ?
		FROM findings f JOIN audits au ON au.id = f.audit_id JOIN users u ON
			(? AND ((u.role = 'consultant' AND u.org_id = au.consultancy_id) OR (u.role = 'enterprise' AND u.org_id = au.enterprise_id)))
			OR (? AND u.email = f.created_by)
		WHERE f.id = ? AND u.id <> ?`,
		string(event), key, micros(now), to.parties, to.recorder, findingID, actorID)
	return err
}

// SweepNotifications announces, once each, the open orders of a tenant due
// within cpaudit.NotifyDueDays (to the parties) and those overdue (to the
// parties and the recorder), as of today in China. Run daily; a rerun adds
// nothing. Returns how many notifications it wrote.
func (s *Store) SweepNotifications(ctx context.Context, tenantID string) (int, error) {
	const op = "storage.SweepNotifications"
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	now := s.clock()
	today := s.today()
	soon := now.In(s.loc).AddDate(0, 0, cpaudit.NotifyDueDays).Format(time.DateOnly)
	written := 0
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		for _, sweep := range []struct {
			event cpaudit.NotificationEvent
			where string
			args  []any
			to    notifyTo
		}{
			{cpaudit.NotifyDueSoon, `rectification_due >= ? AND rectification_due <= ?`, []any{today, soon}, notifyTo{parties: true}},
			{cpaudit.NotifyOverdue, `rectification_due < ?`, []any{today}, notifyTo{parties: true, recorder: true}},
		} {
			ids, err := queryStrings(ctx, tx, `SELECT id FROM findings WHERE state = 'open' AND rectification_due <> '' AND `+sweep.where, sweep.args...)
			if err != nil {
				return err
			}
			for _, id := range ids {
				before := 0
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE finding_id = ? AND event = ?`, id, string(sweep.event)).Scan(&before); err != nil {
					return err
				}
				if err := notify(ctx, tx, "", id, sweep.event, "", sweep.to, now); err != nil {
					return err
				}
				after := 0
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE finding_id = ? AND event = ?`, id, string(sweep.event)).Scan(&after); err != nil {
					return err
				}
				written += after - before
			}
		}
		return nil
	})
	return written, dbError(op, err, "", "")
}

// SweepAllNotifications runs SweepNotifications for every tenant; a
// failing tenant does not stop the others (the first error is returned).
func (s *Store) SweepAllNotifications(ctx context.Context) (int, error) {
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var first error
	for _, t := range tenants {
		if t.Library {
			continue
		}
		n, err := s.SweepNotifications(ctx, t.ID)
		total += n
		if err != nil {
			if first == nil {
				first = err
			}
			s.log.Error("notification sweep failed", "tenant", t.Slug, "err", err)
		}
	}
	return total, first
}

const notificationColumns = `n.id, n.event, n.finding_id, n.audit_id, coalesce(o.name, ''), f.category, f.rectification_due,
	n.created_at, n.read_at IS NOT NULL`

const notificationFrom = ` FROM notifications n JOIN findings f ON f.id = n.finding_id JOIN audits au ON au.id = n.audit_id
	LEFT JOIN organisations o ON o.id = au.enterprise_id`

func scanNotification(rows rowScanner) (cpaudit.Notification, error) {
	var n cpaudit.Notification
	var event, category string
	var at int64
	err := rows.Scan(&n.ID, &event, &n.FindingID, &n.AuditID, &n.EnterpriseName, &category, &n.RectificationDue, &at, &n.Read)
	n.Event, n.Category, n.CreatedAt = cpaudit.NotificationEvent(event), cpaudit.FindingCategory(category), fromMicros(at)
	return n, err
}

// Notifications lists the actor's own notifications, newest first, with
// how many there are and how many are unread.
func (s *Store) Notifications(ctx context.Context, a cpaudit.Actor, limit, offset int) (list []cpaudit.Notification, total, unread int, err error) {
	const op = "storage.Notifications"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(read_at IS NULL), 0) FROM notifications WHERE user_id = ?`, a.UserID).
		Scan(&total, &unread); err != nil {
		return nil, 0, 0, dbError(op, err, "", "")
	}
	list = []cpaudit.Notification{}
	err = scanRows(ctx, db, `SELECT `+notificationColumns+notificationFrom+` WHERE n.user_id = ?
		ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?`, []any{a.UserID, limit, max(offset, 0)}, func(rows *sql.Rows) error {
		n, err := scanNotification(rows)
		list = append(list, n)
		return err
	})
	if err != nil {
		return nil, 0, 0, dbError(op, err, "", "")
	}
	return list, total, unread, nil
}

// UnreadNotifications counts the actor's unread notifications (the
// navigation shows it on every page).
func (s *Store) UnreadNotifications(ctx context.Context, a cpaudit.Actor) (int, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, a.UserID).Scan(&n)
	return n, dbError("storage.UnreadNotifications", err, "", "")
}

// MarkNotificationsRead marks the actor's notifications read: those named,
// or every one when none is. Another user's ids are ignored, so nothing
// tells whether they exist.
func (s *Store) MarkNotificationsRead(ctx context.Context, a cpaudit.Actor, ids []string) error {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{micros(s.clock()), a.UserID}
	if len(ids) > 0 {
		in, idArgs := idsIn(ids)
		q += ` AND id IN ` + in
		args = append(args, idArgs...)
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
	return dbError("storage.MarkNotificationsRead", err, "", "")
}

// Digests answers, for every tenant, each user's notifications not yet
// e-mailed, oldest first (the daily digest's content).
func (s *Store) Digests(ctx context.Context) ([]cpaudit.Digest, error) {
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []cpaudit.Digest
	for _, t := range tenants {
		if t.Library {
			continue
		}
		db, err := s.tenantDB(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		byUser := map[string]int{}
		err = scanRows(ctx, db, `SELECT u.id, u.email, `+notificationColumns+notificationFrom+` JOIN users u ON u.id = n.user_id
			WHERE n.emailed_at IS NULL ORDER BY u.email, n.created_at, n.id`, nil, func(rows *sql.Rows) error {
			var uid, email string
			n, err := scanNotification(extraFirst{rows, []any{&uid, &email}})
			if err != nil {
				return err
			}
			i, ok := byUser[uid]
			if !ok {
				i = len(out)
				byUser[uid] = i
				out = append(out, cpaudit.Digest{TenantID: t.ID, TenantName: t.Name, UserID: uid, Email: email})
			}
			out[i].Items = append(out[i].Items, n)
			return nil
		})
		if err != nil {
			return nil, dbError("storage.Digests", err, "", "")
		}
	}
	return out, nil
}

// MarkDigestSent records that a digest's notifications were e-mailed, so
// the next digest does not repeat them.
func (s *Store) MarkDigestSent(ctx context.Context, d cpaudit.Digest) error {
	db, err := s.tenantDB(ctx, d.TenantID)
	if err != nil {
		return err
	}
	ids := make([]string, len(d.Items))
	for i, n := range d.Items {
		ids[i] = n.ID
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := idsIn(ids)
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET emailed_at = ? WHERE user_id = ? AND id IN `+in,
			append([]any{micros(s.clock()), d.UserID}, args...)...)
		return err
	})
	return dbError("storage.MarkDigestSent", err, "", "")
}

// extraFirst scans leading extra columns, then a row scanner's own.
type extraFirst struct {
	rows  *sql.Rows
	extra []any
}

func (s extraFirst) Scan(dest ...any) error { return s.rows.Scan(append(s.extra, dest...)...) }
