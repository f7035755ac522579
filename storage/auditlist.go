package storage

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Audit lists, the overdue list and the dashboard read audit_progress: one
// row per audit with its enterprise's name, region and industry copied in,
// so a province's audits are counted by scanning one table. They share one
// WHERE clause, so a dashboard number and the list it links to count the
// same audits by construction.

// progressVisible is auditVisible over audit_progress p (the enterprise's
// region is copied into p.region), written for each kind of actor so that
// SQLite can use an index: a regional office reads a range of regions, a
// consultancy or an enterprise its own audits.
func progressVisible(a cpaudit.Actor) (string, []any) {
	switch region := regionScope(a); {
	case seesAll(a):
		return `1`, nil
	case region != "":
		return regionRange(region)
	}
	org := a.OrgID
	if org == "" {
		org = "\x00" // matches no organisation
	}
	return `(p.enterprise_id = ? OR p.consultancy_id = ?)`, []any{org, org}
}

// regionRange is the condition that p.region starts with prefix, as the
// range [prefix, prefix+1): "13" gives ["13", "14"). A city or county
// reads it through the region index; a province-level prefix, which holds
// about every audit of its tenant, scans the table instead (the unary +
// hides the index), which measured ten times faster than 10,000 index
// lookups.
func regionRange(prefix string) (string, []any) {
	b := []byte(prefix)
	b[len(b)-1]++
	if len(prefix) <= 2 {
		return `+p.region >= ? AND +p.region < ?`, []any{prefix, string(b)}
	}
	return `p.region >= ? AND p.region < ?`, []any{prefix, string(b)}
}

var industryPrefix = regexp.MustCompile(`^[A-T]\d{0,4}$`)

// listWhere is the WHERE clause of a filtered list of the audits the actor
// may see (the visibility of documents: cpaudit's auditVisible).
func listWhere(a cpaudit.Actor, f cpaudit.AuditListFilter, now time.Time) (string, []any, error) {
	visible, args := progressVisible(a)
	where := ` WHERE ` + visible
	switch f.BatchID {
	case "":
	case "none":
		where += ` AND p.batch_id = ''`
	default:
		where += ` AND p.batch_id = ?`
		args = append(args, f.BatchID)
	}
	if f.Region != "" {
		prefix := cpaudit.RegionPrefix(f.Region)
		if prefix == "" {
			return "", nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeRegionInvalid, "region %q is not a 6-digit division code such as 130100", f.Region).With("value", f.Region)
		}
		cond, rargs := regionRange(prefix)
		where += ` AND ` + cond
		args = append(args, rargs...)
	}
	switch {
	case f.Industry == "":
	case f.Industry == "none":
		where += ` AND p.industry = ''`
	case industryPrefix.MatchString(f.Industry):
		where += ` AND substr(p.industry, 1, ?) = ?`
		args = append(args, len(f.Industry), f.Industry)
	default:
		return "", nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeIndustryInvalid, "industry %q is not a GB/T 4754 code or prefix such as C27", f.Industry).With("value", f.Industry)
	}
	switch f.ConsultancyID {
	case "":
	case "none":
		where += ` AND p.consultancy_id = ''`
	default:
		where += ` AND p.consultancy_id = ?`
		args = append(args, f.ConsultancyID)
	}
	if f.Phase != "" {
		if !slices.Contains(cpaudit.Phases, f.Phase) {
			return "", nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodePhaseInvalid, "phase %q: use P1..P7 or done", f.Phase)
		}
		where += ` AND p.phase = ?`
		args = append(args, f.Phase)
	}
	switch f.Overdue {
	case "":
	case "true":
		where += ` AND p.overdue_mask <> 0`
	case "false":
		where += ` AND p.overdue_mask = 0`
	default:
		bit := cpaudit.ObligationBit(f.Overdue)
		if bit == 0 {
			return "", nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeAuditFilterInvalid, "overdue %q: use true, false or an obligation name", f.Overdue).With("field", "overdue")
		}
		where += ` AND (p.overdue_mask & ?) <> 0`
		args = append(args, bit)
	}
	if f.StalledDays < 0 || f.StalledDays > 3650 {
		return "", nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeAuditFilterInvalid, "stalled must be a number of days between 1 and 3650").With("field", "stalled")
	}
	if f.StalledDays > 0 {
		where += ` AND p.changed_at < ? AND p.completed` + ` = 0`
		args = append(args, micros(stalledCutoff(now, f.StalledDays)))
	}
	return where, args, nil
}

// stalledCutoff: an audit is stalled when its last change is older.
func stalledCutoff(now time.Time, days int) time.Time {
	return now.Add(-time.Duration(days) * 24 * time.Hour)
}

