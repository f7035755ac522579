package handlers_test

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// selectHTML is the HTML of the <select> with that id, or "".
func selectHTML(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</select>"); j >= 0 {
		return rest[:j]
	}
	return ""
}

// TestWebUploadAuditPicker checks the upload form offers, by enterprise
// name, exactly the audits its user may upload to: a consultant never sees
// another firm's audits, a regulator only those of its region.
func TestWebUploadAuditPicker(t *testing.T) {
	w := newHomeWorld(t)
	for _, tc := range []struct {
		email       string
		sees, never []string // enterprise names
	}{
		{"zhang@lvyuan.cn", []string{sjzName}, []string{tsName}},
		{"zhao@lantian.cn", []string{tsName}, []string{sjzName}},
		{"wang@sjz.gov.cn", []string{sjzName}, []string{tsName}},
		{"qian@sjzchem.cn", []string{sjzName}, []string{tsName}},
		{"admin@hebei.gov.cn", []string{sjzName, tsName}, nil},
		{"sun@expert.cn", nil, []string{sjzName, tsName}},
	} {
		t.Run(tc.email, func(t *testing.T) {
			b := w.e.browser()
			b.mustLogin("hebei", tc.email)
			picker := selectHTML(b.page("/upload"), "audit_id")
			if !strings.Contains(picker, `<select name="audit_id"`) && !strings.Contains(picker, `id="audit_id">`) {
				t.Fatalf("no audit picker on the upload page:\n%s", picker)
			}
			ids := map[string]string{sjzName: w.sjzAudit, tsName: w.tsAudit}
			for _, n := range tc.sees {
				if !strings.Contains(picker, `<option value="`+ids[n]+`">`+n+" — 未编入批次</option>") {
					t.Errorf("picker lacks %s:\n%s", n, picker)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(picker, n) || strings.Contains(picker, ids[n]) {
					t.Errorf("picker offers %s:\n%s", n, picker)
				}
			}
		})
	}
}

// TestWebUploadPreselected checks a link from an audit's step fills in the
// audit and the step and leads back to the step, and that an audit of
// another firm in the address is not named.
func TestWebUploadPreselected(t *testing.T) {
	w := newHomeWorld(t)
	b := w.e.browser()
	b.mustLogin("hebei", "zhang@lvyuan.cn")
	for _, q := range []string{"audit_id=", "audit="} {
		page := b.page("/upload?" + q + w.sjzAudit + "&step=5&kind=evidence")
		for _, want := range []string{
			`<option value="` + w.sjzAudit + `" selected>` + sjzName,
			`<option value="5" selected>5 `,
			`<option value="evidence" selected>`,
			`id="upload-back" href="/audits/` + w.sjzAudit + `#step-5">返回审核步骤</a>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: upload page lacks %q", q, want)
			}
		}
	}
	if page := b.page("/upload?audit_id=" + w.tsAudit); strings.Contains(page, tsName) {
		t.Error("the upload page names another firm's audit given in the address")
	}
	if en := b.page("/upload?lang=en&audit_id=" + w.sjzAudit); !strings.Contains(en, sjzName+" — no batch") || !strings.Contains(en, "Back to the audit step") {
		t.Error("English upload page lacks the picker's labels")
	}
}

// TestWebDocumentNames checks the document page names the enterprise and
// the audit and links them, instead of showing the audit's id.
func TestWebDocumentNames(t *testing.T) {
	w := newHomeWorld(t)
	b := w.e.browser()
	b.mustLogin("hebei", "zhang@lvyuan.cn")
	r := b.postUpload("/upload", b.csrf(), [][2]string{{"kind", "evidence"}, {"audit_id", w.sjzAudit}, {"step", "5"}, {"title", "物料平衡台账"}},
		"台账.txt", []byte("物料平衡台账 2025年"))
	var doc struct{ ID string }
	if r.status != 201 || json.Unmarshal([]byte(r.body), &doc) != nil || doc.ID == "" {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	for _, email := range []string{"zhang@lvyuan.cn", "wang@sjz.gov.cn", "admin@hebei.gov.cn"} {
		reader := w.e.browser()
		reader.mustLogin("hebei", email)
		page := reader.page("/documents/" + doc.ID)
		for _, want := range []string{
			`id="doc-enterprise"><a href="/enterprises?q=` + url.QueryEscape(sjzName) + `">` + sjzName + `</a>`,
			`id="doc-audit"><a href="/audits/` + w.sjzAudit + `">` + sjzName + ` 的清洁生产审核</a>`,
			`<a href="/audits/` + w.sjzAudit + `#step-5">5 `,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: document page lacks %q", email, want)
			}
		}
		if strings.Contains(page, "<code>"+w.sjzAudit+"</code>") {
			t.Errorf("%s: document page still shows the audit's id", email)
		}
	}
	// Without an audit: no names, no links.
	r = b.postUpload("/upload", b.csrf(), [][2]string{{"kind", "other"}, {"title", "会议纪要"}}, "纪要.txt", []byte("会议纪要"))
	if r.status != 201 || json.Unmarshal([]byte(r.body), &doc) != nil {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if page := b.page("/documents/" + doc.ID); strings.Contains(page, `id="doc-enterprise"`) || !strings.Contains(page, `id="doc-audit"><span class="muted">无</span>`) {
		t.Error("a document of no audit shows an audit")
	}
}

// TestWebFilterPickers checks the document list and the search page offer
// audits and enterprises by name, only those the user may read, under the
// same query parameters as before (so old links still select them).
func TestWebFilterPickers(t *testing.T) {
	w := newHomeWorld(t)
	b := w.e.browser()
	b.mustLogin("hebei", "wang@sjz.gov.cn") // Shijiazhuang: sees sjz, not Tangshan

	docs := b.page("/documents?audit_id=" + w.sjzAudit)
	picker := selectHTML(docs, "filter-audit")
	if !strings.Contains(picker, `<option value="`+w.sjzAudit+`" selected>`+sjzName) || strings.Contains(picker, tsName) {
		t.Errorf("document filter picker:\n%s", picker)
	}
	if !strings.Contains(docs, `<select name="audit_id" id="filter-audit">`) {
		t.Error("the document filter keeps its audit_id parameter")
	}

	search := b.page("/search?q=" + url.QueryEscape("台账") + "&audit_id=" + w.sjzAudit)
	audits, ents := selectHTML(search, "search-audit"), selectHTML(search, "search-enterprise")
	if !strings.Contains(audits, `<option value="`+w.sjzAudit+`" selected>`+sjzName) || strings.Contains(audits, tsName) {
		t.Errorf("search audit picker:\n%s", audits)
	}
	entID := regexp.MustCompile(`<option value="([^"]+)">` + sjzName + `</option>`).FindStringSubmatch(ents)
	if entID == nil || strings.Contains(ents, tsName) {
		t.Fatalf("search enterprise picker:\n%s", ents)
	}
	if !strings.Contains(search, `<select name="enterprise_id" id="search-enterprise">`) {
		t.Error("the search filter keeps its enterprise_id parameter")
	}
	again := selectHTML(b.page("/search?q="+url.QueryEscape("台账")+"&enterprise_id="+entID[1]), "search-enterprise")
	if !strings.Contains(again, `<option value="`+entID[1]+`" selected>`+sjzName) {
		t.Errorf("the enterprise in the address is not selected:\n%s", again)
	}

	// A value from elsewhere is kept, escaped, even when not offered.
	hostile := `"><script>x</script>`
	odd := b.page("/documents?audit_id=" + url.QueryEscape(hostile))
	if strings.Contains(odd, "<script>x") || !strings.Contains(selectHTML(odd, "filter-audit"), html.EscapeString(hostile)) {
		t.Error("an unknown audit in the address is not kept escaped")
	}
}
