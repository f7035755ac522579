package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/mattn/go-sqlite3"
)

//go:embed migrations
var migrationsFS embed.FS

// sqlDB is one SQLite database: its pool of connections, and a queue its
// writers (inTx, exec) join before they meet SQLite's own lock. SQLite has
// a writer that finds the database locked sleep between tries, from 1 ms
// up to 100 ms, however soon the lock comes free, and the background jobs
// and the uploads are writers of the same database. In alternating runs
// (A/B harness, 1 MiB uploads), the queue took p99 from 88-91 ms to 29-32
// ms with four clients uploading at once (4-17% more uploads per second,
// p50 up from 11.8 to 14.0-14.7 ms as every writer now waits its turn),
// and from 27 to 11 ms with one (p50 unchanged). Other processes, such as
// the command line, still meet the busy timeout. Writes must go through
// inTx or exec, not the pool's ExecContext.
type sqlDB struct {
	*sql.DB
	writer chan struct{} // holds a token while a writer runs
	logs   logQueue      // audit log entries waiting to be written on their own (auditlog.go)
}

// lockWrite waits for the writer's turn, or for ctx to end.
func (db *sqlDB) lockWrite(ctx context.Context) (unlock func(), err error) {
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// exec runs one write statement on its own, in turn with the other
// writers.
func (db *sqlDB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	unlock, err := db.lockWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return db.ExecContext(ctx, query, args...)
}

// openSQLite opens (creating if needed) the database at file. Per-connection
// settings live in the DSN so that every pooled connection gets them:
// foreign keys, a busy timeout (the command line and the server share
// files), WAL, synchronous=FULL (a commit is on disk before we acknowledge),
// and IMMEDIATE transactions (a writer takes the lock up front, so the
// read-then-write of the audit log chain cannot race).
func openSQLite(ctx context.Context, file string) (*sqlDB, error) {
	q := url.Values{}
	q.Set("_foreign_keys", "1")
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// A 64 MiB page cache per connection (SQLite's default is 2 MiB): the
	// duplicate analysis walks the fingerprint index at random, and a
	// cache that holds its upper levels and hot leaves avoids a read from
	// the file for almost every fingerprint. Pages are allocated as used.
	q.Set("_cache_size", "-65536")
	// Keep each connection's prepared statements (SQLite reuses them after
	// a reset): the same few dozen queries run on every request, and
	// parsing and planning them again cost more CPU than running them
	// (0.4 ms of an upload's 1 MiB, profiled).
	q.Set("_stmt_cache_size", "128")
	db, err := sql.Open("sqlite3", "file:"+file+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &sqlDB{DB: db, writer: make(chan struct{}, 1)}, nil
}

// migrate applies the numbered .sql files of migrations/<set> that db has
// not seen yet, each in its own transaction, recording each in
// schema_migrations. Two processes may race here: the IMMEDIATE transaction
// serialises them and the version is re-checked inside it.
func migrate(ctx context.Context, db *sqlDB, set string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	dir := path.Join("migrations", set)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return err
	}
	type migration struct {
		version int
		name    string
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return fmt.Errorf("migration %s: name must be NNN_description.sql", e.Name())
		}
		ms = append(ms, migration{v, e.Name()})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for _, m := range ms {
		body, err := fs.ReadFile(migrationsFS, path.Join(dir, m.name))
		if err != nil {
			return err
		}
		err = inTx(ctx, db, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// scanRows runs query q through db and calls row for each row
// it returns, stopping at the first error.
func scanRows(ctx context.Context, db querier, q string, args []any, row func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// inTx runs fn in a transaction, committing if it returns nil.
func inTx(ctx context.Context, db *sqlDB, fn func(tx *sql.Tx) error) error {
	unlock, err := db.lockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// dbError translates a driver error into a cpaudit error for op: no rows
// becomes notFound (a user-facing message), a UNIQUE violation becomes
// conflict, anything else is internal.
func dbError(op string, err error, notFound, conflict string) error {
	if err == nil {
		return nil
	}
	var ce *cpaudit.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) && notFound != "" {
		return &cpaudit.Error{Kind: cpaudit.KindNotFound, Op: op, Message: notFound, Err: err}
	}
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrConstraint && conflict != "" {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return &cpaudit.Error{Kind: cpaudit.KindConflict, Op: op, Message: conflict, Err: err}
		}
	}
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Code: cpaudit.CodeDatabaseBusy, Op: op, Message: "the database is busy, try again", Err: err}
	}
	return cpaudit.Internal(op, err)
}

// micros and fromMicros convert times to the stored form: UTC unix
// microseconds, which round-trips exactly (the audit log hashes times).
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullString stores "" as NULL (for optional foreign keys).
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullInt(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n != 0} }

// taken gives a UNIQUE violation that dbError made a conflict the code of
// the rule it broke (a batch's year and number, an e-mail...), which only
// the caller knows. Other errors pass unchanged.
func taken(err error, code cpaudit.Code) error {
	var ce *cpaudit.Error
	if errors.As(err, &ce) && ce.Kind == cpaudit.KindConflict && ce.Code == "" {
		coded := *ce
		coded.Code = code
		return &coded
	}
	return err
}