func listLimits(f *cpaudit.AuditListFilter) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	f.Offset = max(0, f.Offset)
}

// Audits lists the audits the actor may see that match f, with the total
// of all pages. KindInvalid for a malformed filter.
func (s *Store) Audits(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, int, error) {
	const op = "storage.Audits"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	listLimits(&f)
	where, args, err := listWhere(a, f, s.clock())
	if err != nil {
		return nil, 0, err
	}
	if f.Sort == "due" {
		where += ` AND p.next_due <> ''` // only audits with an obligation still to meet
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_progress p`+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	list, err := auditRows(ctx, db, where, args, f)
	return list, total, dbError(op, err, "", "")
}

// auditRows reads one page of a list.
func auditRows(ctx context.Context, db *sqlDB, where string, args []any, f cpaudit.AuditListFilter) ([]cpaudit.AuditRow, error) {
	order := ` ORDER BY p.enterprise_name, p.audit_id`
	if f.Sort == "due" {
		order = ` ORDER BY p.next_due, p.enterprise_name, p.audit_id`
	}
	rows, err := db.QueryContext(ctx, `SELECT p.audit_id, p.enterprise_id, p.enterprise_name, p.region, p.industry, p.consultancy_id,
		coalesce(c.name, ''), p.batch_id, coalesce(b.name, ''), p.phase, p.accepted, p.changed_at,
		p.next_obligation, p.next_due, p.overdue_mask, p.completed
		FROM audit_progress p LEFT JOIN organisations c ON c.id = p.consultancy_id
		LEFT JOIN batches b ON b.id = p.batch_id`+where+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []cpaudit.AuditRow{}
	for rows.Next() {
		var r cpaudit.AuditRow
		var changed int64
		var mask int
		if err := rows.Scan(&r.ID, &r.EnterpriseID, &r.EnterpriseName, &r.Region, &r.Industry, &r.ConsultancyID,
			&r.ConsultancyName, &r.BatchID, &r.BatchName, &r.Phase, &r.Accepted, &changed, &r.Next, &r.NextDue, &mask, &r.Completed); err != nil {
			return nil, err
		}
		r.ChangedAt, r.Overdue = fromMicros(changed), maskNames(mask)
		list = append(list, r)
	}
	return list, rows.Err()
}

func maskNames(mask int) []string {
	names := []string{}
	for i, n := range cpaudit.ObligationNames {
		if mask&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return names
}

// Overdue lists the obligations the actor's visible audits matching f are
// overdue on, longest overdue first (then by audit id); f.Overdue naming an obligation keeps
// only that one. KindInvalid for a malformed filter.
func (s *Store) Overdue(ctx context.Context, a cpaudit.Actor, f cpaudit.AuditListFilter) ([]cpaudit.OverdueRow, int, error) {
	const op = "storage.Overdue"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, 0, err
	}
	listLimits(&f)
	obligation := ""
	if f.Overdue != "" && f.Overdue != "true" {
		obligation, f.Overdue = f.Overdue, ""
		if cpaudit.ObligationBit(obligation) == 0 {
			return nil, 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeAuditFilterInvalid, "overdue %q: use an obligation name", obligation).With("field", "overdue")
		}
	}
	where, args, err := listWhere(a, f, s.clock())
	if err != nil {
		return nil, 0, err
	}
	// The total counts the overdue bits of the audits (audit_overdue holds
	// one row per bit, written with it), reading audit_progress alone.
	bits := 1<<len(cpaudit.ObligationNames) - 1
	if obligation != "" {
		bits = cpaudit.ObligationBit(obligation)
	}
	pop := ""
	for i := range cpaudit.ObligationNames {
		if i > 0 {
			pop += " + "
		}
		pop += fmt.Sprintf("((p.overdue_mask & %d) >> %d)", bits&(1<<i), i)
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(sum(`+pop+`), 0) FROM audit_progress p`+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	from := ` FROM audit_overdue o JOIN audit_progress p ON p.audit_id = o.audit_id`
	if obligation != "" {
		where += ` AND o.obligation = ?`
		args = append(args, obligation)
	}
	rows, err := db.QueryContext(ctx, `SELECT p.audit_id, p.enterprise_id, p.enterprise_name, p.region, p.consultancy_id, o.obligation, o.due`+
		from+where+` ORDER BY o.due, o.audit_id, o.obligation LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, dbError(op, err, "", "")
	}
	defer rows.Close()
	today := s.today()
	list := []cpaudit.OverdueRow{}
	for rows.Next() {
		var r cpaudit.OverdueRow
		if err := rows.Scan(&r.AuditID, &r.EnterpriseID, &r.EnterpriseName, &r.Region, &r.ConsultancyID, &r.Obligation, &r.Due); err != nil {
			return nil, 0, dbError(op, err, "", "")
		}
		r.DaysOverdue = cpaudit.DaysBetween(r.Due, today)
		list = append(list, r)
	}
	return list, total, dbError(op, rows.Err(), "", "")
}

// Dashboard counts the audits the actor may see by phase, batch,
// industry division, city and county, overdue per obligation and stalled
// (no change for stalledDays), and lists the next obligations due. Each
// count is the total of Audits with the matching filter.
func (s *Store) Dashboard(ctx context.Context, a cpaudit.Actor, stalledDays int) (cpaudit.Dashboard, error) {
	const op = "storage.Dashboard"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Dashboard{}, err
	}
	if stalledDays <= 0 {
		stalledDays = 30
	}
	now := s.clock()
	where, args, err := listWhere(a, cpaudit.AuditListFilter{}, now)
	if err != nil {
		return cpaudit.Dashboard{}, err
	}
	d := cpaudit.Dashboard{StalledDays: stalledDays}
	cutoff := micros(stalledCutoff(now, stalledDays))
	rows, err := db.QueryContext(ctx, `SELECT p.batch_id, p.industry, p.region, p.phase, p.changed_at, p.overdue_mask, p.completed
		FROM audit_progress p`+where, args...)
	if err != nil {
		return d, dbError(op, err, "", "")
	}
	defer rows.Close()
	phases, industries, cities, counties, overdue := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[int]int{}
	batches := map[string]*cpaudit.BatchCount{}
	for rows.Next() {
		var batch, industry, region, phase string
		var changed int64
		var mask int
		var completed bool
		if err := rows.Scan(&batch, &industry, &region, &phase, &changed, &mask, &completed); err != nil {
			return d, dbError(op, err, "", "")
		}
		if batch == "" {
			batch = "none"
		}
		d.Total++
		phases[phase]++
		bc := batches[batch]
		if bc == nil {
			bc = &cpaudit.BatchCount{ID: batch, ByPhase: map[string]int{}}
			batches[batch] = bc
		}
		bc.Total++
		bc.ByPhase[phase]++
		industries[industryDivision(industry)]++
		if cpaudit.ValidateRegion(region) == nil {
			city := region[:4] + "00"
			if city != region[:2]+"0000" {
				cities[city]++
			}
			if region[4:] != "00" {
				counties[region]++
			}
		}
		if mask != 0 {
			d.OverdueAudits++
			for i := range cpaudit.ObligationNames {
				if mask&(1<<i) != 0 {
					overdue[i]++
				}
			}
		}
		if changed < cutoff && !completed {
			d.Stalled++
		}
	}
	if err := rows.Err(); err != nil {
		return d, dbError(op, err, "", "")
	}
	for _, ph := range cpaudit.Phases {
		d.ByPhase = append(d.ByPhase, cpaudit.Count{Key: ph, Count: phases[ph]})
	}
	for i, name := range cpaudit.ObligationNames {
		d.Overdue = append(d.Overdue, cpaudit.Count{Key: name, Count: overdue[i]})
	}
	d.ByIndustry, d.ByCity, d.ByCounty = sortedCounts(industries), sortedCounts(cities), sortedCounts(counties)
	names, err := batchNames(ctx, db)
	if err != nil {
		return d, dbError(op, err, "", "")
	}
	d.ByBatch = []cpaudit.BatchCount{} // [] for a caller who sees no audit, as the contract says
	for _, bc := range batches {
		bc.Name = names[bc.ID]
		d.ByBatch = append(d.ByBatch, *bc)
	}
	sort.Slice(d.ByBatch, func(i, j int) bool { // newest batch first, "none" last
		bi, bj := d.ByBatch[i], d.ByBatch[j]
		if (bi.ID == "none") != (bj.ID == "none") {
			return bj.ID == "none"
		}
		return bi.ID > bj.ID
	})
	// What is due next: the first page of the list sorted by due date,
	// without its total.
	if d.Upcoming, err = auditRows(ctx, db, where+` AND p.next_due <> ''`, args, cpaudit.AuditListFilter{Sort: "due", Limit: 10}); err != nil {
		return d, dbError(op, err, "", "")
	}
	return d, nil
}

// industryDivision is the chart key of an industry code: its GB/T 4754
// division (C27 for C2710), the code itself when shorter, "none" if empty.
func industryDivision(code string) string {
	switch {
	case code == "":
		return "none"
	case len(code) > 3:
		return code[:3]
	}
	return code
}

func sortedCounts(m map[string]int) []cpaudit.Count {
	out := make([]cpaudit.Count, 0, len(m))
	for k, n := range m {
		out = append(out, cpaudit.Count{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}

func batchNames(ctx context.Context, db *sqlDB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM batches`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	return names, rows.Err()
}
