package storage

import (
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// screeningRows are three enterprises of a source: one over the COD
// standard, one flagged 高耗能, one selected by nothing; the second is
// f.ent (registered already, in Baoding).
func screeningRows(f *fixture) []cpaudit.SourceRow {
	return []cpaudit.SourceRow{
		{Row: 2, CreditCode: code("91130100MA0A00001"), Name: "石家庄焦化有限公司", Region: "130104", Industry: "C2520",
			Flags: []cpaudit.ListingReason{}, Emissions: map[string]float64{"cod": 12.5, "so2": 3}},
		{Row: 3, CreditCode: f.ent.CreditCode, Name: f.ent.Name, Region: "130602", Industry: "C1713",
			Flags: []cpaudit.ListingReason{cpaudit.ReasonEnergyIntensive}, EnergyTce: 9000, Emissions: map[string]float64{}},
		{Row: 4, CreditCode: code("91130900MA0A00006"), Name: "沧州机械有限公司", Region: "130902", Industry: "C3411",
			Flags: []cpaudit.ListingReason{}, EnergyTce: 300, Emissions: map[string]float64{}},
	}
}

func TestScreeningSourceAndBatch(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := t.Context()
	src, rejected, err := s.ImportScreeningSource(ctx, f.admin, "2026年污染源普查", screeningRows(f), nil)
	if err != nil || len(rejected) > 0 || src.Rows != 3 {
		t.Fatalf("import: %+v %v %v", src, rejected, err)
	}
	rows, err := s.SourceRows(ctx, f.admin, src.ID)
	if err != nil || len(rows) != 3 || rows[0].Emissions["cod"] != 12.5 || !slices.Equal(rows[1].Flags, []cpaudit.ListingReason{cpaudit.ReasonEnergyIntensive}) {
		t.Fatalf("rows back: %+v %v", rows, err)
	}
	rules := cpaudit.ScreeningRules{Emissions: map[string]float64{"cod": 10}, Flags: []cpaudit.ListingReason{cpaudit.ReasonEnergyIntensive}}
	cands, err := s.ScreenSource(ctx, f.admin, src.ID, rules)
	if err != nil || len(cands) != 2 || cands[0].Reasons[0].Detail != "cod 12.5 t > 10 t" || cands[1].Reasons[0].Detail != "高耗能" {
		t.Fatalf("candidates: %+v %v", cands, err)
	}

	// Nobody but who imported it (and admins) reads the source.
	for _, who := range []cpaudit.Actor{f.regulator, f.consultant, f.enterprise, f.expert, f.publisher} {
		_, err := s.ScreenSource(ctx, who, src.ID, rules)
		mustCode(t, err, cpaudit.KindNotFound, cpaudit.CodeNoSuchScreeningSource)
	}
	_, _, err = s.ImportScreeningSource(ctx, f.consultant, "咨询导入", screeningRows(f), nil)
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeScreeningNotAllowed)

	in := cpaudit.ScreeningBatch{Batch: cpaudit.Batch{Year: 2026, Number: 3, Name: "2026年第三批（筛选）"}, Rules: rules}
	_, err = s.BatchFromScreening(ctx, f.admin, src.ID, in)
	mustCode(t, err, cpaudit.KindUnprocessable, cpaudit.CodeScreeningNoChoice)
	in.CreditCodes = []string{rows[0].CreditCode, rows[2].CreditCode}
	_, err = s.BatchFromScreening(ctx, f.admin, src.ID, in)
	mustCode(t, err, cpaudit.KindUnprocessable, cpaudit.CodeScreeningNotCandidate)
	if bs, _ := s.Batches(ctx, f.admin); len(bs) != 0 {
		t.Fatalf("a refused screening made a batch: %+v", bs)
	}

	in.CreditCodes = []string{rows[0].CreditCode, rows[1].CreditCode}
	res, err := s.BatchFromScreening(ctx, f.admin, src.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Batch.Reasons, []cpaudit.ListingReason{cpaudit.ReasonDoubleExceed, cpaudit.ReasonEnergyIntensive}) {
		t.Errorf("batch reasons %v", res.Batch.Reasons)
	}
	if len(res.Listings) != 2 || res.Listings[1].EnterpriseID != f.ent.ID || res.Listings[0].EnterpriseID == "" {
		t.Fatalf("listings %+v", res.Listings)
	}
	newEnt, err := s.Organisation(ctx, f.admin, res.Listings[0].EnterpriseID)
	if err != nil || newEnt.Name != "石家庄焦化有限公司" || newEnt.Region != "130104" || newEnt.Industry != "C2520" {
		t.Fatalf("registered enterprise %+v %v", newEnt, err)
	}
	for _, l := range res.Listings {
		au, err := s.Audit(ctx, f.admin, l.AuditID)
		if err != nil || au.BatchID != res.Batch.ID || au.EnterpriseID != l.EnterpriseID {
			t.Errorf("audit of %s: %+v %v", l.Name, au, err)
		}
	}
	listed, err := s.BatchListings(ctx, f.admin, res.Batch.ID)
	// By name: 保定印染 (f.ent) before 石家庄焦化.
	if err != nil || len(listed) != 2 || listed[0].EnterpriseID != f.ent.ID || listed[0].Reasons[0].Rule != cpaudit.RuleFlag ||
		listed[1].Reasons[0].Rule != cpaudit.RuleEmission || listed[1].AuditID != res.Listings[0].AuditID {
		t.Fatalf("listings stored: %+v %v", listed, err)
	}
	baoding := f.regulator
	baoding.Region = "130600"
	if listed, err := s.BatchListings(ctx, baoding, res.Batch.ID); err != nil || len(listed) != 1 || listed[0].EnterpriseID != f.ent.ID {
		t.Fatalf("a regional office's listings: %+v %v", listed, err)
	}
	_, err = s.BatchListings(ctx, f.consultant, res.Batch.ID)
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeScreeningNotAllowed)
	// The same year and number again is taken; nothing more is written.
	_, err = s.BatchFromScreening(ctx, f.admin, src.ID, in)
	mustCode(t, err, cpaudit.KindConflict, cpaudit.CodeBatchTaken)
}

