package handlers_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

type opinionJSON struct {
	Result           string
	Mean             float64
	Document         letterDoc
	Milestone        *struct{ Obligation, Result, Note string }
	MilestoneRefused *struct{ Code string } `json:"milestone_refused"`
}

// reviewedCampaign is a campaign of stage with two reviewers of its one
// audit; score submits the reviews, each the points of the four items.
func reviewedCampaign(t *testing.T, rw reviewWorld, stage string) (cid string, score func(...[4]float64)) {
	cid = rw.campaign(t, stage)
	var drawn struct{ Assignments []assignmentJSON }
	if status, raw := rw.e.postJSON("/api/v1/campaigns/"+cid+"/assignments", rw.admin, map[string]any{"per_audit": 2, "seed": 7}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	tokenOf := map[string]string{}
	for name, id := range rw.ids {
		tokenOf[id] = rw.tokens[name]
	}
	comments := []string{"报告数据与台账基本一致。", "物料平衡分析不够深入。"}
	return cid, func(pts ...[4]float64) {
		for i, p := range pts {
			a := drawn.Assignments[i]
			body := map[string]any{"items": []map[string]any{{"item": "data_truthfulness", "points": p[0]},
				{"item": "process_conformity", "points": p[1]}, {"item": "option_soundness", "points": p[2]},
				{"item": "targets_met", "points": p[3]}}, "vetoes": []string{}, "comment": comments[i]}
			if status, raw := rw.e.postJSON("/api/v1/assignments/"+a.ID+"/review", tokenOf[a.ExpertID], body, nil); status != 201 {
				t.Fatalf("review %d: %d %s", i, status, raw)
			}
		}
	}
}

// TestOpinionRights: who may issue an opinion, and not before every
// reviewer has submitted.
func TestOpinionRights(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	cid, score := reviewedCampaign(t, rw, "assessment")
	path := "/api/v1/campaigns/" + cid + "/audits/" + rw.auditID + "/opinion"
	status, raw := e.postJSON(path, rw.regulator, nil, nil)
	if status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeOpinionReviewsPending) {
		t.Errorf("before the reviews: %d %s", status, raw)
	}
	score([4]float64{28, 22, 20, 10})
	status, raw = e.postJSON(path, rw.regulator, nil, nil)
	if status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeOpinionReviewsPending) {
		t.Errorf("with one of two reviews: %d %s", status, raw)
	}
	for _, tt := range []struct {
		who   string
		token string
		want  int
	}{
		{"expert", rw.tokens["备用专家"], 409},
		{"consultant", rw.consultant, 404},
		{"enterprise", rw.ent, 404},
		{"another tenant's admin", rw.otherAdmin, 404},
	} {
		if status, raw := e.postJSON(path, tt.token, nil, nil); status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.who, status, raw, tt.want)
		}
	}
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/audits/a-nosuch/opinion", rw.regulator, nil, nil); status != 404 {
		t.Errorf("an audit not in the sample: %d %s", status, raw)
	}
	if status, raw := e.postJSON(path, rw.regulator, map[string]any{"conditions": strings.Repeat("改", 2001)}, nil); status != 400 {
		t.Errorf("conditions too long: %d %s", status, raw)
	}
}

