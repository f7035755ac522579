//go:build benchseed

package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scripts/internal/baselinedb"
)

// The fair baseline: the dashboard's counts computed by SQL from the
// tables cpaudit's audit_progress summarises (organisations, audits,
// audit_steps, audit_milestones), as a competent engineer without that
// table would write them. It runs on its own copy of the tenant database
// (VACUUM INTO), so that its indexes cannot change the plans of cpaudit's
// queries, with the same connection settings as cpaudit's (64 MiB page
// cache) plus mmap, one prepared statement, region filters as ranges that
// an index serves, and every count made by GROUP BY in SQL: one pass over
// the visible audits, materialised once, grouped seven ways.

// baselineIndexes are the indexes the baseline adds to its copy: covering
// indexes for the region range and the audit join, a partial index that
// gives each audit's first step not accepted, one for its last change, and
// one for its milestones.
var baselineIndexes = []string{
	`CREATE INDEX base_org_region ON organisations(region, id, industry)`,
	`CREATE INDEX base_audit_enterprise ON audits(enterprise_id, id, batch_id, created_at)`,
	`CREATE INDEX base_steps_open ON audit_steps(audit_id, number) WHERE state <> 'accepted'`,
	`CREATE INDEX base_steps_changed ON audit_steps(audit_id, changed_at)`,
	`CREATE INDEX base_milestones ON audit_milestones(audit_id, obligation, result, recorded_at)`,
}

// baselineSQL computes, for the audits of enterprises in a region range
// [?, ?) with the stalled cutoff ?, every count the dashboard shows but
// the overdue ones (those need the deadline rules, which are Go code):
// rows (what, key, count).
func baselineSQL() string {
	phase := "CASE WHEN open IS NULL THEN 'done'"
	for n := 1; n <= cpaudit.StepCount; n++ {
		if n == cpaudit.StepCount || cpaudit.PhaseOfStep(n+1) != cpaudit.PhaseOfStep(n) {
			phase += fmt.Sprintf(" WHEN open <= %d THEN '%s'", n, cpaudit.PhaseOfStep(n))
		}
	}
	phase += " END"
	return `WITH a AS MATERIALIZED (
	SELECT batch, industry, region, ` + phase + ` AS phase,
		changed < ?3 AND NOT completed AS stalled
	FROM (SELECT coalesce(au.batch_id, '') AS batch,
		CASE WHEN e.industry = '' THEN 'none' WHEN length(e.industry) > 3 THEN substr(e.industry, 1, 3) ELSE e.industry END AS industry,
		e.region AS region,
		(SELECT min(s.number) FROM audit_steps s WHERE s.audit_id = au.id AND s.state <> 'accepted') AS open,
		max(au.created_at,
			coalesce((SELECT max(s.changed_at) FROM audit_steps s WHERE s.audit_id = au.id), 0),
			coalesce((SELECT max(m.recorded_at) FROM audit_milestones m WHERE m.audit_id = au.id), 0)) AS changed,
		EXISTS (SELECT 1 FROM audit_milestones m WHERE m.audit_id = au.id
			AND m.obligation = 'acceptance_done' AND m.result = 'pass') AS completed
	FROM organisations e JOIN audits au ON au.enterprise_id = e.id
	WHERE e.region >= ?1 AND e.region < ?2))
SELECT 'total', '', count(*) FROM a
UNION ALL SELECT 'phase', phase, count(*) FROM a GROUP BY phase
UNION ALL SELECT 'batch', batch, count(*) FROM a GROUP BY batch
UNION ALL SELECT 'batch_phase', batch || '/' || phase, count(*) FROM a GROUP BY batch, phase
UNION ALL SELECT 'industry', industry, count(*) FROM a GROUP BY industry
UNION ALL SELECT 'city', substr(region, 1, 4) || '00', count(*) FROM a WHERE substr(region, 3, 2) <> '00' GROUP BY 2
UNION ALL SELECT 'county', region, count(*) FROM a WHERE substr(region, 5, 2) <> '00' GROUP BY region
UNION ALL SELECT 'stalled', '', count(*) FROM a WHERE stalled`
}

