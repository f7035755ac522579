package storage

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// The per-audit sums of migration 049 (audit_result_sums) against the
// options themselves, after every kind of write of audit_options.

// sumsFromOptions is what audit_result_sums must hold: the fill of
// migration 049, computed afresh from audit_options.
const sumsFromOptions = `SELECT o.audit_id, '', 0, count(*) FROM audit_options o
	WHERE o.status IN ('implemented', 'verified') GROUP BY o.audit_id
	UNION ALL
	SELECT o.audit_id, j.key, total(j.value), count(*) FROM audit_options o, json_each(o.figures) j
	WHERE o.status IN ('implemented', 'verified') GROUP BY o.audit_id, j.key
	ORDER BY 1, 2`

func sumRows(t *testing.T, db *sqlDB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var audit, qty string
		var total float64
		var n int
		if err := rows.Scan(&audit, &qty, &total, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %q %g %d", audit, qty, total, n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSums fails unless audit_result_sums equals the sums of the options.
func checkSums(t *testing.T, f *fixture, after string) {
	t.Helper()
	db := f.db(t)
	got := sumRows(t, db, `SELECT audit_id, quantity, total, n FROM audit_result_sums ORDER BY 1, 2`)
	want := sumRows(t, db, sumsFromOptions)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after %s: sums\n%q\nwant\n%q", after, got, want)
	}
}

// TestResultSumsFollowOptions: an option added, replaced with other
// figures, moved into and out of the counted statuses, options imported
// as a table (new and replaced at once), a refused import (nothing
// written), and the migration's fill of a database that had options
// before it: each leaves the sums equal to the options', and the results
// read them.
func TestResultSumsFollowOptions(t *testing.T) {
	w := newResultsWorld(t)
	f := w.f
	s, ctx := f.s, context.Background()
	checkSums(t, f, "the world's options")
	save := func(au cpaudit.Audit, code string, st cpaudit.OptionStatus, figs q) {
		t.Helper()
		if _, _, err := s.SaveAuditOption(ctx, f.admin, au.ID, cpaudit.AuditOption{Code: code, Name: "方案" + code,
			Category: cpaudit.OptionLowCost, Status: st, Figures: figs}); err != nil {
			t.Fatal(err)
		}
	}
	hebei := func() cpaudit.ResultGroup {
		t.Helper()
		gs, err := s.Results(ctx, f.admin, cpaudit.ResultFilter{GroupBy: cpaudit.GroupByRegion, Level: cpaudit.LevelProvince})
		if err != nil || len(gs) != 1 {
			t.Fatalf("results: %+v %v", gs, err)
		}
		return gs[0]
	}

	save(w.a4, "F2", cpaudit.OptionImplemented, q{"investment": 20000, "water": 300})
	checkSums(t, f, "an option added to an audit without counted options")
	if g := hebei(); g.Audits != 4 || g.Options != 6 || g.Figures["water"] != 300 {
		t.Errorf("after an addition: %+v", g)
	}
	save(w.a4, "F2", cpaudit.OptionImplemented, q{"investment": 25000, "electricity": 1000})
	checkSums(t, f, "an option's figures replaced")
	if g := hebei(); g.Figures["water"] != 0 || g.Counts["water"] != 0 || g.Figures["electricity"] != 1000 || g.Figures["investment"] != 475000 {
		t.Errorf("after a replacement: %+v", g)
	}
	save(w.a1, "F3", cpaudit.OptionVerified, q{"investment": 999, "cod": 999})
	checkSums(t, f, "a proposed option verified")
	save(w.a1, "F1", cpaudit.OptionScreened, q{"investment": 100000, "cod": 2, "co2": 10})
	checkSums(t, f, "an implemented option screened")
	save(w.a4, "F2", cpaudit.OptionFeasible, q{"investment": 25000, "electricity": 1000})
	checkSums(t, f, "an audit's only counted option made feasible")
	if g := hebei(); g.Audits != 3 || g.Options != 5 || g.Counts["co2"] != 0 || g.Figures["cod"] != 4+999-2 {
		t.Errorf("after status changes: %+v", g)
	}

	// An import: one option replaced, two new, in one transaction.
	if _, _, err := s.SaveAuditOptions(ctx, f.admin, w.a2.ID, []cpaudit.AuditOption{
		{Code: "F1", Name: "余热回收", Category: cpaudit.OptionHighCost, Status: cpaudit.OptionVerified, Figures: q{"investment": 310000, "cod": 1.75}},
		{Code: "F3", Name: "变频改造", Category: cpaudit.OptionLowCost, Status: cpaudit.OptionImplemented, Figures: q{"electricity": 5000.5}},
		{Code: "F4", Name: "清污分流", Category: cpaudit.OptionLowCost, Status: cpaudit.OptionProposed, Figures: q{"water": 10}},
	}); err != nil {
		t.Fatal(err)
	}
	checkSums(t, f, "an import")
	// A refused import writes nothing, sums included.
	before := sumRows(t, f.db(t), `SELECT audit_id, quantity, total, n FROM audit_result_sums ORDER BY 1, 2`)
	_, _, err := s.SaveAuditOptions(ctx, f.admin, w.a2.ID, []cpaudit.AuditOption{
		{Code: "F1", Name: "余热回收", Category: cpaudit.OptionHighCost, Status: cpaudit.OptionProposed, Figures: q{"investment": 1}},
		{Code: "F5", Name: "坏状态", Category: cpaudit.OptionLowCost, Status: "已实施", Figures: q{"water": 1}},
	})
	if err == nil {
		t.Fatal("an import with an unknown status was saved")
	}
	if after := sumRows(t, f.db(t), `SELECT audit_id, quantity, total, n FROM audit_result_sums ORDER BY 1, 2`); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused import changed the sums:\n%q\n%q", before, after)
	}
	checkSums(t, f, "a refused import")

	// A database whose options were written before migration 049: its
	// fill gives the same sums.
	f.remigrate(t, `DROP TABLE audit_result_sums`, `DELETE FROM schema_migrations WHERE version = 49`)
	checkSums(t, f, "the migration's fill")
	if g := hebei(); g.Audits != 3 || g.Figures["electricity"] != 5000.5 || g.Figures["cod"] != 2.5-2+999+1.75 {
		t.Errorf("after the fill: %+v", g)
	}
}
