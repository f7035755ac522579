package storage

import (
	"context"
	"fmt"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// setStep puts step n of a fresh audit in state st, through the workflow
// where it can (so the log is real) and directly for in_progress, which no
// transition of this API produces.
func setStep(t *testing.T, f *fixture, auditID string, n int, st cpaudit.StepState) {
	t.Helper()
	ctx := context.Background()
	do := func(action cpaudit.StepAction, reason string) {
		if _, err := f.s.TransitionStep(ctx, f.admin, auditID, n, cpaudit.StepChange{Action: action, Reason: reason}); err != nil {
			t.Fatalf("set step %d to %s: %v", n, st, err)
		}
	}
	switch st {
	case cpaudit.StepNotStarted:
	case cpaudit.StepInProgress:
		db := f.db(t)
		if _, err := db.ExecContext(ctx, `UPDATE audit_steps SET state = 'in_progress' WHERE audit_id = ? AND number = ?`, auditID, n); err != nil {
			t.Fatal(err)
		}
	case cpaudit.StepSubmitted:
		do(cpaudit.StepSubmit, "")
	case cpaudit.StepReturned:
		do(cpaudit.StepSubmit, "")
		do(cpaudit.StepReturn, "数据不全")
	case cpaudit.StepAccepted:
		do(cpaudit.StepSubmit, "")
		do(cpaudit.StepAccept, "")
	}
}

// TestStepRules runs every role against every action from every state.
func TestStepRules(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	// A regional office of Shijiazhuang (130100) does not see an audit of
	// an enterprise in Baoding (130600).
	office, err := s.CreateOrganisation(ctx, f.sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "石家庄市生态环境局", Region: "130100"})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := f.regulator
	elsewhere.OrgID, elsewhere.Region = office.ID, "130100"

	roles := []struct {
		name             string
		a                cpaudit.Actor
		submits, reviews bool
		invisible        bool
	}{
		{"consultant of the firm", f.consultant, true, false, false},
		{"enterprise staff", f.enterprise, true, false, false},
		{"admin", f.admin, true, true, false},
		{"regulator", f.regulator, false, true, false},
		{"expert", f.expert, false, true, false},
		{"consultant of another firm", f.other, false, false, true},
		{"publisher", f.publisher, false, false, true},
		{"enterprise user of no enterprise", f.unbound, false, false, true},
		{"regulator of another city", elsewhere, false, true, true},
	}
	states := []cpaudit.StepState{cpaudit.StepNotStarted, cpaudit.StepInProgress, cpaudit.StepSubmitted, cpaudit.StepReturned, cpaudit.StepAccepted}
	actions := []cpaudit.StepAction{cpaudit.StepSubmit, cpaudit.StepReturn, cpaudit.StepAccept}
	for _, st := range states {
		// One audit per state; every case that succeeds is undone by
		// starting from a fresh audit, so cases stay independent.
		for _, action := range actions {
			for _, r := range roles {
				t.Run(fmt.Sprintf("%s/%s/%s", st, action, r.name), func(t *testing.T) {
					au, err := s.CreateAudit(ctx, f.sys, f.ent.ID, f.cons.ID)
					if err != nil {
						t.Fatal(err)
					}
					setStep(t, f, au.ID, 3, st)
					var want cpaudit.Kind = -1 // success
					// Submit from not_started, in_progress or returned;
					// return and accept from submitted only.
					stateOK := st == cpaudit.StepSubmitted
					if action == cpaudit.StepSubmit {
						stateOK = st == cpaudit.StepNotStarted || st == cpaudit.StepInProgress || st == cpaudit.StepReturned
					}
					roleOK := (action == cpaudit.StepSubmit && r.submits) || (action != cpaudit.StepSubmit && r.reviews)
					switch {
					case r.invisible:
						want = cpaudit.KindNotFound
					case !roleOK || !stateOK:
						want = cpaudit.KindConflict
					}
					reason := ""
					if action == cpaudit.StepReturn {
						reason = "物料平衡偏差超过5%，请重新测算"
					}
					got, err := s.TransitionStep(ctx, r.a, au.ID, 3, cpaudit.StepChange{Action: action, Reason: reason})
					if want == -1 {
						if err != nil {
							t.Fatalf("want success, got %v", err)
						}
						step := got.Steps[2]
						wantState := map[cpaudit.StepAction]cpaudit.StepState{cpaudit.StepSubmit: cpaudit.StepSubmitted,
							cpaudit.StepReturn: cpaudit.StepReturned, cpaudit.StepAccept: cpaudit.StepAccepted}[action]
						if step.State != wantState || step.ChangedBy != r.a.Email || step.ChangedAt == nil || step.Reason != reason {
							t.Fatalf("step after %s: %+v", action, step)
						}
						return
					}
					mustKind(t, err, want)
					if cpaudit.ErrorMessage(err) == "" {
						t.Fatalf("refusal without a reason: %v", err)
					}
					again, err := s.Audit(ctx, f.admin, au.ID)
					if err != nil {
						t.Fatal(err)
					}
					if again.Steps[2].State != st {
						t.Fatalf("refused transition changed the state to %s", again.Steps[2].State)
					}
				})
			}
		}
	}
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}

