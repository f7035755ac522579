package storage

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// resultsWorld is four audits of one tenant with options of every status:
//
//	a1 保定 C1713 130600, 绿源 (cons), no batch, started 2025:
//	   F1 implemented {investment 100000, cod 2, co2 10}
//	   F2 verified    {investment 50000, cod 0.5, vocs 1.25}
//	   F3 proposed, F4 feasible (not counted)
//	a2 石家庄长安区 C2614 130102, 蓝天 (cons2), batch of 2027, started 2026:
//	   F1 implemented {investment 300000, cod 1.5}; F2 screened (not counted)
//	a3 唐山 C2710 130200, self-audit, batch of 2027, started 2026:
//	   F1 verified {investment 0, vocs 0.25}; F2 implemented {vocs 4} (no investment)
//	a4 石家庄 C2614 130100, 绿源, no batch, started 2026: only a proposed option
type resultsWorld struct {
	f              *fixture
	a1, a2, a3, a4 cpaudit.Audit
	batch          cpaudit.Batch
}

func newResultsWorld(t *testing.T) *resultsWorld {
	t.Helper()
	s, clock := newClockedStore(t, "2025-01-01 07:00") // 2025 in China, 2024 in UTC
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	w := &resultsWorld{f: f, a1: f.audit}
	clock.set("2026-03-01 09:00")
	ent := func(name, credit, industry, region string) cpaudit.Organisation {
		o, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: name,
			CreditCode: code(credit), Industry: industry, Region: region})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	var err error
	if w.batch, err = s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2027, Number: 1, Name: "2027年第一批"}); err != nil {
		t.Fatal(err)
	}
	start := func(e cpaudit.Organisation, cons, batch string) cpaudit.Audit {
		au, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: e.ID, ConsultancyID: cons, BatchID: batch})
		if err != nil {
			t.Fatal(err)
		}
		return au
	}
	w.a2 = start(ent("石家庄长安化工有限公司", "91130102MA0AAAAA1", "C2614", "130102"), f.cons2.ID, w.batch.ID)
	w.a3 = start(ent("唐山钢铁有限公司", "91130200MA0BBBBB2", "C2710", "130200"), "", w.batch.ID)
	w.a4 = start(ent("石家庄制药有限公司", "91130100MA0CCCCC3", "C2614", "130100"), f.cons.ID, "")
	opt := func(au cpaudit.Audit, code string, st cpaudit.OptionStatus, figs map[cpaudit.Quantity]float64) {
		if _, _, err := s.SaveAuditOption(ctx, f.admin, au.ID, cpaudit.AuditOption{Code: code, Name: "方案" + code,
			Category: cpaudit.OptionHighCost, Status: st, Figures: figs}); err != nil {
			t.Fatal(err)
		}
	}
	opt(w.a1, "F1", cpaudit.OptionImplemented, q{"investment": 100000, "cod": 2, "co2": 10})
	opt(w.a1, "F2", cpaudit.OptionVerified, q{"investment": 50000, "cod": 0.5, "vocs": 1.25})
	opt(w.a1, "F3", cpaudit.OptionProposed, q{"investment": 999, "cod": 999})
	opt(w.a1, "F4", cpaudit.OptionFeasible, q{"cod": 7})
	opt(w.a2, "F1", cpaudit.OptionImplemented, q{"investment": 300000, "cod": 1.5})
	opt(w.a2, "F2", cpaudit.OptionScreened, q{"cod": 100})
	opt(w.a3, "F1", cpaudit.OptionVerified, q{"investment": 0, "vocs": 0.25})
	opt(w.a3, "F2", cpaudit.OptionImplemented, q{"vocs": 4})
	opt(w.a4, "F1", cpaudit.OptionProposed, q{"investment": 1, "cod": 3})
	return w
}

type q = map[cpaudit.Quantity]float64
type n = map[cpaudit.Quantity]int

