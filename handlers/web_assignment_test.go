package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAssignmentPage: an expert's review workspace. The assigned expert
// sees the audit and the checklist form in Chinese, scores it (a bad
// score is shown again with why), and only then sees the other
// reviewer's score; another expert gets 404.
func TestAssignmentPage(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	cid := rw.campaign(t, "assessment")
	var drawn struct{ Assignments []assignmentJSON }
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/assignments", rw.admin, map[string]any{"per_audit": 2, "seed": 7}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	emailOf := map[string]string{}
	for i, name := range []string{"化工专家", "纺织专家", "咨询专家", "回避专家", "备用专家"} {
		emailOf[rw.ids[name]] = string(rune('a'+i)) + "@experts.hebei.cn"
	}
	a1, a2 := drawn.Assignments[0], drawn.Assignments[1]
	login := func(email string) *browser {
		b := e.browser()
		b.mustLogin("hebei", email)
		return b
	}
	first, second := login(emailOf[a1.ExpertID]), login(emailOf[a2.ExpertID])
	path := "/assignments/" + a1.ID
	page := first.page(path)
	for _, want := range []string{"评审任务", "石家庄化工有限公司", "绿源环保咨询", "数据真实性", "数据弄虚作假", "提交评分", `name="csrf"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the workspace lacks %q", want)
		}
	}
	if strings.Contains(page, `id="others"`) {
		t.Error("the others' scores are shown before the expert's own")
	}
	if r := second.get(path); r.status != http.StatusNotFound {
		t.Errorf("another expert reads the assignment: %d", r.status)
	}
	token := formCSRF.FindStringSubmatch(page)[1]
	form := func(pts [4]string, comment string) url.Values {
		return url.Values{"csrf": {token}, "points.data_truthfulness": {pts[0]}, "points.process_conformity": {pts[1]},
			"points.option_soundness": {pts[2]}, "points.targets_met": {pts[3]}, "comment": {comment}}
	}
	r := first.postForm(path+"/review", form([4]string{"31", "20", "20", "15"}, "数据基本可信"))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="review-error"`) || !strings.Contains(r.body, `value="31"`) ||
		!strings.Contains(r.body, "数据基本可信") {
		t.Errorf("points out of range: %d %.600s", r.status, r.body)
	}
	if r := first.postForm(path+"/review", url.Values{"points.data_truthfulness": {"20"}}); r.status != http.StatusBadRequest {
		t.Errorf("without the form token: %d", r.status)
	}
	if r := first.postForm(path+"/review", form([4]string{"28", "22", "20", "10"}, "数据基本可信")); r.status != http.StatusSeeOther {
		t.Fatalf("review: %d %.600s", r.status, r.body)
	}
	page = first.page(path)
	if !strings.Contains(page, `id="own-score">80<`) || !strings.Contains(page, "其他专家尚未提交") || strings.Contains(page, `id="review-form"`) {
		t.Errorf("after submitting: %.2000s", page)
	}
	tok2 := formCSRF.FindStringSubmatch(second.page("/assignments/" + a2.ID))[1]
	if r := second.postForm("/assignments/"+a2.ID+"/review", url.Values{"csrf": {tok2}, "points.data_truthfulness": {"20"},
		"points.process_conformity": {"15"}, "points.option_soundness": {"15"}, "points.targets_met": {"10"}, "veto": {"plagiarised_report"}}); r.status != http.StatusSeeOther {
		t.Fatalf("second review: %d %.600s", r.status, r.body)
	}
	page = first.page(path)
	if !strings.Contains(page, `class="other-score">60<`) {
		t.Errorf("the other's score after both: %.3000s", page)
	}
	if r := first.postForm(path+"/review", form([4]string{"28", "22", "20", "10"}, "")); r.status != http.StatusConflict {
		t.Errorf("a second submission: %d", r.status)
	}
}
