package storage

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/cpaudit/cpaudit"
)

// The results (审核成效): the implemented and verified options of the
// audits an actor may read, summed by group or ranked by cost. Both read
// the audits through listWhere over audit_progress, so the audits counted
// here are those the audit list and the dashboard show the same actor,
// with the same region and industry filters.

// countedOptions is the condition on audit_options o of an option that
// counts (cpaudit.OptionStatus.Counted); the partial index
// audit_options_counted is written for it.
const countedOptions = ` AND o.status IN ('implemented', 'verified')`

// auditYear is an audit's year: its batch's, or the year (China time,
// UTC+8) it was started when it belongs to no batch.
const auditYear = `coalesce(b.year, CAST(strftime('%Y', au.created_at / 1000000, 'unixepoch', '+8 hours') AS INTEGER))`

// resultKeys are the SQL expressions of each grouping's key.
var resultKeys = map[cpaudit.ResultGroupBy]string{
	cpaudit.GroupByIndustry:    `p.industry`,
	cpaudit.GroupByRegion:      `p.region`,
	cpaudit.GroupByConsultancy: `p.consultancy_id`,
	cpaudit.GroupByBatch:       `p.batch_id`,
	cpaudit.GroupByYear:        `CAST(` + auditYear + ` AS TEXT)`,
}

// resultsFrom is the FROM and WHERE of the counted options of the audits
// the actor may read that match f.
func resultsFrom(a cpaudit.Actor, region, industry string, year int) (string, []any, error) {
	// now only matters to a stalled filter, which results have not.
	where, args, err := listWhere(a, cpaudit.AuditListFilter{Region: region, Industry: industry}, time.Time{})
	if err != nil {
		return "", nil, err
	}
	from := ` FROM audit_options o JOIN audit_progress p ON p.audit_id = o.audit_id
		JOIN audits au ON au.id = o.audit_id LEFT JOIN batches b ON b.id = au.batch_id` + where + countedOptions
	if year != 0 {
		from += ` AND ` + auditYear + ` = ?`
		args = append(args, year)
	}
	return from, args, nil
}

// Results sums the implemented and verified options of the audits the
// actor may read (an admin or expert: all of the tenant; a regulator
// office: its region and below; a consultancy or enterprise: its own
// audits), grouped by f.GroupBy, in the order of their keys. A key that
// is not recorded (an enterprise without industry or region, a
// self-audit, an audit of no batch) is "none". Groups without a counted
// option are left out.
//
// KindInvalid: an unknown grouping, or a region or industry that is not a
// division code or GB/T 4754 code or prefix.
func (s *Store) Results(ctx context.Context, a cpaudit.Actor, f cpaudit.ResultFilter) ([]cpaudit.ResultGroup, error) {
	const op = "storage.Results"
	key, ok := resultKeys[f.GroupBy]
	if !ok {
		_, err := cpaudit.ParseResultGroupBy(string(f.GroupBy))
		return nil, err
	}
	from, args, err := resultsFrom(a, f.Region, f.Industry, f.Year)
	if err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+key+`, o.audit_id, o.figures`+from+` ORDER BY 1, o.audit_id, o.code`, args...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	groups := []cpaudit.ResultGroup{}
	var g *cpaudit.ResultGroup
	lastAudit := ""
	for rows.Next() {
		var k, auditID, figs string
		if err := rows.Scan(&k, &auditID, &figs); err != nil {
			return nil, dbError(op, err, "", "")
		}
		if k == "" {
			k = "none"
		}
		if g == nil || g.Key != k {
			groups = append(groups, cpaudit.ResultGroup{Key: k, Figures: map[cpaudit.Quantity]float64{}})
			g, lastAudit = &groups[len(groups)-1], ""
		}
		if auditID != lastAudit {
			g.Audits++
			lastAudit = auditID
		}
		g.Options++
		var fig map[cpaudit.Quantity]float64
		if err := json.Unmarshal([]byte(figs), &fig); err != nil {
			return nil, dbError(op, err, "", "")
		}
		for q, v := range fig {
			g.Figures[q] += v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err, "", "")
	}
	// "none" sorts with the keys as a string would; the SQL order put
	// it first (as ''), so sort again.
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Key < groups[j].Key })
	return groups, nil
}

// MaxRanking bounds the options of one cost ranking.
const MaxRanking = 10000

// ResultRanking lists the implemented and verified options of the audits
// the actor may read (as Results) whose figure for f.Per is above 0,
// cheapest first: by investment per unit reduced, then by the larger
// reduction, then by audit and code. An option without an investment
// figure has no cost and is left out; one with an investment of 0 costs
// 0 a unit and comes first. At most f.Limit options (1..MaxRanking,
// default 1000).
//
// KindInvalid: f.Per is not a quantity other than investment, or the
// industry is not a GB/T 4754 code or prefix.
func (s *Store) ResultRanking(ctx context.Context, a cpaudit.Actor, f cpaudit.RankingFilter) ([]cpaudit.RankedOption, error) {
	const op = "storage.ResultRanking"
	per, err := cpaudit.ParseRankingPer(string(f.Per))
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxRanking {
		f.Limit = 1000
	}
	from, args, err := resultsFrom(a, "", f.Industry, 0)
	if err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	// Quantities are plain names (cpaudit.ParseQuantity), so the path is
	// safe; it is a parameter anyway.
	q := `SELECT audit_id, code, name, inv, red FROM (
		SELECT o.audit_id, o.code, o.name, json_extract(o.figures, '$.investment') AS inv, json_extract(o.figures, ?) AS red` +
		from + `) WHERE inv IS NOT NULL AND red > 0
		ORDER BY CAST(inv AS REAL) / red, red DESC, audit_id, code LIMIT ?`
	rows, err := db.QueryContext(ctx, q, append(append([]any{"$." + string(per)}, args...), f.Limit)...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.RankedOption{}
	for rows.Next() {
		var r cpaudit.RankedOption
		if err := rows.Scan(&r.AuditID, &r.Code, &r.Name, &r.Investment, &r.Reduction); err != nil {
			return nil, dbError(op, err, "", "")
		}
		r.CostPerUnit = r.Investment / r.Reduction
		out = append(out, r)
	}
	return out, dbError(op, rows.Err(), "", "")
}