// TestScreeningSourceRegionalOffice: a regional office imports only rows
// of its region, all or none, and chooses only candidates of its region.
func TestScreeningSourceRegionalOffice(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := t.Context()
	baoding := f.regulator
	baoding.Region = "130600"
	_, rejected, err := s.ImportScreeningSource(ctx, baoding, "保定源数据", screeningRows(f), nil)
	if err != nil || len(rejected) != 2 || rejected[0].Row != 2 || rejected[1].Row != 4 || rejected[0].Code != cpaudit.CodeOrgRegionOutside {
		t.Fatalf("rejected %+v %v", rejected, err)
	}
	var n int
	if err := f.db(t).QueryRow(`SELECT count(*) FROM screening_rows`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows written (%v): a rejected source writes nothing", n, err)
	}
	src, rejected, err := s.ImportScreeningSource(ctx, baoding, "保定源数据", screeningRows(f)[1:2], nil)
	if err != nil || len(rejected) > 0 {
		t.Fatal(rejected, err)
	}
	res, err := s.BatchFromScreening(ctx, baoding, src.ID, cpaudit.ScreeningBatch{Batch: cpaudit.Batch{Year: 2026, Number: 4, Name: "保定批次"},
		Rules: cpaudit.ScreeningRules{EnergyTce: 5000}, CreditCodes: []string{f.ent.CreditCode}})
	if err != nil || len(res.Listings) != 1 || res.Listings[0].Reasons[0].Listing != cpaudit.ReasonEnergyIntensive {
		t.Fatalf("%+v %v", res, err)
	}
}
