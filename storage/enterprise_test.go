package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestEnterpriseProfileListAndStaff(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	sjz, err := s.CreateOrganisation(ctx, f.admin, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "石家庄钢铁有限公司",
		CreditCode: code("91130100MA0CJJ001"), Industry: "C3110", Region: "130104", Address: "石家庄市桥西区",
		PermitNumber: "91130100ma0cjj001x001p", Status: "停产"})
	if err != nil {
		t.Fatal(err)
	}
	if sjz.Status != cpaudit.StatusStopped || sjz.PermitNumber != "91130100MA0CJJ001X001P" {
		t.Fatalf("created %+v", sjz)
	}
	if f.ent.Status != cpaudit.StatusOperating {
		t.Fatalf("an enterprise without a status operates: %+v", f.ent)
	}
	_, err = s.CreateOrganisation(ctx, f.admin, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "x",
		CreditCode: code("91130100MA0CJJ002"), Industry: "C3110", Region: "130104", Status: "closed"})
	mustKind(t, err, cpaudit.KindUnprocessable)

	office, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "石家庄市生态环境局", Region: "130100"})
	if err != nil {
		t.Fatal(err)
	}
	city := f.regulator
	city.OrgID, city.Region = office.ID, "130100"

	names := func(a cpaudit.Actor, fl cpaudit.EnterpriseFilter) ([]string, int) {
		t.Helper()
		list, total, err := s.ListEnterprises(ctx, a, fl)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range list {
			out = append(out, o.Name)
		}
		return out, total
	}
	for _, tc := range []struct {
		name  string
		a     cpaudit.Actor
		f     cpaudit.EnterpriseFilter
		want  []string
		total int
	}{
		{"admin", f.admin, cpaudit.EnterpriseFilter{}, []string{"保定印染有限公司", "石家庄钢铁有限公司"}, 2},
		{"city office", city, cpaudit.EnterpriseFilter{}, []string{"石家庄钢铁有限公司"}, 1},
		{"consultant of an audit", f.consultant, cpaudit.EnterpriseFilter{}, []string{"保定印染有限公司"}, 1},
		{"other consultancy", f.other, cpaudit.EnterpriseFilter{}, nil, 0},
		{"enterprise itself", f.enterprise, cpaudit.EnterpriseFilter{}, []string{"保定印染有限公司"}, 1},
		{"publisher", f.publisher, cpaudit.EnterpriseFilter{}, nil, 0},
		{"region filter", f.admin, cpaudit.EnterpriseFilter{Region: "130600"}, []string{"保定印染有限公司"}, 1},
		{"province filter", f.admin, cpaudit.EnterpriseFilter{Region: "130000"}, []string{"保定印染有限公司", "石家庄钢铁有限公司"}, 2},
		{"industry prefix", f.admin, cpaudit.EnterpriseFilter{Industry: "C31"}, []string{"石家庄钢铁有限公司"}, 1},
		{"name contains", f.admin, cpaudit.EnterpriseFilter{Query: "印染"}, []string{"保定印染有限公司"}, 1},
		{"paging", f.admin, cpaudit.EnterpriseFilter{Limit: 1, Offset: 1}, []string{"石家庄钢铁有限公司"}, 2},
	} {
		got, total := names(tc.a, tc.f)
		if len(got) != len(tc.want) || total != tc.total || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s: %v (%d), want %v (%d)", tc.name, got, total, tc.want, tc.total)
		}
	}
	_, _, err = s.ListEnterprises(ctx, f.admin, cpaudit.EnterpriseFilter{Region: "13"})
	mustKind(t, err, cpaudit.KindInvalid)

	// Profile changes.
	addr, stopped := "保定市竞秀区", cpaudit.StatusStopped
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		id   string
		p    cpaudit.OrgProfile
		want cpaudit.Kind
	}{
		{"consultant (cannot read the enterprise)", f.consultant, f.ent.ID, cpaudit.OrgProfile{Address: &addr}, cpaudit.KindNotFound},
		{"consultant, its own firm", f.consultant, f.cons.ID, cpaudit.OrgProfile{Address: &addr}, cpaudit.KindConflict},
		{"enterprise, itself", f.enterprise, f.ent.ID, cpaudit.OrgProfile{Address: &addr}, cpaudit.KindConflict},
		{"enterprise, its own status", f.enterprise, f.ent.ID, cpaudit.OrgProfile{Status: &stopped}, cpaudit.KindConflict},
		{"city office, its own office", city, office.ID, cpaudit.OrgProfile{Region: new("130000")}, cpaudit.KindConflict},
		{"city office, its own office's name", city, office.ID, cpaudit.OrgProfile{Name: new("石家庄")}, cpaudit.KindConflict},
		{"regulator, an office", f.regulator, office.ID, cpaudit.OrgProfile{Region: new("130000")}, cpaudit.KindConflict},
		{"regulator, a consultancy", f.regulator, f.cons.ID, cpaudit.OrgProfile{Address: &addr}, cpaudit.KindConflict},
		{"city office moves its enterprise away", city, sjz.ID, cpaudit.OrgProfile{Region: new("130600")}, cpaudit.KindConflict},
		{"city office moves its enterprise up", city, sjz.ID, cpaudit.OrgProfile{Region: new("130000")}, cpaudit.KindConflict},
		{"city office sets a parent", city, sjz.ID, cpaudit.OrgProfile{ParentID: &office.ID}, cpaudit.KindConflict},
		{"another kind", f.admin, f.ent.ID, cpaudit.OrgProfile{Kind: new(cpaudit.OrgConsultancy)}, cpaudit.KindUnprocessable},
		{"city office outside its region", city, f.ent.ID, cpaudit.OrgProfile{Address: &addr}, cpaudit.KindConflict},
		{"unknown", f.admin, "nope", cpaudit.OrgProfile{Address: &addr}, cpaudit.KindNotFound},
		{"bad region", f.admin, f.ent.ID, cpaudit.OrgProfile{Region: new("13")}, cpaudit.KindUnprocessable},
		{"bad status", f.admin, f.ent.ID, cpaudit.OrgProfile{Status: new(cpaudit.OperatingStatus("closed"))}, cpaudit.KindUnprocessable},
		{"empty name", f.admin, f.ent.ID, cpaudit.OrgProfile{Name: new("")}, cpaudit.KindInvalid},
		{"status of a consultancy", f.admin, f.cons.ID, cpaudit.OrgProfile{Status: &stopped}, cpaudit.KindUnprocessable},
	} {
		if _, err := s.UpdateOrganisation(ctx, tc.a, tc.id, tc.p); cpaudit.ErrorKind(err) != tc.want || err == nil {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}
	if got, err := s.Organisation(ctx, f.admin, office.ID); err != nil || got.Region != "130100" || got.Name != office.Name {
		t.Fatalf("refused changes changed the office: %v %+v", err, got)
	}
	// A city office moves an enterprise within its region; the admin
	// moves an office.
	if up, err := s.UpdateOrganisation(ctx, city, sjz.ID, cpaudit.OrgProfile{Region: new("130102"), Kind: new(cpaudit.OrgEnterprise)}); err != nil || up.Region != "130102" {
		t.Fatalf("move inside the city: %v %+v", err, up)
	}
	if up, err := s.UpdateOrganisation(ctx, f.admin, office.ID, cpaudit.OrgProfile{Region: new("130000")}); err != nil || up.Region != "130000" {
		t.Fatalf("admin moves an office: %v %+v", err, up)
	}
	up, err := s.UpdateOrganisation(ctx, f.regulator, f.ent.ID, cpaudit.OrgProfile{Address: &addr, Status: &stopped})
	if err != nil || up.Address != addr || up.Status != stopped || up.Name != f.ent.Name {
		t.Fatalf("update %v %+v", err, up)
	}
	if got, err := s.Organisation(ctx, f.enterprise, f.ent.ID); err != nil || got.Address != addr {
		t.Fatalf("read back %v %+v", err, got)
	}
	if log, err := s.ObjectLog(ctx, f.admin, "organisation", f.ent.ID, 10); err != nil || log[0].Action != "organisation.update" {
		t.Fatalf("log %v %+v", err, log)
	}

	// Staff.
	st := cpaudit.Staff{Name: "张工", Certificate: "QJ-2024-0001", Qualification: "清洁生产审核师", ValidUntil: "2028-12-31"}
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		id   string
		st   cpaudit.Staff
		want cpaudit.Kind
	}{
		{"other consultancy", f.other, f.cons.ID, st, cpaudit.KindNotFound},
		{"enterprise", f.enterprise, f.cons.ID, st, cpaudit.KindNotFound},
		{"expert", f.expert, f.cons.ID, st, cpaudit.KindConflict},
		{"not a consultancy", f.admin, f.ent.ID, st, cpaudit.KindNotFound},
		{"no certificate", f.consultant, f.cons.ID, cpaudit.Staff{Name: "张工"}, cpaudit.KindInvalid},
		{"bad date", f.consultant, f.cons.ID, cpaudit.Staff{Name: "张工", Certificate: "1", ValidUntil: "2028-13-01"}, cpaudit.KindInvalid},
	} {
		if _, err := s.AddStaff(ctx, tc.a, tc.id, tc.st); cpaudit.ErrorKind(err) != tc.want || err == nil {
			t.Errorf("staff %s: %v, want kind %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.AddStaff(ctx, f.consultant, f.cons.ID, st); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddStaff(ctx, f.regulator, f.cons.ID, st)
	mustKind(t, err, cpaudit.KindConflict)
	list, err := s.ListStaff(ctx, f.regulator, f.cons.ID)
	if err != nil || len(list) != 1 || list[0].Qualification != "清洁生产审核师" {
		t.Fatalf("staff %v %+v", err, list)
	}
	_, err = s.ListStaff(ctx, f.other, f.cons.ID)
	mustKind(t, err, cpaudit.KindNotFound)
	g := newFixture(t, s, "beijing")
	_, err = s.ListStaff(ctx, g.admin, f.cons.ID)
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = s.UpdateOrganisation(ctx, g.admin, f.ent.ID, cpaudit.OrgProfile{Address: &addr})
	mustKind(t, err, cpaudit.KindNotFound)
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}
