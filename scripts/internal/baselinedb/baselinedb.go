// Package baselinedb owns the baseline database of the benchmarks that
// compare cpaudit's queries with plain SQL (bench-dashboard,
// bench-results): a copy of a seeded tenant database, given the indexes a
// competent engineer would add, analysed, on one warm connection.
package baselinedb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "github.com/mattn/go-sqlite3" // the driver the copy is opened with
)

// Open copies the tenant database at src to dst (VACUUM INTO, so the
// copy is compact and cpaudit's own file is untouched), opens it with
// cpaudit's cache size, runs each statement of indexes, then mmap and
// ANALYZE. It returns the database and its DSN (for child processes).
func Open(ctx context.Context, src, dst string, indexes []string) (*sql.DB, string, error) {
	from, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, "", err
	}
	_, err = from.ExecContext(ctx, `VACUUM INTO ?`, dst)
	from.Close()
	if err != nil {
		return nil, "", fmt.Errorf("copying the tenant database: %w", err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_cache_size", "-65536") // cpaudit's own setting
	dsn := "file:" + dst + "?" + q.Encode()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, "", err
	}
	db.SetMaxOpenConns(1) // one connection: its page cache and mmap stay warm
	for _, s := range append(append([]string{}, indexes...), `PRAGMA mmap_size = 268435456`, `ANALYZE`) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, "", fmt.Errorf("%s: %w", s, err)
		}
	}
	return db, dsn, nil
}