func TestStepGatesAndLog(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	id := f.audit.ID

	_, err := s.TransitionStep(ctx, f.consultant, id, 28, cpaudit.StepChange{Action: cpaudit.StepSubmit})
	mustKind(t, err, cpaudit.KindConflict)
	for _, n := range []int{0, 36, -1} {
		_, err := s.TransitionStep(ctx, f.consultant, id, n, cpaudit.StepChange{Action: cpaudit.StepSubmit})
		mustKind(t, err, cpaudit.KindInvalid)
	}
	_, err = s.TransitionStep(ctx, f.consultant, id, 1, cpaudit.StepChange{Action: "approve"})
	mustKind(t, err, cpaudit.KindInvalid)
	_, err = s.TransitionStep(ctx, f.regulator, id, 1, cpaudit.StepChange{Action: cpaudit.StepReturn, Reason: "  "})
	mustKind(t, err, cpaudit.KindInvalid)

	for n := 1; n <= cpaudit.AssessmentLastStep; n++ {
		if _, err := s.TransitionStep(ctx, f.consultant, id, n, cpaudit.StepChange{Action: cpaudit.StepSubmit}); err != nil {
			t.Fatal(err)
		}
		au, err := s.TransitionStep(ctx, f.expert, id, n, cpaudit.StepChange{Action: cpaudit.StepAccept})
		if err != nil {
			t.Fatal(err)
		}
		if open := au.Gates.AssessmentOpen; open != (n == cpaudit.AssessmentLastStep) {
			t.Fatalf("after step %d: assessment open %v", n, open)
		}
	}
	for n := 28; n <= 35; n++ {
		if _, err := s.TransitionStep(ctx, f.enterprise, id, n, cpaudit.StepChange{Action: cpaudit.StepSubmit}); err != nil {
			t.Fatalf("step %d after the assessment gate: %v", n, err)
		}
		au, err := s.TransitionStep(ctx, f.regulator, id, n, cpaudit.StepChange{Action: cpaudit.StepAccept})
		if err != nil {
			t.Fatal(err)
		}
		if open := au.Gates.AcceptanceOpen; open != (n == 35) {
			t.Fatalf("after step %d: acceptance open %v", n, open)
		}
	}
	au, err := s.Audit(ctx, f.enterprise, id)
	if err != nil {
		t.Fatal(err)
	}
	if !au.Gates.AssessmentOpen || au.Gates.AssessmentOpenedAt == nil || !au.Gates.AcceptanceOpen || au.Gates.AcceptanceOpenedAt == nil {
		t.Fatalf("gates: %+v", au.Gates)
	}
	log, err := s.ObjectLog(ctx, f.admin, "audit", id, 500)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range log {
		count[e.Action]++
	}
	if count["step.submit"] != 35 || count["step.accept"] != 35 || count["audit.assessment_open"] != 1 || count["audit.acceptance_open"] != 1 {
		t.Fatalf("log actions: %v", count)
	}
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}

