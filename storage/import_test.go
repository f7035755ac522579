package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestImportEnterprises(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	b, err := s.CreateBatch(ctx, f.admin, cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批"})
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"企业名称", "统一社会信用代码", "行业代码", "行政区划代码", "地址", "排污许可证编号", "生产状态"}
	good1, good2 := code("91130100MA0CAAA01"), code("91130100MA0CAAA02")
	bad := good1[:17] + "0"
	if bad == good1 {
		bad = good1[:17] + "1"
	}
	rows := [][]string{
		{"石家庄焦化有限公司", good1, "C2520", "130104", "石家庄市", "", "正常生产"},     // row 2: new
		{"保定印染股份公司", f.ent.CreditCode, "C1713", "130600", "", "", "停产"}, // row 3: updates f.ent
		{"", good2, "C2520", "130104"},                // row 4: no name
		{"甲", bad, "C2520", "130104"},                 // row 5: checksum
		{"乙", good2, "化工", "130104"},                  // row 6: industry
		{"丙", good2, "C2520", "13010"},                // row 7: region
		{"丁", good2, "C2520", "130104", "", "", "关闭"}, // row 8: status
		{"戊", good1, "C2520", "130104"},               // row 9: repeats row 2
		{},                                            // row 10: blank, skipped
		{"己", good2, "C2520", "130104"},               // row 11: new
	}
	valid, rejected, err := cpaudit.ParseEnterpriseRows(header, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row    int
		column string
	}{{4, "企业名称"}, {5, "统一社会信用代码"}, {6, "行业代码"}, {7, "行政区划代码"}, {8, "生产状态"}, {9, "统一社会信用代码"}}
	if len(rejected) != len(want) || len(valid) != 3 {
		t.Fatalf("valid %d, rejected %+v", len(valid), rejected)
	}
	for i, w := range want {
		if rejected[i].Row != w.row || rejected[i].Column != w.column || rejected[i].Reason == "" {
			t.Errorf("rejection %d: %+v, want row %d column %s", i, rejected[i], w.row, w.column)
		}
	}
	_, _, err = cpaudit.ParseEnterpriseRows([]string{"企业名称", "地址"}, rows)
	mustKind(t, err, cpaudit.KindInvalid)

	im := cpaudit.EnterpriseImport{Rows: valid, Rejected: rejected, BatchID: b.ID, ConsultancyID: f.cons.ID}
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		mod  func(*cpaudit.EnterpriseImport)
		want cpaudit.Kind
	}{
		{"consultant", f.consultant, nil, cpaudit.KindConflict},
		{"enterprise", f.enterprise, nil, cpaudit.KindConflict},
		{"expert", f.expert, nil, cpaudit.KindConflict},
		{"unknown batch", f.admin, func(im *cpaudit.EnterpriseImport) { im.BatchID = "nope" }, cpaudit.KindNotFound},
		{"not a consultancy", f.admin, func(im *cpaudit.EnterpriseImport) { im.ConsultancyID = f.ent.ID }, cpaudit.KindUnprocessable},
		{"consultancy without batch", f.admin, func(im *cpaudit.EnterpriseImport) { im.BatchID = "" }, cpaudit.KindInvalid},
	} {
		im2 := im
		if tc.mod != nil {
			tc.mod(&im2)
		}
		if _, err := s.ImportEnterprises(ctx, tc.a, im2); cpaudit.ErrorKind(err) != tc.want || err == nil {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}

	// A failure half-way leaves nothing behind.
	db := f.db(t)
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER fail_import BEFORE INSERT ON organisations WHEN NEW.name = '己'
		BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	_, err = s.ImportEnterprises(ctx, f.regulator, im)
	mustKind(t, err, cpaudit.KindInternal)
	if list, _, _ := s.ListEnterprises(ctx, f.admin, cpaudit.EnterpriseFilter{}); len(list) != 1 {
		t.Fatalf("a failed import left %d enterprises", len(list))
	}
	if _, err := db.ExecContext(ctx, `DROP TRIGGER fail_import`); err != nil {
		t.Fatal(err)
	}

	res, err := s.ImportEnterprises(ctx, f.regulator, im)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Updated != 1 || res.AuditsCreated != 3 || len(res.Rejected) != 6 {
		t.Fatalf("result %+v", res)
	}
	ent, err := s.Organisation(ctx, f.admin, f.ent.ID)
	if err != nil || ent.Name != "保定印染股份公司" || ent.Status != cpaudit.StatusStopped {
		t.Fatalf("updated enterprise %v %+v", err, ent)
	}
	// Importing again updates, and starts no second audit in the batch.
	res, err = s.ImportEnterprises(ctx, f.admin, im)
	if err != nil || res.Created != 0 || res.Updated != 3 || res.AuditsCreated != 0 {
		t.Fatalf("again: %v %+v", err, res)
	}

	// A city office may only import enterprises of its region.
	office, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "石家庄市生态环境局", Region: "130100"})
	if err != nil {
		t.Fatal(err)
	}
	city := f.regulator
	city.OrgID, city.Region = office.ID, "130100"
	res, err = s.ImportEnterprises(ctx, city, cpaudit.EnterpriseImport{Rows: valid})
	if err != nil || res.Updated != 2 || len(res.Rejected) != 1 || res.Rejected[0].Row != 3 {
		t.Fatalf("city office: %v %+v", err, res)
	}

	// The stored report is the importer's alone.
	if got, err := s.EnterpriseImportResult(ctx, city, res.ID); err != nil || len(got.Rejected) != 1 {
		t.Fatalf("report %v %+v", err, got)
	}
	_, err = s.EnterpriseImportResult(ctx, f.consultant, res.ID)
	mustKind(t, err, cpaudit.KindNotFound)
	g := newFixture(t, s, "beijing")
	_, err = s.EnterpriseImportResult(ctx, g.admin, res.ID)
	mustKind(t, err, cpaudit.KindNotFound)
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}
