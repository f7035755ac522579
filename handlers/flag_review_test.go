package handlers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

func TestFlagReview(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 设备铭牌照片 serial 0042")
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "铭牌.jpg", photo)
	e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "照片.jpg", photo)
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "泵.jpg", []byte("\xff\xd8\xff\xe0 水泵照片"))
	e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "泵2.jpg", []byte("\xff\xd8\xff\xe0 水泵照片"))
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_file")
	if len(fl.Flags) != 2 {
		t.Fatalf("want 2 flags, got %+v", fl)
	}
	first, second := fl.Flags[0].ID, fl.Flags[1].ID
	review := func(token, id, decision, reason string) (int, string) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"decision": decision, "reason": reason})
		status, body, _ := e.do("POST", "/api/v1/flags/"+id+"/review", token, strings.NewReader(string(b)), "application/json")
		return status, string(body)
	}
	// Who may review, and with what.
	for _, c := range []struct {
		token, id, decision, reason string
		status                      int
	}{
		{w.consultant, first, "dismiss", "我们的照片", 404}, // cannot read the other enterprise's document
		{w.otherAdmin, first, "dismiss", "别的租户", 404},  // another tenant
		{w.regulator, "fnope", "dismiss", "不存在", 404},  //
		{w.regulator, first, "approve", "理由", 400},     // unknown decision
		{w.regulator, first, "dismiss", "  ", 400},     // no reason
		{w.regulator, first, "dismiss", strings.Repeat("长", 4001), 400},
	} {
		if status, body := review(c.token, c.id, c.decision, c.reason); status != c.status {
			t.Errorf("review %s %s: %d %s, want %d", c.id, c.decision, status, body, c.status)
		}
	}
	status, body := review(w.regulator, first, "confirm", "两家企业使用同一张设备铭牌照片，属于弄虚作假。")
	if status != 200 || !strings.Contains(body, `"status":"confirmed"`) || !strings.Contains(body, "同一张设备铭牌照片") {
		t.Fatalf("confirm: %d %s", status, body)
	}
	if status, body := review(w.regulator, first, "dismiss", "改主意"); status != 409 || !strings.Contains(body, "already confirmed") {
		t.Errorf("second review: %d %s", status, body)
	}
	if status, body := review(w.admin, second, "dismiss", "同一厂家提供的标准示意图，不是现场照片。"); status != 200 || !strings.Contains(body, `"status":"dismissed"`) {
		t.Errorf("dismiss: %d %s", status, body)
	}
	// The list shows the reviews; the confirmed flag left a finding on both audits.
	var list struct {
		Flags []cpaudit.Flag `json:"flags"`
	}
	e.getJSON("/api/v1/flags?kind=duplicate_file", w.regulator, &list)
	got := map[string]cpaudit.FlagStatus{}
	for _, f := range list.Flags {
		got[f.ID] = f.Status
		if f.Review == nil || f.Review.Reason == "" || f.Review.ReviewedBy == "" {
			t.Errorf("flag %s has no review: %+v", f.ID, f.Review)
		}
	}
	if got[first] != cpaudit.FlagConfirmed || got[second] != cpaudit.FlagDismissed {
		t.Errorf("statuses %v", got)
	}
	for _, id := range []string{w.auditID, otherAudit} {
		var au cpaudit.Audit
		if e.getJSON("/api/v1/audits/"+id, w.regulator, &au); au.Findings != 1 {
			t.Errorf("audit %s: %d findings, want 1", id, au.Findings)
		}
	}
}

// TestBrowserFlagReview: a regulator opens the flags in headless Chromium,
// sees both documents of a copied paragraph side by side, and dismisses
// the flag with a reason; a consultant of one side sees no flag at all.
func TestBrowserFlagReview(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	para := copied("石家庄化工有限公司", "12000")
	e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}, {"title", "石家庄化工审核报告"}},
		"a.txt", []byte(prose(1, pools[0], 400)+para+prose(2, pools[0], 300)))
	e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}, {"title", "唐山钢铁审核报告"}},
		"b.txt", []byte(prose(3, pools[2], 500)+copied("唐山钢铁有限公司", "13000")+prose(4, pools[2], 200)))
	e.process()
	if fl := e.flags(w.regulator, "?kind=duplicate_text"); len(fl.Flags) != 1 {
		t.Fatalf("want one duplicate_text flag, got %+v", fl)
	}
	b := e.browser()
	b.mustLogin("hebei", "zhang@lvyuan.cn")
	if body := b.page("/flags"); !strings.Contains(body, `id="no-flags"`) {
		t.Error("the consultant sees a flag involving another enterprise's document")
	}

	c := newChromium(t, chromium)
	do, text, shot := c.do, c.text, c.shot
	c.login(e.srv.URL, "hebei", "chen@hebei.gov.cn")
	do("open the flags",
		chromedp.Click(chromedp.CSS(`nav a[href="/flags"]`)),
		chromedp.WaitVisible(chromedp.CSS("#flags")),
	)
	shot("flags")
	if got := text("#flag-total"); got != "共 1 条" {
		t.Errorf("total %q", got)
	}
	do("open the flag", chromedp.Click(chromedp.CSS(".flag-open")), chromedp.WaitVisible(chromedp.CSS("#review-form")))
	shot("flag")
	passages := text(".passage")
	if !strings.Contains(passages, "石家庄化工有限公司") || !strings.Contains(passages, "唐山钢铁有限公司") {
		t.Errorf("the two sides of the passage: %q", passages)
	}
	do("dismiss",
		chromedp.SendKeys(chromedp.CSS("#reason"), "引用的是国家标准原文，不属于抄袭。"),
		chromedp.Click(chromedp.CSS("#review-submit")),
		chromedp.WaitVisible(chromedp.CSS("#flag-review")),
	)
	shot("flag-dismissed")
	if got := text("#flag-status"); got != "已排除" {
		t.Errorf("status %q", got)
	}
	if got := text("#review-reason"); got != "引用的是国家标准原文，不属于抄袭。" {
		t.Errorf("reason %q", got)
	}
}
