//go:build benchseed

package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scripts/internal/baselinedb"
)

// The fair baseline: the same answers as a plain GROUP BY (and a plain
// ORDER BY ... LIMIT) over the base tables — organisations, audits,
// audit_options — as a competent engineer without cpaudit's
// audit_progress table would write them: the region and industry as
// ranges an index serves, the counted options through the partial index
// audit_options_counted (in the copied schema), every sum and count made
// in SQL (json_each over the figures, the same JSON functions ours uses),
// one prepared statement each. It runs on its own copy of the tenant
// database (VACUUM INTO), so its indexes cannot change cpaudit's plans,
// with cpaudit's 64 MiB page cache, 256 MiB of mmap, ANALYZE, and one
// connection so its cache stays warm.

// baselineIndexes are what the baseline adds to its copy: covering
// indexes for the region range, the industry range and the audit join.
var baselineIndexes = []string{
	`CREATE INDEX base_org_region ON organisations(region, id)`,
	`CREATE INDEX base_org_industry ON organisations(industry, region, id)`,
	`CREATE INDEX base_audit_enterprise ON audits(enterprise_id, id)`,
}

// totalsSQL: per province of the enterprises in [?1, ?2), audits, options
// (quantity ”) and per quantity the sum and the options stating it.
const totalsSQL = `WITH c AS MATERIALIZED (
	SELECT substr(e.region, 1, 2) || '0000' AS k, o.audit_id AS audit_id, o.figures AS figures
	FROM organisations e JOIN audits au ON au.enterprise_id = e.id JOIN audit_options o ON o.audit_id = au.id
	WHERE e.region >= ?1 AND e.region < ?2 AND o.status IN ('implemented', 'verified'))
SELECT k, '', count(DISTINCT audit_id), count(*) FROM c GROUP BY k
UNION ALL
SELECT c.k, j.key, total(j.value), count(*) FROM c, json_each(c.figures) j GROUP BY c.k, j.key`

// rankingSQL: the counted options of enterprises in region [?1, ?2) and
// industry [?3, ?4) reducing ?5 (a JSON path), cheapest per unit first.
const rankingSQL = `SELECT audit_id, code, name, inv, red FROM (
	SELECT o.audit_id, o.code, o.name, json_extract(o.figures, '$.investment') AS inv, json_extract(o.figures, ?5) AS red
	FROM organisations e JOIN audits au ON au.enterprise_id = e.id JOIN audit_options o ON o.audit_id = au.id
	WHERE e.region >= ?1 AND e.region < ?2 AND e.industry >= ?3 AND e.industry < ?4 AND o.status IN ('implemented', 'verified'))
WHERE inv IS NOT NULL AND red > 0
ORDER BY CAST(inv AS REAL) / red, red DESC, audit_id, code LIMIT ?6`

type baseline struct {
	db          *sql.DB
	totalsStmt  *sql.Stmt
	rankingStmt *sql.Stmt
	dsn         string
}

func openBaseline(ctx context.Context, src, dst string) (*baseline, error) {
	db, dsn, err := baselinedb.Open(ctx, src, dst, baselineIndexes)
	if err != nil {
		return nil, err
	}
	b := &baseline{db: db, dsn: dsn}
	if b.totalsStmt, err = db.PrepareContext(ctx, totalsSQL); err != nil {
		db.Close()
		return nil, err
	}
	if b.rankingStmt, err = db.PrepareContext(ctx, rankingSQL); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

func (b *baseline) Close() { b.totalsStmt.Close(); b.rankingStmt.Close(); b.db.Close() }

// prefixRange is the [from, to) of codes starting with a prefix.
func prefixRange(prefix string) (string, string) { return prefix, prefix + "~" }

func (b *baseline) totals(ctx context.Context, region string) ([]cpaudit.ResultGroup, error) {
	lo, hi := prefixRange(cpaudit.RegionPrefix(region))
	rows, err := b.totalsStmt.QueryContext(ctx, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := map[string]*cpaudit.ResultGroup{}
	for rows.Next() {
		var k, qty string
		var sum float64
		var n int
		if err := rows.Scan(&k, &qty, &sum, &n); err != nil {
			return nil, err
		}
		g := byKey[k]
		if g == nil {
			g = &cpaudit.ResultGroup{Key: k, Figures: map[cpaudit.Quantity]float64{}, Counts: map[cpaudit.Quantity]int{}}
			byKey[k] = g
		}
		if qty == "" {
			g.Audits, g.Options = int(sum), n
			continue
		}
		g.Figures[cpaudit.Quantity(qty)], g.Counts[cpaudit.Quantity(qty)] = sum, n
	}
	var out []cpaudit.ResultGroup
	for _, g := range byKey {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, rows.Err()
}

func (b *baseline) ranking(ctx context.Context, region, industry, per string, limit int) ([]cpaudit.RankedOption, error) {
	lo, hi := prefixRange(cpaudit.RegionPrefix(region))
	ilo, ihi := prefixRange(industry)
	rows, err := b.rankingStmt.QueryContext(ctx, lo, hi, ilo, ihi, "$."+per, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cpaudit.RankedOption
	for rows.Next() {
		var r cpaudit.RankedOption
		if err := rows.Scan(&r.AuditID, &r.Code, &r.Name, &r.Investment, &r.Reduction); err != nil {
			return nil, err
		}
		r.CostPerUnit = r.Investment / r.Reduction
		out = append(out, r)
	}
	return out, rows.Err()
}

// config describes the baseline for the output: its settings, indexes
// and the indexes its plans use.
func (b *baseline) config(ctx context.Context, c config) string {
	var plan []string
	for _, q := range []struct {
		sql  string
		args []any
	}{{totalsSQL, []any{"13", "13~"}}, {rankingSQL, []any{"13", "13~", c.industry, c.industry + "~", "$." + c.per, 1000}}} {
		rows, err := b.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			continue
		}
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if rows.Scan(&id, &parent, &notused, &detail) == nil && strings.Contains(detail, "INDEX") {
				plan = append(plan, detail)
			}
		}
		rows.Close()
	}
	return "baseline: a copy of the tenant database (VACUUM INTO) opened with go-sqlite3, " + b.dsn[strings.Index(b.dsn, "?")+1:] +
		", mmap 256 MiB, ANALYZE, one connection, prepared statements; its indexes: " + strings.Join(baselineIndexes, "; ") +
		" (plus the copied schema's own, audit_options_counted among them); its plans use: " + strings.Join(plan, "; ")
}

// diffGroups says how two answers differ ("" for none), sums compared to
// a relative 1e-9 (SQL adds in its own order).
func diffGroups(a, b []cpaudit.ResultGroup) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d groups against %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Key != y.Key || x.Audits != y.Audits || x.Options != y.Options || len(x.Figures) != len(y.Figures) {
			return fmt.Sprintf("%+v against %+v", x, y)
		}
		for q, v := range x.Figures {
			if w, ok := y.Figures[q]; !ok || math.Abs(v-w) > 1e-9*math.Max(1, math.Abs(v)) || x.Counts[q] != y.Counts[q] {
				return fmt.Sprintf("%s %s: %v (%d) against %v (%d)", x.Key, q, v, x.Counts[q], w, y.Counts[q])
			}
		}
	}
	return ""
}

func diffRanking(a, b []cpaudit.RankedOption) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d options against %d", len(a), len(b))
	}
	for i := range a {
		if a[i].AuditID != b[i].AuditID || a[i].Code != b[i].Code {
			return fmt.Sprintf("#%d: %s %s against %s %s", i, a[i].AuditID, a[i].Code, b[i].AuditID, b[i].Code)
		}
	}
	return ""
}
