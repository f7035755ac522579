package handlers_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserRectificationJourney is the journey in headless
// Chromium: a regulator confirms a flag as untrue_evidence and orders a
// rectification due in 10 days; the consultant uploads a new version of
// the evidence and answers with it; the regulator sends it back; the
// consultant answers again; the regulator closes it; the firm's
// evaluation shows the veto, and the ranking puts the firm below a rival
// with a lower score.
func TestBrowserRectificationJourney(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	e := w.e
	ctx := context.Background()
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 设备铭牌照片 serial 0042")
	docID := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"title", "设备铭牌照片"}}, "铭牌.jpg", photo)
	e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "照片.jpg", photo)
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_file")
	if len(fl.Flags) != 1 {
		t.Fatalf("want one duplicate_file flag, got %+v", fl)
	}
	flagID := fl.Flags[0].ID
	// The rival: 蓝天, one major finding (100-20 = 80), no veto.
	rival := e.org(w.sys, cpaudit.OrgConsultancy, "蓝天咨询", "91130100MA0CYYYY2")
	rivalEnt := e.org(w.sys, cpaudit.OrgEnterprise, "保定印染有限公司", "91130600MA0DYYYY1")
	rivalAudit, err := e.store.CreateAudit(ctx, w.sys, rivalEnt.ID, rival.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": rivalAudit.ID, "category": "wrong_calculation",
		"severity": "major", "description": "物料平衡计算错误"}, nil); st != 201 {
		t.Fatalf("rival finding: %d %s", st, raw)
	}
	newPhoto := filepath.Join(t.TempDir(), "现场铭牌.jpg")
	if err := os.WriteFile(newPhoto, []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 现场重新拍摄的铭牌 serial 0042-B"), 0o644); err != nil {
		t.Fatal(err)
	}
	due := time.Now().In(cpaudit.ChinaLocation()).AddDate(0, 0, 10).Format(time.DateOnly)

	runCtx, cancel := context.WithTimeout(ctx, 8*time.Minute) // two browsers on a busy machine
	defer cancel()
	reg := newChromiumCtx(t, runCtx, chromium)
	cons := newChromiumCtx(t, runCtx, chromium)
	reg.login(e.srv.URL, "hebei", "chen@hebei.gov.cn")
	cons.login(e.srv.URL, "hebei", "zhang@lvyuan.cn")

	// 1. The regulator confirms the flag as untrue evidence, due in 10 days.
	reg.do("open the flag", chromedp.Navigate(e.srv.URL+"/flags/"+flagID), chromedp.WaitVisible(chromedp.CSS("#review-form")))
	reg.do("fill the confirmation",
		chromedp.SetValue(chromedp.CSS("#decision"), "confirm"),
		chromedp.SendKeys(chromedp.CSS("#reason"), "两家企业提交了同一张设备铭牌照片，佐证材料不属实。"),
		chromedp.SetValue(chromedp.CSS("#confirm-category"), "untrue_evidence"),
		chromedp.SetValue(chromedp.CSS("#confirm-due"), due),
	)
	reg.shot("rectify-confirm")
	reg.submitted("confirm", "#review-submit", `document.querySelector("#flag-status").textContent === "已确认"`)
	var list struct{ Findings []findingJSON }
	if st := e.getJSON("/api/v1/findings?audit_id="+w.auditID, w.regulator, &list); st != 200 || len(list.Findings) != 1 {
		t.Fatalf("findings of the audit: %d %+v", st, list)
	}
	f := list.Findings[0]
	if f.Category != "untrue_evidence" || f.RectificationDue != due || f.State != "open" {
		t.Fatalf("the finding: %+v, want untrue_evidence due %s", f, due)
	}
	finding := "#finding-" + f.ID
	state := func(want string) string {
		return `document.querySelector("#finding-state-` + f.ID + `").textContent === "` + want + `"`
	}

	// 2. The consultant is notified, uploads a new version of the photo
	// and answers with it.
	cons.do("home", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#unread-count")))
	if got := cons.text("#unread-count"); got != "1" {
		t.Errorf("unread count %q", got)
	}
	cons.do("notifications", chromedp.Click(chromedp.CSS("#nav-notifications")), chromedp.WaitVisible(chromedp.CSS("#notifications")))
	if got := cons.text("#notifications"); !strings.Contains(got, "新的审核问题") || !strings.Contains(got, "佐证材料不属实") || !strings.Contains(got, due) {
		t.Errorf("notification: %q", got)
	}
	cons.do("new version",
		chromedp.Navigate(e.srv.URL+"/documents/"+docID),
		chromedp.WaitEnabled(chromedp.CSS("#version-submit")),
		chromedp.SetUploadFiles(chromedp.CSS("#version-file"), []string{newPhoto}),
		chromedp.Click(chromedp.CSS("#version-submit")),
	)
	// upload.js goes on to the document page: wait across the navigation.
	for deadline := time.Now().Add(20 * time.Second); ; {
		ok, err := chromedp.Run(cons.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && document.querySelectorAll("#versions tbody tr").length === 2`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new version never showed (last error: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cons.shot("rectify-version")
	// The audit page is opened without the #finding- fragment the forms
	// redirect to: a navigation to the same URL and fragment is within the
	// document, and Chromium would never fire the load event it waits for.
	answer := func(text string) {
		t.Helper()
		cons.do("open the finding", chromedp.Navigate(e.srv.URL+"/audits/"+w.auditID), chromedp.WaitVisible(chromedp.CSS("#answer-form-"+f.ID)))
		cons.do("fill the answer",
			chromedp.SendKeys(chromedp.CSS("#answer-text-"+f.ID), text),
			chromedp.SetValue(chromedp.CSS("#answer-docs-"+f.ID), docID),
		)
		cons.submitted("answer", "#answer-"+f.ID, state("已答复"))
	}
	answer("已上传现场重新拍摄的铭牌照片（新版本）。")
	cons.shot("rectify-answered")

	// 3. The regulator sends it back.
	reg.do("open the answered finding", chromedp.Navigate(e.srv.URL+"/audits/"+w.auditID), chromedp.WaitVisible(chromedp.CSS("#return-finding-form-"+f.ID)))
	reg.do("reason", chromedp.SendKeys(chromedp.CSS("#return-finding-reason-"+f.ID), "照片未显示出厂编号，请补拍。"))
	reg.submitted("send back", "#return-finding-"+f.ID, state("待整改"))
	reg.shot("rectify-returned")

	// 4. The consultant answers again.
	answer("已补拍含出厂编号的照片。")

	// 5. The regulator closes it.
	reg.do("open again", chromedp.Navigate(e.srv.URL+"/audits/"+w.auditID), chromedp.WaitVisible(chromedp.CSS("#close-form-"+f.ID)))
	reg.do("comment", chromedp.SendKeys(chromedp.CSS("#close-comment-"+f.ID), "已核实，整改到位。"))
	reg.submitted("close", "#close-"+f.ID, state("已关闭"))
	reg.shot("rectify-closed")
	history := reg.text(finding + " .finding-history")
	for _, want := range []string{"照片未显示出厂编号，请补拍。", "已补拍含出厂编号的照片。", "已核实，整改到位。"} {
		if !strings.Contains(history, want) {
			t.Errorf("the history lacks %q: %q", want, history)
		}
	}

	// 6. The firm's evaluation: 100 - 5 (minor) - 5 (sent back once) = 90,
	// vetoed by the confirmed untrue evidence, the finding named.
	reg.do("evaluation", chromedp.Navigate(e.srv.URL+"/consultancies/"+w.consID+"/evaluation"), chromedp.WaitVisible(chromedp.CSS("#eval-veto")))
	reg.shot("rectify-evaluation")
	if got := reg.text("#eval-score"); got != "90" {
		t.Errorf("score %q, want 90", got)
	}
	if got := reg.text("#eval-result"); got != "不合格" {
		t.Errorf("result %q", got)
	}
	if got := reg.text("#eval-veto"); !strings.Contains(got, "佐证材料不属实") || !strings.Contains(got, "两家企业提交了同一张设备铭牌照片") {
		t.Errorf("the veto names %q", got)
	}
	if got := reg.text("#eval-reopened"); got != "1" {
		t.Errorf("sent back %q", got)
	}

	// 7. The ranking: 蓝天 (80) above 绿源 (90, vetoed).
	reg.do("ranking", chromedp.Click(chromedp.CSS("#nav-evaluations")), chromedp.WaitVisible(chromedp.CSS("#ranking")))
	reg.shot("rectify-ranking")
	rows := reg.text("#ranking tbody")
	i, j := strings.Index(rows, "蓝天咨询"), strings.Index(rows, "绿源环保咨询")
	if i < 0 || j < 0 || i > j {
		t.Errorf("ranking %q: 蓝天 must come before the vetoed 绿源", rows)
	}
	if got := reg.text("#rank-" + w.consID + " td:nth-child(3)"); got != "90" {
		t.Errorf("绿源's score in the ranking %q", got)
	}
	if got := reg.text("#rank-" + rival.ID + " td:nth-child(3)"); got != strconv.Itoa(80) {
		t.Errorf("蓝天's score in the ranking %q", got)
	}
}
