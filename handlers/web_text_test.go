package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// extractAll stands in for the pipeline worker: it completes every pending
// extraction job of the tenant with the given text.
func (e *testEnv) extractAll(slug string, t cpaudit.ExtractedText) {
	e.t.Helper()
	ctx := context.Background()
	tn, err := e.store.TenantBySlug(ctx, slug)
	if err != nil {
		e.t.Fatal(err)
	}
	jobs, err := e.store.ClaimTextJobs(ctx, tn.ID, 100, time.Minute, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range jobs {
		if err := e.store.CompleteTextJob(ctx, j, t); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestTextPage(t *testing.T) {
	e, email, token := webWorld(t)
	id := e.apiUpload(token, "report", "审核报告", "报告.txt", []byte("x"))
	b := e.browser()
	b.mustLogin("hebei", email)
	if strings.Contains(b.page("/documents/"+id), `id="view-text"`) {
		t.Error("a pending extraction offers a text link")
	}
	if r := b.get("/documents/" + id + "/text"); r.status != 404 {
		t.Errorf("text before extraction: %d", r.status)
	}
	e.extractAll("hebei", cpaudit.ExtractedText{Status: cpaudit.TextDone,
		Text: "节水量12000吨/年 <script>alert(1)</script>", Meta: map[string]string{"Model": `<img src=x onerror=alert(1)>`}})
	if !strings.Contains(b.page("/documents/"+id), `href="/documents/`+id+`/text"`) {
		t.Error("no link to the extracted text")
	}
	for _, path := range []string{"/documents/" + id + "/text", "/documents/" + id + "/versions/1/text"} {
		body := b.page(path)
		if !strings.Contains(body, "节水量12000吨/年") || !strings.Contains(body, "提取的文本") {
			t.Errorf("%s lacks the text", path)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s renders user content unescaped", path)
		}
	}
	if r := b.get("/documents/" + id + "/versions/2/text"); r.status != 404 {
		t.Errorf("missing version: %d", r.status)
	}
	// Another tenant's browser gets 404.
	other := e.tenant("beijing")
	e.user(other, "li@bj.cn", cpaudit.RoleAdmin, "")
	ob := e.browser()
	ob.mustLogin("beijing", "li@bj.cn")
	if r := ob.get("/documents/" + id + "/text"); r.status != 404 || strings.Contains(r.body, "节水量") {
		t.Errorf("another tenant: %d", r.status)
	}
}
