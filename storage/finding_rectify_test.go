package storage

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestFindingTransitionRights: who answers, closes and sends back a
// finding, role by role, and what an outsider learns (404, like an
// unknown id). Each case starts from a fresh finding in the state the
// action needs, so only the role decides.
func TestFindingTransitionRights(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	s.now = func() time.Time { return china(2026, 12, 7, 9, 0) }
	f := newFixture(t, s, "hebei")
	sjz := cpaudit.Actor{TenantID: f.sys.TenantID, Email: "sjz@hebei.gov.cn", Role: cpaudit.RoleRegulator, Region: "130100"}
	baoding := cpaudit.Actor{TenantID: f.sys.TenantID, Email: "bd@hebei.gov.cn", Role: cpaudit.RoleRegulator, Region: "130600"}
	fresh := func(answered bool) string {
		t.Helper()
		got, err := s.CreateFinding(ctx, f.regulator, finding(f.audit.ID, cpaudit.CategoryMissingContent, cpaudit.SeverityMinor))
		if err != nil {
			t.Fatal(err)
		}
		if answered {
			if _, err := s.AnswerFinding(ctx, f.consultant, got.ID, cpaudit.FindingChange{Text: "已补充物料平衡原始台账"}); err != nil {
				t.Fatal(err)
			}
		}
		return got.ID
	}
	change := cpaudit.FindingChange{Text: "已整改完毕", Comment: "核实通过", Reason: "佐证材料仍不完整"}
	answerNo := func(kind cpaudit.Kind, code cpaudit.Code) [2]any { return [2]any{kind, code} }
	ok := answerNo(0, "")
	notFound := answerNo(cpaudit.KindNotFound, cpaudit.CodeNoSuchFinding)
	noAnswer := answerNo(cpaudit.KindConflict, cpaudit.CodeFindingAnswerNotAllowed)
	noVerify := answerNo(cpaudit.KindConflict, cpaudit.CodeFindingVerifyNotAllowed)
	for _, tc := range []struct {
		who                    string
		a                      cpaudit.Actor
		answer, close, return_ [2]any
	}{
		{"the audit's consultant", f.consultant, ok, noVerify, noVerify},
		{"the audit's enterprise", f.enterprise, ok, noVerify, noVerify},
		{"admin", f.admin, noAnswer, ok, ok},
		{"regulator of the province", f.regulator, noAnswer, ok, ok},
		{"Baoding's office (the enterprise's city)", baoding, noAnswer, ok, ok},
		{"expert", f.expert, noAnswer, noVerify, noVerify},
		{"Shijiazhuang's office", sjz, notFound, notFound, notFound},
		{"another consultancy", f.other, notFound, notFound, notFound},
		{"publisher", f.publisher, notFound, notFound, notFound},
		{"an enterprise user of no enterprise", f.unbound, notFound, notFound, notFound},
	} {
		for _, step := range []struct {
			action   cpaudit.FindingAction
			answered bool
			want     [2]any
			to       cpaudit.FindingState
		}{
			{cpaudit.FindingAnswer, false, tc.answer, cpaudit.FindingAnswered},
			{cpaudit.FindingClose, true, tc.close, cpaudit.FindingClosed},
			{cpaudit.FindingReturn, true, tc.return_, cpaudit.FindingOpen},
		} {
			id := fresh(step.answered)
			got, err := s.transitionFinding(ctx, tc.a, id, step.action, change)
			kind, code := step.want[0].(cpaudit.Kind), step.want[1].(cpaudit.Code)
			switch {
			case kind == 0 && (err != nil || got.State != step.to || len(got.History) == 0 ||
				got.History[len(got.History)-1].By != tc.a.Email):
				t.Errorf("%s %s: %+v %v, want %s", tc.who, step.action, got, err, step.to)
			case kind != 0 && (cpaudit.ErrorKind(err) != kind || cpaudit.ErrorCode(err) != code):
				t.Errorf("%s %s: %v, want %v %s", tc.who, step.action, err, kind, code)
			}
		}
	}
	// A finding that does not exist answers like one out of reach.
	_, err := s.AnswerFinding(ctx, f.consultant, "n-nowhere", change)
	mustCode(t, err, cpaudit.KindNotFound, cpaudit.CodeNoSuchFinding)
	_, err = s.Finding(ctx, sjz, fresh(false))
	mustCode(t, err, cpaudit.KindNotFound, cpaudit.CodeNoSuchFinding)
}