// TestOpinionDocx issues an assessment opinion, finds it among the
// audit's documents for the enterprise and the consultancy, and reads the
// .docx back through LibreOffice (converted headless to text): the
// names, the scores and the result in Chinese.
func TestOpinionDocx(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	cid, score := reviewedCampaign(t, rw, "assessment")
	score([4]float64{28, 22, 20, 10}, [4]float64{20, 15, 15, 10}) // 80 and 60: mean 70, the pass mark
	path := "/api/v1/campaigns/" + cid + "/audits/" + rw.auditID + "/opinion"
	var op opinionJSON
	if status, raw := e.postJSON(path, rw.regulator, map[string]any{"conditions": "补充完善物料平衡数据"}, &op); status != 201 {
		t.Fatalf("opinion: %d %s", status, raw)
	}
	if op.Result != "pass_with_conditions" || op.Mean != 70 || op.Document.Title != "清洁生产审核技术审查意见" ||
		op.Document.AuditID != rw.auditID || op.Document.Version != 1 {
		t.Errorf("opinion: %+v", op)
	}
	// The audit's assessment gate is not open: no milestone, and why.
	if op.Milestone != nil || op.MilestoneRefused == nil || op.MilestoneRefused.Code != string(cpaudit.CodeMilestoneGateClosed) {
		t.Errorf("milestone: %+v %+v", op.Milestone, op.MilestoneRefused)
	}
	for _, tok := range []string{rw.ent, rw.consultant} {
		if status := e.getJSON("/api/v1/documents/"+op.Document.ID, tok, nil); status != 200 {
			t.Errorf("the audit's party reads the opinion: %d", status)
		}
	}
	if status := e.getJSON("/api/v1/documents/"+op.Document.ID, rw.otherAdmin, nil); status != 404 {
		t.Errorf("another tenant reads the opinion: %d", status)
	}
	var again opinionJSON
	if status, raw := e.postJSON(path, rw.admin, nil, &again); status != 201 || again.Result != "pass" ||
		again.Document.ID != op.Document.ID || again.Document.Version != 2 {
		t.Errorf("issued again: %d %s", status, raw)
	}

	status, docx, _ := e.do("GET", "/api/v1/documents/"+op.Document.ID+"/versions/1/content", rw.ent, nil, "")
	if status != 200 {
		t.Fatalf("content: %d", status)
	}
	text := sofficeText(t, docx)
	for _, want := range []string{"清洁生产审核技术审查意见", "石家庄化工有限公司", "绿源环保咨询", "2026年评估抽查",
		"平均分70分", "合格分70分", "数据真实性", "24.00", "28、20", "专家1", "80", "60", "报告数据与台账基本一致。",
		"物料平衡分析不够深入。", "审查结论：通过（有条件）", "整改要求：补充完善物料平衡数据", "否决事项"} {
		if !strings.Contains(text, want) {
			t.Errorf("the opinion lacks %q:\n%s", want, text)
		}
	}
}

// sofficeText converts a .docx to plain text with LibreOffice headless
// and answers it without white space.
func sofficeText(t *testing.T, docx []byte) string {
	t.Helper()
	bin := testenv.Soffice(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "opinion.docx"), docx, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", filepath.Join(dir, "out"), filepath.Join(dir, "opinion.docx"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "out", "opinion.txt"))
	if err != nil {
		t.Fatalf("LibreOffice made no text: %v", err)
	}
	return strings.Join(strings.Fields(string(txt)), "")
}

// TestOpinionMilestone: with the audit's assessment gate open, a failed
// assessment opinion records assessment_done failed; a later passing
// opinion of another campaign records it passed, and a third finds it
// met and says so.
func TestOpinionMilestone(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	for n := 1; n <= cpaudit.AssessmentLastStep; n++ {
		for _, step := range []struct{ token, action string }{{rw.consultant, "submit"}, {rw.regulator, "accept"}} {
			path := "/api/v1/audits/" + rw.auditID + "/steps/" + strconv.Itoa(n) + "/" + step.action
			if status, raw := e.postJSON(path, step.token, map[string]any{}, nil); status != 200 {
				t.Fatalf("%s: %d %s", path, status, raw)
			}
		}
	}
	issue := func(pts ...[4]float64) opinionJSON {
		t.Helper()
		cid, score := reviewedCampaign(t, rw, "assessment")
		score(pts...)
		var op opinionJSON
		if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/audits/"+rw.auditID+"/opinion", rw.regulator, nil, &op); status != 201 {
			t.Fatalf("opinion: %d %s", status, raw)
		}
		return op
	}
	op := issue([4]float64{20, 15, 15, 10}, [4]float64{20, 15, 15, 10}) // 60: below the pass mark
	if op.Result != "fail" || op.Milestone == nil || op.Milestone.Obligation != "assessment_done" || op.Milestone.Result != "fail" {
		t.Errorf("failed opinion: %+v %+v", op, op.Milestone)
	}
	op = issue([4]float64{28, 22, 20, 10}, [4]float64{28, 22, 20, 10})
	if op.Result != "pass" || op.Milestone == nil || op.Milestone.Result != "pass" {
		t.Errorf("passing opinion: %+v %+v", op, op.Milestone)
	}
	op = issue([4]float64{28, 22, 20, 10}, [4]float64{28, 22, 20, 10})
	if op.Milestone != nil || op.MilestoneRefused == nil || op.MilestoneRefused.Code != string(cpaudit.CodeMilestoneDone) {
		t.Errorf("third opinion: %+v %+v", op.Milestone, op.MilestoneRefused)
	}
	var dl struct {
		Milestones []struct{ Obligation, Result string }
	}
	if status := e.getJSON("/api/v1/audits/"+rw.auditID+"/deadlines", rw.ent, &dl); status != 200 || len(dl.Milestones) != 2 ||
		dl.Milestones[1].Obligation != "assessment_done" || dl.Milestones[1].Result != "pass" {
		t.Errorf("the audit's milestones: %d %+v", status, dl)
	}
}