func TestStepDocumentsAndReasons(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	own, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: f.audit.ID, Step: 5, Filename: "现状调研.txt"}, "三年能耗数据")
	if err != nil {
		t.Fatal(err)
	}
	loose, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocOther, Filename: "无关.txt"}, "别的")
	if err != nil {
		t.Fatal(err)
	}
	if au, err := s.Audit(ctx, f.admin, f.audit.ID); err != nil || au.Steps[4].State != cpaudit.StepInProgress ||
		au.Steps[4].ChangedBy != f.consultant.Email || au.Steps[5].State != cpaudit.StepNotStarted {
		t.Fatalf("the first upload of step 5 starts it: %v %+v", err, au.Steps[4])
	}
	for _, ids := range [][]string{{loose.ID}, {"nope"}, {own.ID, "nope"}} {
		_, err := s.TransitionStep(ctx, f.consultant, f.audit.ID, 5, cpaudit.StepChange{Action: cpaudit.StepSubmit, DocumentIDs: ids})
		mustKind(t, err, cpaudit.KindUnprocessable)
	}
	au, err := s.TransitionStep(ctx, f.consultant, f.audit.ID, 5, cpaudit.StepChange{Action: cpaudit.StepSubmit, DocumentIDs: []string{own.ID, own.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if got := au.Steps[4].DocumentIDs; len(got) != 1 || got[0] != own.ID {
		t.Fatalf("document ids %v", got)
	}
	_, err = s.TransitionStep(ctx, f.regulator, f.audit.ID, 5, cpaudit.StepChange{Action: cpaudit.StepAccept, DocumentIDs: []string{own.ID}})
	mustKind(t, err, cpaudit.KindInvalid)
	const reason = "三年能耗、水耗数据前后矛盾；请补充CEMS统计。"
	au, err = s.TransitionStep(ctx, f.regulator, f.audit.ID, 5, cpaudit.StepChange{Action: cpaudit.StepReturn, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	if st := au.Steps[4]; st.State != cpaudit.StepReturned || st.Reason != reason || st.ChangedBy != f.regulator.Email {
		t.Fatalf("returned step: %+v", st)
	}
	// Submitting again clears the reason.
	au, err = s.TransitionStep(ctx, f.enterprise, f.audit.ID, 5, cpaudit.StepChange{Action: cpaudit.StepSubmit})
	if err != nil {
		t.Fatal(err)
	}
	if st := au.Steps[4]; st.State != cpaudit.StepSubmitted || st.Reason != "" {
		t.Fatalf("resubmitted step: %+v", st)
	}
}

func TestBatches(t *testing.T) {
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	ctx := context.Background()
	nb := cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批强制性清洁生产审核",
		Reasons:     []cpaudit.ListingReason{cpaudit.ReasonDoubleExceed, cpaudit.ReasonToxic, cpaudit.ReasonToxic},
		Industries:  []string{"C2710", "C1713"},
		Obligations: cpaudit.Obligations{Register: "2026-03-01", Disclose: "2026-03-31", AcceptanceDone: "2027-03-01"}}
	b, err := s.CreateBatch(ctx, f.regulator, nb)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Reasons) != 2 || b.Name != nb.Name {
		t.Fatalf("batch %+v", b)
	}
	for _, tc := range []struct {
		name string
		a    cpaudit.Actor
		mod  func(*cpaudit.Batch)
		want cpaudit.Kind
	}{
		{"duplicate year and number", f.admin, func(b *cpaudit.Batch) {}, cpaudit.KindConflict},
		{"consultant", f.consultant, func(b *cpaudit.Batch) { b.Number = 2 }, cpaudit.KindConflict},
		{"expert", f.expert, func(b *cpaudit.Batch) { b.Number = 2 }, cpaudit.KindConflict},
		{"no name", f.admin, func(b *cpaudit.Batch) { b.Number, b.Name = 2, "" }, cpaudit.KindInvalid},
		{"bad reason", f.admin, func(b *cpaudit.Batch) { b.Number, b.Reasons = 2, []cpaudit.ListingReason{"双超"} }, cpaudit.KindInvalid},
		{"bad industry", f.admin, func(b *cpaudit.Batch) { b.Number, b.Industries = 2, []string{"化工"} }, cpaudit.KindUnprocessable},
		{"bad year", f.admin, func(b *cpaudit.Batch) { b.Number, b.Year = 2, 20 }, cpaudit.KindUnprocessable},
		{"bad date", f.admin, func(b *cpaudit.Batch) { b.Number, b.Obligations.Disclose = 2, "2026-02-30" }, cpaudit.KindInvalid},
		{"dates backwards", f.admin, func(b *cpaudit.Batch) { b.Number, b.Obligations.Disclose = 2, "2026-01-01" }, cpaudit.KindUnprocessable},
	} {
		b2 := nb
		b2.Obligations = nb.Obligations
		tc.mod(&b2)
		_, err := s.CreateBatch(ctx, tc.a, b2)
		if cpaudit.ErrorKind(err) != tc.want || err == nil {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}
	date := "2026-06-30"
	name := "2026年第一批（调整）"
	up, err := s.UpdateBatch(ctx, f.admin, b.ID, cpaudit.BatchPatch{Name: &name, Obligations: map[string]*string{"apply_assessment": &date, "register": new(string)}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Obligations.ApplyAssessment != date || up.Obligations.Register != "" || up.Obligations.Disclose != "2026-03-31" || up.Name != name {
		t.Fatalf("updated %+v", up)
	}
	late := "2028-01-01"
	_, err = s.UpdateBatch(ctx, f.admin, b.ID, cpaudit.BatchPatch{Obligations: map[string]*string{"disclose": &late}})
	mustKind(t, err, cpaudit.KindUnprocessable)
	_, err = s.UpdateBatch(ctx, f.admin, b.ID, cpaudit.BatchPatch{Obligations: map[string]*string{"pay": &late}})
	mustKind(t, err, cpaudit.KindInvalid)
	_, err = s.UpdateBatch(ctx, f.admin, "nope", cpaudit.BatchPatch{})
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = s.UpdateBatch(ctx, f.enterprise, b.ID, cpaudit.BatchPatch{Name: &name})
	mustKind(t, err, cpaudit.KindConflict)

	list, err := s.Batches(ctx, f.enterprise)
	if err != nil || len(list) != 1 || list[0].Obligations.ApplyAssessment != date {
		t.Fatalf("batches %v %+v", err, list)
	}
	au, err := s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: f.ent.ID, ConsultancyID: f.cons.ID, BatchID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, f.consultant, au.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BatchID != b.ID || got.Batch == nil || got.Batch.Name != name || len(got.Steps) != 35 {
		t.Fatalf("audit in batch: %+v", got)
	}
	_, err = s.StartAudit(ctx, f.admin, cpaudit.NewAudit{EnterpriseID: f.ent.ID, BatchID: "nope"})
	mustKind(t, err, cpaudit.KindNotFound)

	// Another tenant sees none of it.
	g := newFixture(t, s, "beijing")
	if _, err := s.Batch(ctx, g.admin, b.ID); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Fatalf("other tenant reads the batch: %v", err)
	}
	_, err = s.StartAudit(ctx, g.admin, cpaudit.NewAudit{EnterpriseID: g.ent.ID, BatchID: b.ID})
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = s.TransitionStep(ctx, g.admin, f.audit.ID, 1, cpaudit.StepChange{Action: cpaudit.StepSubmit})
	mustKind(t, err, cpaudit.KindNotFound)
	if p := verifyProblems(t, s); p != "" {
		t.Fatalf("audit log: %s", p)
	}
}