// TestFindingLifecycle follows a finding through answer, return, answer
// and close, refusing each action in the wrong state and bad input, with
// its history and every transition in the audit log.
func TestFindingLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	s.now = func() time.Time { return china(2026, 12, 7, 9, 0) }
	f := newFixture(t, s, "hebei")
	v2, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "整改后台账.txt"}, "整改后的原始台账")
	if err != nil {
		t.Fatal(err)
	}
	loose, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocOther, Filename: "其他.txt"}, "不属于审核的文件")
	if err != nil {
		t.Fatal(err)
	}
	nf := finding(f.audit.ID, cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMajor)
	nf.RectificationDue = "2026-12-17"
	fd, err := s.CreateFinding(ctx, f.regulator, nf)
	if err != nil {
		t.Fatal(err)
	}
	id := fd.ID
	wrong := func(step string, err error, code cpaudit.Code) {
		t.Helper()
		if cpaudit.ErrorKind(err) != cpaudit.KindConflict || cpaudit.ErrorCode(err) != code {
			t.Errorf("%s: %v, want conflict %s", step, err, code)
		}
	}
	// Open: it cannot be sent back.
	_, err = s.ReturnFinding(ctx, f.regulator, id, cpaudit.FindingChange{Reason: "未答复"})
	wrong("return an open finding", err, cpaudit.CodeFindingNotAnswered)
	// Bad answers change nothing.
	for _, tc := range []struct {
		name string
		c    cpaudit.FindingChange
		code cpaudit.Code
	}{
		{"no text", cpaudit.FindingChange{Text: "  "}, cpaudit.CodeFieldRequired},
		{"overlong text", cpaudit.FindingChange{Text: strings.Repeat("改", 4001)}, cpaudit.CodeTextTooLong},
		{"a document of no audit", cpaudit.FindingChange{Text: "已整改", DocumentIDs: []string{loose.ID}}, cpaudit.CodeDocumentNotOfAudit},
		{"too many documents", cpaudit.FindingChange{Text: "已整改", DocumentIDs: make([]string, 101)}, cpaudit.CodeDocumentIDsTooMany},
	} {
		_, err := s.AnswerFinding(ctx, f.consultant, id, tc.c)
		if cpaudit.ErrorKind(err) != cpaudit.KindUnprocessable || cpaudit.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	got, err := s.AnswerFinding(ctx, f.consultant, id, cpaudit.FindingChange{Text: "已重新核对设备铭牌并提交新照片", DocumentIDs: []string{v2.ID, v2.ID}})
	if err != nil || got.State != cpaudit.FindingAnswered || len(got.History) != 1 || !slices.Equal(got.History[0].DocumentIDs, []string{v2.ID}) {
		t.Fatalf("answer: %+v %v", got, err)
	}
	_, err = s.AnswerFinding(ctx, f.enterprise, id, cpaudit.FindingChange{Text: "再次答复"})
	wrong("answer an answered finding", err, cpaudit.CodeFindingNotOpen)
	_, err = s.ReturnFinding(ctx, f.regulator, id, cpaudit.FindingChange{Reason: " "})
	if cpaudit.ErrorCode(err) != cpaudit.CodeFieldRequired {
		t.Errorf("return without a reason: %v", err)
	}
	if _, err = s.ReturnFinding(ctx, f.regulator, id, cpaudit.FindingChange{Reason: "照片仍无法证明设备型号"}); err != nil {
		t.Fatal(err)
	}
	if _, err = s.AnswerFinding(ctx, f.enterprise, id, cpaudit.FindingChange{Text: "补充设备采购合同"}); err != nil {
		t.Fatal(err)
	}
	// Closing needs no comment.
	if got, err = s.CloseFinding(ctx, f.admin, id, cpaudit.FindingChange{}); err != nil || got.State != cpaudit.FindingClosed {
		t.Fatalf("close: %+v %v", got, err)
	}
	for _, action := range []cpaudit.FindingAction{cpaudit.FindingAnswer, cpaudit.FindingClose, cpaudit.FindingReturn} {
		a := f.regulator
		if action == cpaudit.FindingAnswer {
			a = f.consultant
		}
		_, err := s.transitionFinding(ctx, a, id, action, cpaudit.FindingChange{Text: "再次", Reason: "再次"})
		wrong(string(action)+" a closed finding", err, cpaudit.CodeFindingClosed)
	}
	got, err = s.Finding(ctx, f.enterprise, id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range got.History {
		actions = append(actions, string(e.Action)+":"+string(e.From)+">"+string(e.To)+":"+e.Text)
	}
	want := []string{"answer:open>answered:已重新核对设备铭牌并提交新照片", "return:answered>open:照片仍无法证明设备型号",
		"answer:open>answered:补充设备采购合同", "close:answered>closed:"}
	if !slices.Equal(actions, want) || got.History[1].Role != cpaudit.RoleRegulator || got.History[2].By != f.enterprise.Email {
		t.Errorf("history %v, want %v", actions, want)
	}
	// The audit page's histories hold the same events, by finding.
	histories, err := s.FindingHistories(ctx, f.enterprise, f.audit.ID)
	if err != nil || len(histories) != 1 || !reflect.DeepEqual(histories[id], got.History) {
		t.Errorf("histories %+v %v, want %+v", histories, err, got.History)
	}
	entries, err := s.ObjectLog(ctx, f.admin, "finding", id, 10)
	var logged []string
	for _, e := range entries {
		logged = append(logged, e.Action)
	}
	if err != nil || !slices.Equal(logged, []string{"finding.close", "finding.answer", "finding.return", "finding.answer", "finding.create"}) {
		t.Errorf("audit log: %v %v", logged, err)
	}
	if rep, err := s.Verify(ctx, nil); err != nil || len(rep.Problems) != 0 {
		t.Errorf("the chain: %+v %v", rep, err)
	}
	// A regulator may also close an open finding outright.
	other, _ := s.CreateFinding(ctx, f.regulator, finding(f.audit.ID, cpaudit.CategoryOther, cpaudit.SeverityMinor))
	if got, err := s.CloseFinding(ctx, f.regulator, other.ID, cpaudit.FindingChange{Comment: "经核实不构成问题"}); err != nil || got.State != cpaudit.FindingClosed {
		t.Errorf("close an open finding: %+v %v", got, err)
	}
}

// TestFindingOverdue: an open finding is overdue from the day after its
// due date in China, whatever UTC says; answered and closed ones are not;
// the list filters them and the evaluation loses 10 points each.
func TestFindingOverdue(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	var now time.Time
	s.now = func() time.Time { return now }
	now = china(2026, 12, 1, 9, 0)
	f := newFixture(t, s, "hebei")
	record := func(due string) string {
		t.Helper()
		nf := finding(f.audit.ID, cpaudit.CategoryMissingContent, cpaudit.SeverityMinor)
		nf.RectificationDue = due
		got, err := s.CreateFinding(ctx, f.regulator, nf)
		if err != nil {
			t.Fatal(err)
		}
		return got.ID
	}
	due7 := record("2026-12-07")
	due8 := record("2026-12-08")
	answered := record("2026-12-02")
	noDue := record("")
	if _, err := s.AnswerFinding(ctx, f.consultant, answered, cpaudit.FindingChange{Text: "已整改"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want []string
	}{
		// 23:30 on the 7th in Beijing is 15:30 UTC: the due day itself.
		{"the due day's last hour", china(2026, 12, 7, 23, 30), nil},
		// 00:30 on the 8th in Beijing is still the 7th in UTC.
		{"the next day's first hour", china(2026, 12, 8, 0, 30), []string{due7}},
		{"two days after", china(2026, 12, 9, 12, 0), []string{due8, due7}},
	} {
		now = tc.at
		list, total, err := s.Findings(ctx, f.enterprise, cpaudit.FindingFilter{Overdue: true})
		var ids []string
		for _, x := range list {
			ids = append(ids, x.ID)
			if !x.Overdue {
				t.Errorf("%s: %s listed as overdue but not marked", tc.name, x.ID)
			}
		}
		slices.Sort(ids)
		slices.Sort(tc.want)
		if err != nil || total != len(tc.want) || !slices.Equal(ids, tc.want) {
			t.Errorf("%s: overdue %v (%d) %v, want %v", tc.name, ids, total, err, tc.want)
		}
		all, _, _ := s.Findings(ctx, f.admin, cpaudit.FindingFilter{})
		for _, x := range all {
			if x.Overdue != slices.Contains(tc.want, x.ID) {
				t.Errorf("%s: %s marked overdue %v", tc.name, x.ID, x.Overdue)
			}
		}
	}
	// On the 9th: 4 minor findings (-20) and 2 overdue (-20).
	ev, err := s.ConsultancyEvaluation(ctx, f.admin, f.cons.ID, cpaudit.EvalPeriod{Year: 2026})
	if err != nil || ev.Score != 60 || ev.Overdue != 2 || ev.Findings != 4 {
		t.Errorf("evaluation: %+v %v, want 60 with 2 overdue", ev, err)
	}
	one, err := s.Finding(ctx, f.consultant, due7)
	if err != nil || !one.Overdue || one.History == nil {
		t.Errorf("one finding: %+v %v", one, err)
	}
	// Answering ends the overdue.
	if _, err := s.AnswerFinding(ctx, f.consultant, due7, cpaudit.FindingChange{Text: "逾期后整改"}); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.Findings(ctx, f.admin, cpaudit.FindingFilter{Overdue: true}); total != 1 {
		t.Errorf("after answering: %d overdue, want 1", total)
	}
	// The late answer still costs the firm: 4 minor (-20), one still
	// overdue (-10), one answered after its due date (-5).
	ev, err = s.ConsultancyEvaluation(ctx, f.admin, f.cons.ID, cpaudit.EvalPeriod{Year: 2026})
	if err != nil || ev.Score != 65 || ev.Overdue != 1 || ev.Late != 1 {
		t.Errorf("evaluation after a late answer: %+v %v, want 65 with 1 overdue and 1 late", ev, err)
	}
	_ = noDue
}
