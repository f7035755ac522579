package storage

import (
	"context"
	"database/sql"
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
	from, args, err := auditsFrom(`audit_options o`, `o.audit_id`, a, region, industry, year, true)
	return from + countedOptions, args, err
}

// auditsFrom is the FROM and WHERE of the rows of table (its audit in
// column auditID) of the audits the actor may read that match f, joined
// to audit_progress p, and to audits au and batches b (for auditYear) when
// withYear or a year is asked: a lookup per row saved otherwise.
func auditsFrom(table, auditID string, a cpaudit.Actor, region, industry string, year int, withYear bool) (string, []any, error) {
	// now only matters to a stalled filter, which results have not.
	where, args, err := listWhere(a, cpaudit.AuditListFilter{Region: region, Industry: industry}, time.Time{})
	if err != nil {
		return "", nil, err
	}
	from := ` FROM ` + table + ` JOIN audit_progress p ON p.audit_id = ` + auditID
	if withYear || year != 0 {
		from += ` JOIN audits au ON au.id = ` + auditID + ` LEFT JOIN batches b ON b.id = au.batch_id`
	}
	from += where
	if industry != "" && industry != "none" {
		// listWhere's substr(p.industry, ...) = ? is exact but no index
		// serves it; the same prefix as a range lets audit_progress_industry
		// (migration 043) pick the industry's audits. Codes are letters
		// and digits, all below '~'.
		from += ` AND p.industry >= ? AND p.industry < ?`
		args = append(args, industry, industry+"~")
	}
	if year != 0 {
		from += ` AND ` + auditYear + ` = ?`
		args = append(args, year)
	}
	return from, args, nil
}

// resultKey is the SQL expression of f's grouping key, a region cut to
// f.Level (cpaudit.RegionLevel.At) when the grouping is by region.
func resultKey(f cpaudit.ResultFilter) (string, error) {
	raw, err := rawResultKey(f)
	if err != nil {
		return "", err
	}
	return levelKey(f, raw), nil
}

// rawResultKey is the SQL expression of f's grouping before a region is
// cut to a level: the column as recorded.
func rawResultKey(f cpaudit.ResultFilter) (string, error) {
	key, ok := resultKeys[f.GroupBy]
	if !ok {
		_, err := cpaudit.ParseResultGroupBy(string(f.GroupBy))
		return "", err
	}
	if _, err := cpaudit.ParseRegionLevel(string(f.Level)); err != nil {
		return "", err
	}
	return key, nil
}

// levelKey is the key of raw (rawResultKey, or a column holding it) cut
// to f.Level when the grouping is by region; raw itself otherwise.
func levelKey(f cpaudit.ResultFilter, raw string) string {
	if f.GroupBy != cpaudit.GroupByRegion {
		return raw
	}
	switch f.Level {
	case cpaudit.LevelProvince:
		return `CASE WHEN length(` + raw + `) = 6 THEN substr(` + raw + `, 1, 2) || '0000' ELSE ` + raw + ` END`
	case cpaudit.LevelCity:
		return `CASE WHEN length(` + raw + `) = 6 THEN substr(` + raw + `, 1, 4) || '00' ELSE ` + raw + ` END`
	}
	return raw
}

// Results sums the implemented and verified options of the audits the
// actor may read (an admin or expert: all of the tenant; a regulator
// office: its region and below; a consultancy or enterprise: its own
// audits), grouped by f.GroupBy (regions at f.Level), in the order of
// their keys. A key that is not recorded (an enterprise without industry
// or region, a self-audit, an audit of no batch) is "none". Groups
// without a counted option are left out. Each figure comes with the
// number of options that state it.
//
// The sums are made in SQL from audit_result_sums (migration 049), the
// per-audit sums of the counted options that triggers keep with every
// write of audit_options: a province sums at most one row per audit and
// quantity, and no option's figures JSON is parsed on a request.
//
// KindInvalid: an unknown grouping or level, or a region or industry that
// is not a division code or GB/T 4754 code or prefix.
func (s *Store) Results(ctx context.Context, a cpaudit.Actor, f cpaudit.ResultFilter) ([]cpaudit.ResultGroup, error) {
	const op = "storage.Results"
	raw, err := rawResultKey(f)
	if err != nil {
		return nil, err
	}
	from, args, err := auditsFrom(`audit_result_sums s`, `s.audit_id`, a, f.Region, f.Industry, f.Year, f.GroupBy == cpaudit.GroupByYear)
	if err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	// A row per group with its audits and options (quantity ''), then a
	// row per group and quantity with its sum and how many options state
	// it: the sums of the audits' sums. Grouped twice: first by the key
	// as recorded (a province's 100,000 audit rows into a few thousand),
	// then by the key cut to the level, which SQLite would otherwise
	// compute for every audit row while sorting them (3x the time).
	q := `SELECT ` + levelKey(f, `r.k`) + `, r.q, CASE WHEN r.q = '' THEN sum(r.a) ELSE total(r.t) END, sum(r.n) FROM (
			SELECT ` + raw + ` AS k, s.quantity AS q, count(*) AS a, total(s.total) AS t, sum(s.n) AS n` + from + `
			GROUP BY 1, 2) r
		GROUP BY 1, 2 ORDER BY 1, 2`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	groups := []cpaudit.ResultGroup{}
	for rows.Next() {
		var k, qty string
		var sum float64
		var n int
		if err := rows.Scan(&k, &qty, &sum, &n); err != nil {
			return nil, dbError(op, err, "", "")
		}
		if k == "" {
			k = "none"
		}
		if qty == "" {
			groups = append(groups, cpaudit.ResultGroup{Key: k, Audits: int(sum), Options: n,
				Figures: map[cpaudit.Quantity]float64{}, Counts: map[cpaudit.Quantity]int{}})
			continue
		}
		g := &groups[len(groups)-1]
		g.Figures[cpaudit.Quantity(qty)] = sum
		g.Counts[cpaudit.Quantity(qty)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err, "", "")
	}
	// "none" sorts with the keys as a string would; the SQL order put
	// it first (as ''), so sort again.
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Key < groups[j].Key })
	return groups, nil
}

