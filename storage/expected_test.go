package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestStepRequirementsDefaultsAndConfig(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	reqs, err := s.StepRequirements(ctx, f.enterprise)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 35 || reqs[0].Documents[0].Zh != "领导承诺书" || reqs[21].Documents[0].Zh != "中期审核报告" ||
		reqs[34].Documents[0].Kind != cpaudit.DocReport || reqs[29].Phase != "P6" {
		t.Fatalf("defaults %+v", reqs)
	}
	for _, r := range reqs {
		if len(r.Documents) == 0 {
			t.Errorf("step %d expects nothing by default", r.Step)
		}
	}

	commit := []cpaudit.ExpectedDocument{{Key: "commitment", Zh: " 领导承诺书 ", En: "Management commitment letter", Kind: cpaudit.DocEvidence, Required: true}}
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		n    int
		docs []cpaudit.ExpectedDocument
		want cpaudit.Kind
	}{
		{"consultant", f.consultant, 1, commit, cpaudit.KindConflict},
		{"enterprise", f.enterprise, 1, commit, cpaudit.KindConflict},
		{"expert", f.expert, 1, commit, cpaudit.KindConflict},
		{"step 0", f.admin, 0, commit, cpaudit.KindInvalid},
		{"step 36", f.admin, 36, commit, cpaudit.KindInvalid},
		{"bad key", f.admin, 1, []cpaudit.ExpectedDocument{{Key: "领导", Zh: "x", En: "x", Kind: cpaudit.DocEvidence}}, cpaudit.KindInvalid},
		{"no name", f.admin, 1, []cpaudit.ExpectedDocument{{Key: "a", En: "x", Kind: cpaudit.DocEvidence}}, cpaudit.KindInvalid},
		{"bad kind", f.admin, 1, []cpaudit.ExpectedDocument{{Key: "a", Zh: "x", En: "x", Kind: "photo"}}, cpaudit.KindInvalid},
		{"guideline", f.admin, 1, []cpaudit.ExpectedDocument{{Key: "a", Zh: "x", En: "x", Kind: cpaudit.DocGuideline}}, cpaudit.KindUnprocessable},
		{"repeated key", f.admin, 1, append(commit, commit[0]), cpaudit.KindUnprocessable},
	} {
		if _, err := s.SetStepExpected(ctx, tc.a, tc.n, tc.docs); cpaudit.ErrorKind(err) != tc.want || err == nil {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}

	// The regulator makes the commitment letter required for step 1.
	got, err := s.SetStepExpected(ctx, f.regulator, 1, commit)
	if err != nil || got.Step != 1 || got.Documents[0].Zh != "领导承诺书" {
		t.Fatalf("set: %v %+v", err, got)
	}
	_, err = s.TransitionStep(ctx, f.consultant, f.audit.ID, 1, cpaudit.StepChange{Action: cpaudit.StepSubmit})
	mustKind(t, err, cpaudit.KindConflict)
	if !strings.Contains(err.Error(), "领导承诺书") {
		t.Fatalf("the refusal does not name the missing document: %v", err)
	}
	// Step 2 keeps its advisory default and is submitted without documents.
	if _, err := s.TransitionStep(ctx, f.consultant, f.audit.ID, 2, cpaudit.StepChange{Action: cpaudit.StepSubmit}); err != nil {
		t.Fatal(err)
	}
	// An evidence file uploaded elsewhere in the audit serves when submitted with the step.
	doc, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "承诺.txt", Title: "总经理承诺"}, "承诺开展清洁生产审核")
	if err != nil {
		t.Fatal(err)
	}
	au, err := s.Audit(ctx, f.consultant, f.audit.ID)
	if err != nil || au.Steps[0].Expected[0].DocumentID != "" || !au.Steps[0].Expected[0].Required {
		t.Fatalf("before submitting: %v %+v", err, au.Steps[0].Expected)
	}
	au, err = s.TransitionStep(ctx, f.consultant, f.audit.ID, 1, cpaudit.StepChange{Action: cpaudit.StepSubmit, DocumentIDs: []string{doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if e := au.Steps[0].Expected; len(e) != 1 || e[0].DocumentID != doc.ID {
		t.Fatalf("expected after submit: %+v", e)
	}
	// Other tenants keep the defaults.
	g := newFixture(t, s, "beijing")
	greqs, err := s.StepRequirements(ctx, g.admin)
	if err != nil || greqs[0].Documents[0].Required || len(greqs[0].Documents) != 2 {
		t.Fatalf("other tenant: %v %+v", err, greqs[0])
	}
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}

func TestMatchExpectedPrefersTitles(t *testing.T) {
	exp := []cpaudit.ExpectedDocument{
		{Key: "monitoring", Zh: "监测报告", En: "Monitoring", Kind: cpaudit.DocEvidence},
		{Key: "photos", Zh: "设备照片", En: "Equipment photos", Kind: cpaudit.DocEvidence, Required: true},
		{Key: "report", Zh: "审核报告", En: "Report", Kind: cpaudit.DocReport, Required: true},
	}
	docs := []cpaudit.Document{{ID: "d1", Kind: cpaudit.DocEvidence, Title: "现场设备照片"}, {ID: "d2", Kind: cpaudit.DocEvidence, Title: "其他"}}
	m := cpaudit.MatchExpected(exp, docs)
	if m[0].DocumentID != "d2" || m[1].DocumentID != "d1" || m[2].DocumentID != "" {
		t.Fatalf("match %+v", m)
	}
	if miss := cpaudit.MissingRequired(m); len(miss) != 1 || !strings.Contains(miss[0], "审核报告") {
		t.Fatalf("missing %v", miss)
	}
}