// TestResultsGroups sums the counted options exactly, for each grouping
// and filter.
func TestResultsGroups(t *testing.T) {
	w := newResultsWorld(t)
	f := w.f
	g := func(key string, audits, options int, figs q, counts n) cpaudit.ResultGroup {
		return cpaudit.ResultGroup{Key: key, Audits: audits, Options: options, Figures: figs, Counts: counts}
	}
	a1 := func(key string) cpaudit.ResultGroup {
		return g(key, 1, 2, q{"investment": 150000, "cod": 2.5, "co2": 10, "vocs": 1.25}, n{"investment": 2, "cod": 2, "co2": 1, "vocs": 1})
	}
	a2 := func(key string) cpaudit.ResultGroup {
		return g(key, 1, 1, q{"investment": 300000, "cod": 1.5}, n{"investment": 1, "cod": 1})
	}
	a3 := func(key string) cpaudit.ResultGroup {
		return g(key, 1, 2, q{"investment": 0, "vocs": 4.25}, n{"investment": 1, "vocs": 2})
	}
	batch := g(w.batch.ID, 2, 3, q{"investment": 300000, "cod": 1.5, "vocs": 4.25}, n{"investment": 2, "cod": 1, "vocs": 2})
	// Hebei as a whole: a1 + a2 + a3, by hand.
	hebei := g("130000", 3, 5, q{"investment": 450000, "cod": 4, "co2": 10, "vocs": 5.5}, n{"investment": 4, "cod": 3, "co2": 1, "vocs": 3})
	year2027 := batch // the batch's year, not the year its audits were started
	year2027.Key = "2027"
	cases := []struct {
		name string
		rf   cpaudit.ResultFilter
		want []cpaudit.ResultGroup
	}{
		{"industry", cpaudit.ResultFilter{GroupBy: "industry"}, []cpaudit.ResultGroup{a1("C1713"), a2("C2614"), a3("C2710")}},
		{"region", cpaudit.ResultFilter{GroupBy: "region"}, []cpaudit.ResultGroup{a2("130102"), a3("130200"), a1("130600")}},
		{"region, province level", cpaudit.ResultFilter{GroupBy: "region", Level: cpaudit.LevelProvince}, []cpaudit.ResultGroup{hebei}},
		{"region, city level", cpaudit.ResultFilter{GroupBy: "region", Level: cpaudit.LevelCity}, []cpaudit.ResultGroup{a2("130100"), a3("130200"), a1("130600")}},
		{"region, county level", cpaudit.ResultFilter{GroupBy: "region", Level: cpaudit.LevelCounty}, []cpaudit.ResultGroup{a2("130102"), a3("130200"), a1("130600")}},
		{"region, city level within Shijiazhuang", cpaudit.ResultFilter{GroupBy: "region", Level: cpaudit.LevelCity, Region: "130100"}, []cpaudit.ResultGroup{a2("130100")}},
		{"consultancy", cpaudit.ResultFilter{GroupBy: "consultancy"}, sortGroups(a1(f.cons.ID), a2(f.cons2.ID), a3("none"))},
		{"batch", cpaudit.ResultFilter{GroupBy: "batch"}, sortGroups(batch, a1("none"))},
		{"year", cpaudit.ResultFilter{GroupBy: "year"}, []cpaudit.ResultGroup{a1("2025"), year2027}},
		{"region 130100 and below", cpaudit.ResultFilter{GroupBy: "industry", Region: "130100"}, []cpaudit.ResultGroup{a2("C2614")}},
		{"province", cpaudit.ResultFilter{GroupBy: "year", Region: "130000"}, []cpaudit.ResultGroup{a1("2025"), year2027}},
		{"industry prefix C2", cpaudit.ResultFilter{GroupBy: "batch", Industry: "C2"}, []cpaudit.ResultGroup{batch}},
		{"industry C26", cpaudit.ResultFilter{GroupBy: "region", Industry: "C26"}, []cpaudit.ResultGroup{a2("130102")}},
		{"industry class", cpaudit.ResultFilter{GroupBy: "region", Industry: "C2710"}, []cpaudit.ResultGroup{a3("130200")}},
		{"year 2025", cpaudit.ResultFilter{GroupBy: "industry", Year: 2025}, []cpaudit.ResultGroup{a1("C1713")}},
		{"year 2024", cpaudit.ResultFilter{GroupBy: "industry", Year: 2024}, []cpaudit.ResultGroup{}},
		{"year 2026: the batch's audits were started then, but count in 2027", cpaudit.ResultFilter{GroupBy: "industry", Year: 2026}, []cpaudit.ResultGroup{}},
		{"all filters", cpaudit.ResultFilter{GroupBy: "consultancy", Region: "130000", Industry: "C27", Year: 2027}, []cpaudit.ResultGroup{a3("none")}},
	}
	for _, c := range cases {
		got, err := f.s.Results(context.Background(), f.admin, c.rf)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// sortGroups orders groups whose keys are ids by key, as Results does.
func sortGroups(gs ...cpaudit.ResultGroup) []cpaudit.ResultGroup {
	slices.SortFunc(gs, func(a, b cpaudit.ResultGroup) int { return strings.Compare(a.Key, b.Key) })
	return gs
}

// TestResultsVisibility: each role counts only the audits it may read.
func TestResultsVisibility(t *testing.T) {
	w := newResultsWorld(t)
	f := w.f
	regulator := func(region string) cpaudit.Actor {
		a := f.regulator
		a.Region = region
		return a
	}
	cases := []struct {
		name string
		a    cpaudit.Actor
		want []string // the industries counted
	}{
		{"admin", f.admin, []string{"C1713", "C2614", "C2710"}},
		{"expert", f.expert, []string{"C1713", "C2614", "C2710"}},
		{"regulator of the whole tenant", f.regulator, []string{"C1713", "C2614", "C2710"}},
		{"province office", regulator("130000"), []string{"C1713", "C2614", "C2710"}},
		{"Shijiazhuang office", regulator("130100"), []string{"C2614"}},
		{"Tangshan office", regulator("130200"), []string{"C2710"}},
		{"Handan office", regulator("130400"), []string{}},
		{"consultancy 绿源", f.consultant, []string{"C1713"}},
		{"consultancy 蓝天", f.other, []string{"C2614"}},
		{"enterprise", f.enterprise, []string{"C1713"}},
		{"publisher", f.publisher, []string{}},
		{"enterprise user of no organisation", f.unbound, []string{}},
	}
	for _, c := range cases {
		got, err := f.s.Results(context.Background(), c.a, cpaudit.ResultFilter{GroupBy: cpaudit.GroupByIndustry})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		keys := []string{}
		for _, g := range got {
			keys = append(keys, g.Key)
		}
		if !reflect.DeepEqual(keys, c.want) {
			t.Errorf("%s: groups %v, want %v", c.name, keys, c.want)
		}
		ranked, err := f.s.ResultRanking(context.Background(), c.a, cpaudit.RankingFilter{Per: cpaudit.QtyCOD})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ranked {
			if r.AuditID == w.a2.ID && !slices.Contains(c.want, "C2614") || r.AuditID == w.a1.ID && !slices.Contains(c.want, "C1713") {
				t.Errorf("%s: ranking shows %s", c.name, r.AuditID)
			}
		}
	}
}

// TestResultRanking: implemented and verified options with a reduction,
// cheapest per unit first; an option without investment is left out, one
// with an investment of 0 comes first.
func TestResultRanking(t *testing.T) {
	w := newResultsWorld(t)
	f := w.f
	r := func(au cpaudit.Audit, code string, inv, red float64) cpaudit.RankedOption {
		return cpaudit.RankedOption{AuditID: au.ID, Code: code, Name: "方案" + code, Investment: inv, Reduction: red, CostPerUnit: inv / red}
	}
	cases := []struct {
		name string
		a    cpaudit.Actor
		rf   cpaudit.RankingFilter
		want []cpaudit.RankedOption
	}{
		{"cod", f.admin, cpaudit.RankingFilter{Per: "cod"}, []cpaudit.RankedOption{
			r(w.a1, "F1", 100000, 2), r(w.a1, "F2", 50000, 0.5), r(w.a2, "F1", 300000, 1.5)}},
		{"vocs", f.admin, cpaudit.RankingFilter{Per: "vocs"}, []cpaudit.RankedOption{
			r(w.a3, "F1", 0, 0.25), r(w.a1, "F2", 50000, 1.25)}},
		{"co2", f.admin, cpaudit.RankingFilter{Per: "co2"}, []cpaudit.RankedOption{r(w.a1, "F1", 100000, 10)}},
		{"so2: none", f.admin, cpaudit.RankingFilter{Per: "so2"}, []cpaudit.RankedOption{}},
		{"cod in C26", f.admin, cpaudit.RankingFilter{Per: "cod", Industry: "C26"}, []cpaudit.RankedOption{r(w.a2, "F1", 300000, 1.5)}},
		{"cod in C2614", f.admin, cpaudit.RankingFilter{Per: "cod", Industry: "C2614"}, []cpaudit.RankedOption{r(w.a2, "F1", 300000, 1.5)}},
		{"cod in C", f.admin, cpaudit.RankingFilter{Per: "cod", Industry: "C"}, []cpaudit.RankedOption{
			r(w.a1, "F1", 100000, 2), r(w.a1, "F2", 50000, 0.5), r(w.a2, "F1", 300000, 1.5)}},
		{"limit", f.admin, cpaudit.RankingFilter{Per: "cod", Limit: 1}, []cpaudit.RankedOption{r(w.a1, "F1", 100000, 2)}},
		{"cod for 蓝天", f.other, cpaudit.RankingFilter{Per: "cod"}, []cpaudit.RankedOption{r(w.a2, "F1", 300000, 1.5)}},
	}
	for _, c := range cases {
		got, err := f.s.ResultRanking(context.Background(), c.a, c.rf)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// TestResultsRefusals: malformed groupings and filters are refused with
// their codes.
func TestResultsRefusals(t *testing.T) {
	w := newResultsWorld(t)
	f := w.f
	ctx := context.Background()
	for _, rf := range []cpaudit.ResultFilter{{}, {GroupBy: "enterprise"}, {GroupBy: "industry", Region: "13"},
		{GroupBy: "industry", Industry: "化工"}, {GroupBy: "industry", Industry: "C27100"}} {
		_, err := f.s.Results(ctx, f.admin, rf)
		mustKind(t, err, cpaudit.KindInvalid)
	}
	_, err := f.s.Results(ctx, f.admin, cpaudit.ResultFilter{GroupBy: "region", Region: "abc"})
	if cpaudit.ErrorCode(err) != cpaudit.CodeRegionInvalid {
		t.Errorf("region abc: %v", err)
	}
	_, err = f.s.Results(ctx, f.admin, cpaudit.ResultFilter{GroupBy: "nope"})
	if cpaudit.ErrorCode(err) != cpaudit.CodeResultsGroupByInvalid {
		t.Errorf("group_by nope: %v", err)
	}
	for _, per := range []cpaudit.Quantity{"", "investment", "co₂", "COD"} {
		_, err := f.s.ResultRanking(ctx, f.admin, cpaudit.RankingFilter{Per: per})
		mustKind(t, err, cpaudit.KindInvalid)
		if cpaudit.ErrorCode(err) != cpaudit.CodeRankingPerInvalid {
			t.Errorf("per %q: %v", per, err)
		}
	}
	_, err = f.s.ResultRanking(ctx, f.admin, cpaudit.RankingFilter{Per: "cod", Industry: "27"})
	mustKind(t, err, cpaudit.KindInvalid)
}

// TestOptionStatus: a status is stored and read back, proposed when left
// out (also when an option is replaced), refused when unknown; options
// entered before statuses existed are proposed.
func TestOptionStatus(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	save := func(st cpaudit.OptionStatus) (cpaudit.AuditOption, error) {
		o, _, err := s.SaveAuditOption(ctx, f.consultant, f.audit.ID, cpaudit.AuditOption{Code: "F1", Name: "冷凝水回用",
			Category: cpaudit.OptionLowCost, Status: st, Figures: q{"water": 1200}})
		return o, err
	}
	status := func() cpaudit.OptionStatus {
		opts, err := s.AuditOptions(ctx, f.regulator, f.audit.ID)
		if err != nil || len(opts) != 1 {
			t.Fatalf("options: %v %v", opts, err)
		}
		return opts[0].Status
	}
	if o, err := save(""); err != nil || o.Status != cpaudit.OptionProposed || status() != cpaudit.OptionProposed {
		t.Fatalf("default: %+v %v", o, err)
	}
	for _, st := range cpaudit.OptionStatuses {
		if o, err := save(st); err != nil || o.Status != st || status() != st {
			t.Fatalf("%s: %+v %v, read %s", st, o, err, status())
		}
	}
	if _, err := save(""); err != nil || status() != cpaudit.OptionProposed {
		t.Fatalf("replaced without a status: %s %v", status(), err)
	}
	for _, bad := range []cpaudit.OptionStatus{"done", "Implemented", "已实施"} {
		_, err := save(bad)
		mustKind(t, err, cpaudit.KindUnprocessable)
		if cpaudit.ErrorCode(err) != cpaudit.CodeOptionStatusUnknown {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if status() != cpaudit.OptionProposed {
		t.Fatal("a refused status changed the option")
	}
	// The option's log entry says its status.
	if _, err := save(cpaudit.OptionVerified); err != nil {
		t.Fatal(err)
	}
	var detail string
	if err := f.db(t).QueryRow(`SELECT detail FROM audit_log WHERE action = 'option.update' ORDER BY seq DESC LIMIT 1`).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, `"status":"verified"`) {
		t.Errorf("log detail %s", detail)
	}
	// Before the migration there was no status: such rows are proposed.
	f.remigrate(t, `DROP INDEX audit_options_counted`, `ALTER TABLE audit_options DROP COLUMN status`,
		`DELETE FROM schema_migrations WHERE version = 25`)
	if status() != cpaudit.OptionProposed {
		t.Errorf("an option of before the migration is %s", status())
	}
}

// TestResultOptions lists the counted options behind a figure: by group
// key (regions at a level, "none"), by the quantity they state, never an
// option that is not implemented or verified.
func TestResultOptions(t *testing.T) {
	w := newResultsWorld(t)
	f := w.f
	list := func(rf cpaudit.ResultOptionFilter) ([]string, error) {
		var got []string
		err := f.s.ResultOptions(context.Background(), f.admin, rf, func(o cpaudit.ResultOption) error {
			if !o.Status.Counted() {
				t.Errorf("%s %s is %s", o.AuditID, o.Code, o.Status)
			}
			got = append(got, o.EnterpriseName+" "+o.Code)
			return nil
		})
		return got, err
	}
	rf := func(g cpaudit.ResultGroupBy, level cpaudit.RegionLevel, key string, qty cpaudit.Quantity) cpaudit.ResultOptionFilter {
		return cpaudit.ResultOptionFilter{ResultFilter: cpaudit.ResultFilter{GroupBy: g, Level: level}, Key: key, Quantity: qty}
	}
	a1 := f.ent.Name // 保定 sorts before 唐山 and 石家庄 (the list is by name)
	for _, c := range []struct {
		name string
		rf   cpaudit.ResultOptionFilter
		want []string
	}{
		{"every counted option", rf("", "", "", ""), []string{a1 + " F1", a1 + " F2", "唐山钢铁有限公司 F1", "唐山钢铁有限公司 F2", "石家庄长安化工有限公司 F1"}},
		{"stating investment", rf("", "", "", "investment"), []string{a1 + " F1", a1 + " F2", "唐山钢铁有限公司 F1", "石家庄长安化工有限公司 F1"}},
		{"Shijiazhuang at city level, cod", rf("region", cpaudit.LevelCity, "130100", "cod"), []string{"石家庄长安化工有限公司 F1"}},
		{"Hebei at province level, vocs", rf("region", cpaudit.LevelProvince, "130000", "vocs"), []string{a1 + " F2", "唐山钢铁有限公司 F1", "唐山钢铁有限公司 F2"}},
		{"self-audits", rf("consultancy", "", "none", ""), []string{"唐山钢铁有限公司 F1", "唐山钢铁有限公司 F2"}},
		{"year 2025", rf("year", "", "2025", ""), []string{a1 + " F1", a1 + " F2"}},
		{"a group with nothing", rf("industry", "", "C3110", ""), nil},
	} {
		got, err := list(c.rf)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
		}
	}
	for _, c := range []struct {
		rf   cpaudit.ResultOptionFilter
		code cpaudit.Code
	}{
		{rf("", "", "130000", ""), cpaudit.CodeResultsKeyInvalid},
		{rf("region", "town", "130000", ""), cpaudit.CodeResultsLevelInvalid},
		{rf("", "", "", "gold"), cpaudit.CodeQuantityUnknown},
	} {
		if _, err := list(c.rf); cpaudit.ErrorCode(err) != c.code {
			t.Errorf("%+v: %v, want %s", c.rf, err, c.code)
		}
	}
}
