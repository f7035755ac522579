package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// englishSentence is three or more English words in a row: a refusal
// worded for the API reaching a Chinese page. Codes, ids, numbers and
// single words (P6, YYYY-MM-DD, C2710) do not match.
var englishSentence = regexp.MustCompile(`[A-Za-z]{2,}(?:[\s,;:'’]+[A-Za-z]{2,}){2,}`)

var (
	auditError = regexp.MustCompile(`(?s)<p class="error" role="alert" id="audit-error">(.*?)</p>`)
	errorCard  = regexp.MustCompile(`(?s)<section class="card narrow">(.*?)</section>`)
	searchErr  = regexp.MustCompile(`(?s)id="search-error">(.*?)</p>`)
)

// region returns what re captures in body, failing when it is absent.
func region(t *testing.T, re *regexp.Regexp, body, what string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no error shown: %.800s", what, body)
	}
	return m[1]
}

// TestStepRefusalsByCode: a refused step on a Chinese page says why in
// Chinese, by the refusal's code, and no English sentence of the API's
// detail reaches it; the English page says it in English.
func TestStepRefusalsByCode(t *testing.T) {
	w := newStepWorld(t)
	audit := "/audits/" + w.auditID
	cons := w.as(t, "zhang@lvyuan.cn")
	reg := w.as(t, "chen@hebei.gov.cn")
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"gate", cons, audit + "/steps/30/submit", url.Values{}, http.StatusConflict, "第六、七阶段的步骤须在评估开启"},
		{"not submitted", reg, audit + "/steps/2/accept", url.Values{}, http.StatusConflict, "只有已提交的步骤才能通过或退回"},
		{"submitter", reg, audit + "/steps/2/submit", url.Values{}, http.StatusConflict, "只有本审核的咨询机构或企业可以提交步骤"},
		{"foreign document", cons, audit + "/steps/2/submit", url.Values{"document_ids": {"nope"}}, http.StatusUnprocessableEntity, "所选文档不属于本审核"},
		{"reason", reg, audit + "/steps/2/return", url.Values{"reason": {" "}}, http.StatusBadRequest, "退回步骤必须填写原因"},
	} {
		r := tc.b.post(tc.path, tc.form, tc.status)
		msg := region(t, auditError, r.body, tc.name)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, msg, tc.want)
		}
		if s := englishSentence.FindString(msg); s != "" {
			t.Errorf("%s: English on the Chinese page: %q in %q", tc.name, s, msg)
		}
	}
	// The gate names the step that holds it back, from the code's parameters.
	if msg := region(t, auditError, cons.post(audit+"/steps/30/submit", url.Values{}, http.StatusConflict).body, "gate"); !strings.Contains(msg, "第 30 步操作未完成") || !strings.Contains(msg, "第 1 步尚未通过") {
		t.Errorf("gate: %q", msg)
	}

	// The English page: the English text of the code.
	cons.get("/?lang=en")
	msg := region(t, auditError, cons.post(audit+"/steps/30/submit", url.Values{}, http.StatusConflict).body, "gate, English")
	if !strings.Contains(msg, "Steps of P6 and P7 can be submitted once the assessment opens") || regexp.MustCompile(`\p{Han}`).MatchString(msg) {
		t.Errorf("English page: %q", msg)
	}
}

// TestErrorPagesSpeakChinese: the error page of a 4xx says its detail in
// the page's language, never the API's English sentence, and so does a
// form's refusal (search).
func TestErrorPagesSpeakChinese(t *testing.T) {
	w := newStepWorld(t)
	reg := w.as(t, "chen@hebei.gov.cn")
	audit := "/audits/" + w.auditID
	for _, tc := range []struct {
		name, want string
		r          response
		status     int
	}{
		{"no such step", "没有这个步骤", reg.postForm(audit+"/steps/99/accept", url.Values{"csrf": {reg.formToken("/batches")}}), http.StatusNotFound},
		{"no such page", "没有这个页面", reg.get("/no/such/page"), http.StatusNotFound},
		{"forged token", "表单已过期", reg.postForm(audit+"/steps/1/accept", url.Values{"csrf": {"forged"}}), http.StatusBadRequest},
	} {
		if tc.r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, tc.r.status, tc.status)
			continue
		}
		card := region(t, errorCard, tc.r.body, tc.name)
		if !strings.Contains(card, tc.want) {
			t.Errorf("%s: the page does not say %q: %q", tc.name, tc.want, card)
		}
		if s := englishSentence.FindString(card); s != "" {
			t.Errorf("%s: English on the Chinese error page: %q", tc.name, s)
		}
	}
	// A kind's own text is the heading; the page does not say it twice.
	r := reg.get("/documents/nope")
	if card := region(t, errorCard, r.body, "not found"); r.status != 404 || strings.Contains(card, `id="error-detail"`) || englishSentence.MatchString(card) {
		t.Errorf("a missing document: %d %q", r.status, card)
	}
	// A refused search says why in Chinese.
	body := reg.get("/search?q=" + url.QueryEscape("清洁") + "&region=13").body
	if msg := region(t, searchErr, body, "search"); !strings.Contains(msg, "不是 6 位行政区划代码") || englishSentence.MatchString(msg) {
		t.Errorf("search refusal: %q", msg)
	}
}