// baseline is the baseline's database and its prepared statement.
type baseline struct {
	db   *sql.DB
	stmt *sql.Stmt
	dsn  string
}

// openBaseline copies the tenant database at src to dst, adds the
// baseline's indexes, analyses it and prepares the statement.
func openBaseline(ctx context.Context, src, dst string) (*baseline, error) {
	db, dsn, err := baselinedb.Open(ctx, src, dst, baselineIndexes)
	if err != nil {
		return nil, err
	}
	stmt, err := db.PrepareContext(ctx, baselineSQL())
	if err != nil {
		db.Close()
		return nil, err
	}
	return &baseline{db: db, stmt: stmt, dsn: dsn}, nil
}

func (b *baseline) Close() { b.stmt.Close(); b.db.Close() }

// config describes the baseline for the output.
func (b *baseline) config(ctx context.Context) string {
	var plan []string
	rows, err := b.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+baselineSQL(), "13", "14", int64(0))
	if err == nil {
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if rows.Scan(&id, &parent, &notused, &detail) == nil && strings.Contains(detail, "INDEX") {
				plan = append(plan, detail)
			}
		}
		rows.Close()
	}
	return "baseline: go-sqlite3 on a VACUUM INTO copy of the tenant database, one connection, cache_size=-65536 (64 MiB, as cpaudit),\n" +
		"mmap_size=256 MiB, ANALYZE run; one prepared statement (region as a range e.region >= ? AND e.region < ?, every count by\n" +
		"GROUP BY in SQL over the visible audits materialised once); indexes added:\n  " + strings.Join(baselineIndexes, ";\n  ") +
		"\nindexes its plan uses (province): " + strings.Join(dedupe(plan), "; ")
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// counts runs the baseline for a region prefix: what/key -> count.
func (b *baseline) counts(ctx context.Context, prefix string, cutoff time.Time) (map[string]int, error) {
	hi := []byte(prefix)
	hi[len(hi)-1]++
	rows, err := b.stmt.QueryContext(ctx, prefix, string(hi), cutoff.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var what, key string
		var n int
		if err := rows.Scan(&what, &key, &n); err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		if what == "batch" && key == "" {
			key = "none"
		}
		if what == "batch_phase" && strings.HasPrefix(key, "/") {
			key = "none" + key
		}
		out[what+":"+key] = n
	}
	return out, rows.Err()
}

// oursCounts are the same counts from cpaudit's dashboard.
func oursCounts(d cpaudit.Dashboard) map[string]int {
	out := map[string]int{"total:": d.Total, "stalled:": d.Stalled}
	add := func(what string, cs []cpaudit.Count) {
		for _, c := range cs {
			out[what+":"+c.Key] = c.Count
		}
	}
	add("phase", d.ByPhase)
	add("industry", d.ByIndustry)
	add("city", d.ByCity)
	add("county", d.ByCounty)
	for _, b := range d.ByBatch {
		out["batch:"+b.ID] = b.Total
		for ph, n := range b.ByPhase {
			out["batch_phase:"+b.ID+"/"+ph] = n
		}
	}
	for k, n := range out {
		if n == 0 {
			delete(out, k)
		}
	}
	return out
}

// diffCounts lists the keys on which a and b differ.
func diffCounts(a, b map[string]int) []string {
	var diff []string
	for k, n := range a {
		if b[k] != n {
			diff = append(diff, fmt.Sprintf("%s ours %d baseline %d", k, n, b[k]))
		}
	}
	for k, n := range b {
		if _, ok := a[k]; !ok {
			diff = append(diff, fmt.Sprintf("%s ours 0 baseline %d", k, n))
		}
	}
	sort.Strings(diff)
	return diff
}