// ResultOptions hands each counted option behind a figure of the results
// to each, in the order of audit and code: the options of the audits f
// selects (as Results), in group f.Key of f.GroupBy when a key is given
// ("none" is the group of what is not recorded), stating f.Quantity when
// one is given; at most f.Limit when above 0. Rows are read one at a time,
// so an export of every option does not hold them all; an error from
// each stops the read and is returned.
//
// KindInvalid: as Results; a key without a grouping
// (results_key_invalid); an unknown quantity.
func (s *Store) ResultOptions(ctx context.Context, a cpaudit.Actor, f cpaudit.ResultOptionFilter, each func(cpaudit.ResultOption) error) error {
	const op = "storage.ResultOptions"
	from, args, err := resultsFrom(a, f.Region, f.Industry, f.Year)
	if err != nil {
		return err
	}
	if f.Key != "" {
		if f.GroupBy == "" {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeResultsKeyInvalid, "key %q needs group_by", f.Key).With("value", f.Key)
		}
		key, err := resultKey(f.ResultFilter)
		if err != nil {
			return err
		}
		k := f.Key
		if k == "none" {
			k = ""
		}
		from += ` AND (` + key + `) = ?`
		args = append(args, k)
	}
	if f.Quantity != "" {
		if _, err := cpaudit.ParseQuantity(string(f.Quantity)); err != nil {
			return err
		}
		from += ` AND json_type(o.figures, ?) IS NOT NULL`
		args = append(args, "$."+string(f.Quantity))
	}
	q := `SELECT o.audit_id, p.enterprise_name, p.region, p.industry, p.consultancy_id, p.batch_id, ` + auditYear + `,
		o.code, o.name, o.status, o.figures` + from + ` ORDER BY p.enterprise_name, o.audit_id, o.code`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return dbError(op, err, "", "")
	}
	defer rows.Close()
	for rows.Next() {
		var o cpaudit.ResultOption
		var figs []byte
		if err := rows.Scan(&o.AuditID, &o.EnterpriseName, &o.Region, &o.Industry, &o.ConsultancyID, &o.BatchID, &o.Year,
			&o.Code, &o.Name, &o.Status, &figs); err != nil {
			return dbError(op, err, "", "")
		}
		if err := json.Unmarshal(figs, &o.Figures); err != nil {
			return dbError(op, err, "", "")
		}
		if err := each(o); err != nil {
			return err
		}
	}
	return dbError(op, rows.Err(), "", "")
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
	// No year: the ranking joins neither audits nor batches.
	from, args, err := auditsFrom(`audit_options o`, `o.audit_id`, a, "", f.Industry, 0, false)
	if err != nil {
		return nil, err
	}
	from += countedOptions
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

// refreshResultSums recomputes, in tx, the rows of audit_result_sums
// (migration 049) of one audit from its counted options. Every writer of
// audit_options calls it in the transaction of the write, so the results
// read sums that are always those of the options.
func refreshResultSums(ctx context.Context, tx *sql.Tx, auditID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_result_sums WHERE audit_id = ?`, auditID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_result_sums (audit_id, quantity, total, n)
		SELECT o.audit_id, '', 0, count(*) FROM audit_options o
		WHERE o.audit_id = ?`+countedOptions+` GROUP BY o.audit_id
		UNION ALL
		SELECT o.audit_id, j.key, total(j.value), count(*) FROM audit_options o, json_each(o.figures) j
		WHERE o.audit_id = ?`+countedOptions+` GROUP BY o.audit_id, j.key`, auditID, auditID)
	return err
}
