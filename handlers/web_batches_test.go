package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var formCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken reads the CSRF token of a page's forms.
func (b *browser) formToken(path string) string {
	b.t.Helper()
	m := formCSRF.FindStringSubmatch(b.page(path))
	if m == nil {
		b.t.Fatalf("%s has no form token", path)
	}
	return m[1]
}

// post sends a form with the session's token and expects status.
func (b *browser) post(path string, form url.Values, status int) response {
	b.t.Helper()
	form = withValues(form, "csrf", b.formToken("/batches"))
	r := b.postForm(path, form)
	if r.status != status {
		b.t.Fatalf("POST %s: %d, want %d: %.600s", path, r.status, status, r.body)
	}
	return r
}

func (w *stepWorld) as(t *testing.T, email string) *browser {
	b := w.e.browser()
	b.mustLogin("hebei", email)
	return b
}

var batchForm = url.Values{"name": {"2025年第一批"}, "year": {"2025"}, "number": {"1"}, "reasons": {"double_exceed", "key_task"},
	"industries": {"C2710"}, "register": {"2025-03-01"}, "disclose": {"2025-03-31"}, "acceptance_done": {"2026-02-28"}}

func withValues(base url.Values, kv ...string) url.Values {
	v := url.Values{}
	for k, vs := range base {
		v[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// createBatchWeb creates a batch through the form and returns its path.
func createBatchWeb(t *testing.T, b *browser, form url.Values) string {
	r := b.post("/batches", form, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/batches/b") {
		t.Fatalf("create batch went to %q", loc)
	}
	return loc
}

func TestBatchPagesForms(t *testing.T) {
	w := newStepWorld(t)
	reg := w.as(t, "chen@hebei.gov.cn")
	path := createBatchWeb(t, reg, withValues(batchForm, "name", `<script>alert(1)</script>第一批`))
	for _, p := range []string{"/batches", path} {
		body := reg.page(p)
		if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;第一批") {
			t.Errorf("%s: the batch name is not escaped", p)
		}
		if !strings.Contains(body, "审核批次") || !strings.Contains(body, "双超、重点任务") {
			t.Errorf("%s lacks the nav link or the reasons", p)
		}
	}
	if body := reg.page(path); !strings.Contains(body, `value="2025-03-31"`) || !strings.Contains(body, "/audits?batch_id=") {
		t.Errorf("batch page lacks the dates form or the audits link")
	}

	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"no name", withValues(batchForm, "name", " ", "number", "2"), "请填写批次名称"},
		{"bad year", withValues(batchForm, "year", "二〇二五", "number", "2"), "年份须为 2000 至 2100 之间的整数"},
		{"bad number", withValues(batchForm, "number", "0"), "批次编号须为 1 至 1000"},
		{"bad industry", withValues(batchForm, "industries", "化工", "number", "2"), "行业代码“化工”"},
		{"bad date", withValues(batchForm, "disclose", "2025/03/31", "number", "2"), "“信息公开”的日期格式"},
		{"dates backwards", withValues(batchForm, "disclose", "2025-02-01", "number", "2"), "各时间节点须按先后顺序排列"},
		{"taken", batchForm, "该年份和编号的批次已存在"},
	}
	for _, tt := range tests {
		r := reg.post("/batches", tt.form, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, tt.want) || !strings.Contains(r.body, `id="batch-error"`) {
			t.Errorf("%s: the form does not say %q", tt.name, tt.want)
		}
	}
	// The form keeps what was typed.
	if r := reg.post("/batches", withValues(batchForm, "number", "3", "disclose", "2025-02-01"), 422); !strings.Contains(r.body, `value="2025-02-01"`) ||
		!strings.Contains(r.body, `value="key_task" checked`) {
		t.Errorf("the form lost its values")
	}

	// Editing the dates: errors in Chinese, then saved.
	r := reg.post(path, url.Values{"register": {"2025-03-01"}, "disclose": {"2025-02-01"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "各时间节点须按先后顺序排列") || !strings.Contains(r.body, `id="date-error"`) {
		t.Errorf("dates form: no error shown")
	}
	reg.post(path, url.Values{"register": {"2025-03-01"}, "disclose": {"2025-04-15"}, "acceptance_done": {"2026-02-28"}}, http.StatusSeeOther)
	if body := reg.page(path); !strings.Contains(body, `value="2025-04-15"`) {
		t.Errorf("the new date is not shown")
	}

	// Others read batches but get no forms, and may not post them.
	cons := w.as(t, "zhang@lvyuan.cn")
	body := cons.page(path)
	if strings.Contains(body, `id="dates-form"`) || strings.Contains(body, `id="start-audit"`) || !strings.Contains(body, "2025-04-15") {
		t.Errorf("a consultant sees the forms or not the dates")
	}
	if body := cons.page("/batches"); strings.Contains(body, `id="batch-form"`) {
		t.Errorf("a consultant sees the create form")
	}
	cons.post("/batches", withValues(batchForm, "number", "9"), http.StatusConflict)
	cons.post(path, url.Values{"disclose": {"2025-05-01"}}, http.StatusConflict)
	cons.post(path+"/audits", url.Values{"enterprise_id": {w.entID}}, http.StatusConflict)

	// Without the token nothing changes.
	if r := reg.postForm("/batches", withValues(batchForm, "number", "5")); r.status != http.StatusBadRequest {
		t.Errorf("no CSRF token: %d", r.status)
	}
	// Another tenant's batch is not found.
	other := w.e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if r := other.get(path); r.status != http.StatusNotFound {
		t.Errorf("another tenant's batch: %d", r.status)
	}
}

// startAuditWeb starts an audit in a batch through the form; it returns
// the audit page's path.
func startAuditWeb(t *testing.T, b *browser, batchPath string, form url.Values) string {
	r := b.post(batchPath+"/audits", form, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/audits/a") {
		t.Fatalf("start audit went to %q", loc)
	}
	return loc
}

func TestAuditPageWorkflow(t *testing.T) {
	w := newStepWorld(t)
	reg := w.as(t, "chen@hebei.gov.cn")
	batchPath := createBatchWeb(t, reg, batchForm)
	if r := reg.post(batchPath+"/audits", url.Values{"enterprise_id": {""}}, 422); !strings.Contains(r.body, "请选择要审核的企业") {
		t.Errorf("starting without an enterprise: no error")
	}
	body := reg.page(batchPath)
	if !strings.Contains(body, w.entID) || !strings.Contains(body, w.consID) {
		t.Fatalf("the start form does not offer the enterprise and consultancy")
	}
	audit := startAuditWeb(t, reg, batchPath, url.Values{"enterprise_id": {w.entID}, "consultancy_id": {w.consID}})
	body = reg.page(audit)
	for _, want := range []string{"石家庄化工有限公司", "绿源环保咨询", "2025年第一批", "P1 ", "P7 ", "未开始", "评估：未开启", "验收：未开启", "生成告知书", "2025-03-31"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="step step-`); n != 35 {
		t.Errorf("%d steps shown, want 35", n)
	}

	cons := w.as(t, "zhang@lvyuan.cn")
	state := func(b *browser, n string) string {
		m := regexp.MustCompile(`id="state-` + n + `">([^<]*)<`).FindStringSubmatch(b.page(audit))
		if m == nil {
			t.Fatalf("no state of step %s", n)
		}
		return m[1]
	}
	if strings.Contains(cons.page(audit), `id="accept-1"`) || !strings.Contains(cons.page(audit), `id="submit-1"`) {
		t.Errorf("the consultant gets review buttons or no submit button")
	}
	cons.post(audit+"/steps/1/submit", url.Values{}, http.StatusSeeOther)
	if s := state(reg, "1"); s != "已提交" {
		t.Errorf("after submit: %q", s)
	}
	if r := cons.post(audit+"/steps/1/submit", url.Values{}, http.StatusConflict); !strings.Contains(r.body, "第 1 步操作未完成：该步骤已提交或已通过") {
		t.Errorf("a second submit does not say why it was refused")
	}
	if r := cons.post(audit+"/steps/1/accept", url.Values{}, http.StatusConflict); !strings.Contains(r.body, "只有监管人员或评审专家可以审核步骤") {
		t.Errorf("a consultant accepting: no reason shown")
	}
	if r := reg.post(audit+"/steps/1/return", url.Values{"reason": {"  "}}, http.StatusBadRequest); !strings.Contains(r.body, "退回步骤必须填写原因") {
		t.Errorf("a return without reason: no error")
	}
	reg.post(audit+"/steps/1/return", url.Values{"reason": {"<script>x</script>请补充领导承诺书"}}, http.StatusSeeOther)
	body = cons.page(audit)
	if s := state(cons, "1"); s != "已退回" {
		t.Errorf("after return: %q", s)
	}
	if strings.Contains(body, "<script>x") || !strings.Contains(body, "退回原因：&lt;script&gt;x&lt;/script&gt;请补充领导承诺书") || !strings.Contains(body, "chen@hebei.gov.cn") {
		t.Errorf("the return reason is not shown escaped with who returned it")
	}
	cons.post(audit+"/steps/1/submit", url.Values{}, http.StatusSeeOther)
	reg.post(audit+"/steps/1/accept", url.Values{}, http.StatusSeeOther)
	if s := state(cons, "1"); s != "已通过" {
		t.Errorf("after accept: %q", s)
	}
	if r := cons.post(audit+"/steps/30/submit", url.Values{}, http.StatusConflict); !strings.Contains(r.body, "评估开启") {
		t.Errorf("submitting a P6 step early: no reason shown")
	}
	if r := reg.get(audit + "/steps/99/accept"); r.status != http.StatusMethodNotAllowed && r.status != http.StatusNotFound {
		t.Errorf("GET of an action: %d", r.status)
	}
	reg.post(audit+"/steps/99/accept", url.Values{}, http.StatusNotFound)
	reg.post(audit+"/steps/1/approve", url.Values{}, http.StatusNotFound)

	// Consultancy: the regulator changes it; the consultant may not.
	if r := cons.post(audit+"/consultancy", url.Values{"consultancy_id": {""}}, http.StatusConflict); !strings.Contains(r.body, "只有管理员或监管人员可以指定咨询机构") {
		t.Errorf("consultant assigning: no reason")
	}
	reg.post(audit+"/consultancy", url.Values{"consultancy_id": {""}}, http.StatusSeeOther)
	if body := reg.page(audit); !strings.Contains(body, `id="audit-consultancy">自行审核`) {
		t.Errorf("the audit did not become a self-audit")
	}
	reg.post(audit+"/consultancy", url.Values{"consultancy_id": {w.consID}}, http.StatusSeeOther)

	// The letter: generated by the regulator, read by the consultant.
	if r := cons.post(audit+"/letter", url.Values{}, http.StatusConflict); !strings.Contains(r.body, "只有管理员或监管人员可以生成告知书") {
		t.Errorf("consultant generating: no reason")
	}
	reg.post(audit+"/letter", url.Values{}, http.StatusSeeOther)
	body = cons.page(audit)
	if !strings.Contains(body, `id="letter-download"`) || !strings.Contains(body, `id="letter-text"`) || !strings.Contains(body, "版本 1") {
		t.Errorf("the letter section does not offer the letter")
	}
	if strings.Contains(body, `id="letter-generate"`) {
		t.Errorf("the consultant gets the generate button")
	}

	// Other tenants, and pages without a session.
	other := w.e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if r := other.get(audit); r.status != http.StatusNotFound {
		t.Errorf("another tenant's audit page: %d", r.status)
	}
	if r := other.post(audit+"/letter", url.Values{}, http.StatusNotFound); r.status != 404 {
		t.Errorf("another tenant's letter: %d", r.status)
	}
	if r := w.e.browser().get(audit); r.status != http.StatusSeeOther {
		t.Errorf("no session: %d", r.status)
	}
	if r := reg.page(audit + "?lang=en"); !strings.Contains(r, "Accepted") || !strings.Contains(r, "Generate letter") {
		t.Errorf("the English page lacks its words")
	}
}
