package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAuditPageFindingForms: on the audit page a regulator records a
// finding with Chinese pickers and documents chosen by name, the
// consultant answers it with a document, the regulator sends it back and
// then closes it; each party sees only its own forms, and every refusal
// is a translated sentence on the Chinese page.
func TestAuditPageFindingForms(t *testing.T) {
	w := newWorld(t)
	e := w.e
	status, doc := e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"title", "设备铭牌照片"}}, "铭牌.txt", []byte("设备铭牌"))
	if status != 201 {
		t.Fatalf("upload: %d", status)
	}
	docID := doc["id"].(string)
	auditPath := "/audits/" + w.auditID
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")

	page := reg.page(auditPath)
	for _, want := range []string{`id="finding-form"`, `<option value="untrue_evidence">佐证材料不属实</option>`,
		`<option value="major">严重</option>`, `<option value="` + docID + `">设备铭牌照片</option>`, `type="date" name="rectification_due"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the regulator's audit page lacks %q", want)
		}
	}
	if strings.Contains(cons.page(auditPath), `id="finding-form"`) {
		t.Error("the consultant is offered the form to record a finding")
	}
	form := url.Values{"csrf": {reg.csrf()}, "category": {"untrue_evidence"}, "severity": {"major"},
		"description": {"铭牌照片与现场设备不符"}, "document_ids": {docID}, "rectification_due": {"2099-06-30"}}

	// Refusals show the page again with the reason in Chinese.
	for _, tc := range []struct {
		name   string
		change url.Values
		status int
		want   string
	}{
		{"due in the past", url.Values{"rectification_due": {"2001-01-01"}}, 422, "整改期限 2001-01-01 早于今天。"},
		{"no description", url.Values{"description": {" "}}, 422, "请填写“问题描述”。"},
		{"unknown category", url.Values{"category": {"plagiarism"}}, 422, "问题类别“plagiarism”无效"},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for k, v := range tc.change {
			f[k] = v
		}
		r := reg.postForm(auditPath+"/findings", f)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, `id="audit-error"`) {
			t.Errorf("%s: %d, want %d and %q: %.400s", tc.name, r.status, tc.status, tc.want, r.body)
		}
		if strings.Contains(r.body, "is before today") || strings.Contains(r.body, "is required") {
			t.Errorf("%s: an English sentence on the Chinese page", tc.name)
		}
	}
	r := cons.postForm(auditPath+"/findings", withValues(form, "csrf", cons.csrf()))
	if r.status != http.StatusConflict || !strings.Contains(r.body, "只有管理员、监管人员或专家可以记录问题。") {
		t.Errorf("the consultant records a finding: %d %.300s", r.status, r.body)
	}

	r = reg.postForm(auditPath+"/findings", form)
	m := regexp.MustCompile(`#finding-(\S+)$`).FindStringSubmatch(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || m == nil {
		t.Fatalf("record: %d %q", r.status, r.header.Get("Location"))
	}
	id := m[1]
	answerPath, closePath, returnPath := "/findings/"+id+"/answer", "/findings/"+id+"/close", "/findings/"+id+"/return"
	has := func(b *browser, ids ...string) map[string]bool {
		page := b.page(auditPath)
		out := map[string]bool{}
		for _, x := range ids {
			out[x] = strings.Contains(page, `id="`+x+`-`+id+`"`)
		}
		return out
	}
	if got := has(cons, "answer-form", "close-form", "return-finding-form"); !got["answer-form"] || got["close-form"] || got["return-finding-form"] {
		t.Errorf("the consultant's forms on an open finding: %v", got)
	}
	if got := has(reg, "answer-form", "close-form", "return-finding-form"); got["answer-form"] || !got["close-form"] || got["return-finding-form"] {
		t.Errorf("the regulator's forms on an open finding: %v", got)
	}

	// Refused transitions, in Chinese.
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"the regulator answers", reg, answerPath, url.Values{"text": {"代为答复"}}, 409, "只有该审核的咨询机构或企业可以答复问题。"},
		{"the consultant closes", cons, closePath, url.Values{}, 409, "只有监管人员或管理员可以关闭或退回问题。"},
		{"an open finding sent back", reg, returnPath, url.Values{"reason": {"未答复"}}, 409, "只有已答复的问题才能退回。"},
		{"an empty answer", cons, answerPath, url.Values{"text": {""}}, 422, "请填写“整改说明”。"},
	} {
		r := tc.b.postForm(tc.path, withValues(tc.form, "csrf", tc.b.csrf()))
		if r.status != tc.status || !strings.Contains(r.body, tc.want) || !strings.Contains(r.body, "问题处理未完成：") {
			t.Errorf("%s: %d, want %d %q: %.400s", tc.name, r.status, tc.status, tc.want, r.body)
		}
	}

	step := func(b *browser, path string, form url.Values) {
		t.Helper()
		r := b.postForm(path, withValues(form, "csrf", b.csrf()))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != auditPath+"#finding-"+id {
			t.Fatalf("POST %s: %d %q %.400s", path, r.status, r.header.Get("Location"), r.body)
		}
	}
	step(cons, answerPath, url.Values{"text": {"已更换为现场拍摄的铭牌照片"}, "document_ids": {docID}})
	if got := has(reg, "close-form", "return-finding-form"); !got["close-form"] || !got["return-finding-form"] {
		t.Errorf("the regulator's forms on an answered finding: %v", got)
	}
	r = cons.postForm(answerPath, url.Values{"csrf": {cons.csrf()}, "text": {"再次答复"}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "该问题已答复，正等待监管部门核实。") {
		t.Errorf("answer twice: %d %.300s", r.status, r.body)
	}
	step(reg, returnPath, url.Values{"reason": {"照片无拍摄时间"}})
	step(cons, answerPath, url.Values{"text": {"补充带时间水印的照片"}})
	step(reg, closePath, url.Values{"comment": {"核实通过"}})
	page = cons.page(auditPath)
	for _, want := range []string{`id="finding-state-` + id + `">已关闭<`, "整改答复", "退回整改", "核实关闭",
		"已更换为现场拍摄的铭牌照片", "照片无拍摄时间", "补充带时间水印的照片", "核实通过"} {
		if !strings.Contains(page, want) {
			t.Errorf("the closed finding's page lacks %q", want)
		}
	}
	if got := has(cons, "answer-form"); got["answer-form"] {
		t.Error("a closed finding offers an answer")
	}
	r = reg.postForm(closePath, url.Values{"csrf": {reg.csrf()}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "该问题已关闭，不能再更改。") {
		t.Errorf("close twice: %d %.300s", r.status, r.body)
	}
	// Without the session's token: refused before anything.
	if r := cons.postForm(answerPath, url.Values{"csrf": {"伪造"}, "text": {"伪造"}}); r.status != http.StatusBadRequest {
		t.Errorf("a forged answer: %d", r.status)
	}
}
