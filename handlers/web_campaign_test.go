package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestCampaignPages: a regulator draws a campaign and its reviewers
// through the forms (pickers, no typed ids), a refused draw shows why,
// and a reviewer is replaced on the web only by an expert of the pool
// without a conflict, with a reason that the page then shows.
func TestCampaignPages(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	list := reg.page("/campaigns")
	for _, want := range []string{`id="campaign-form"`, `<option value="` + rw.consID + `">绿源环保咨询</option>`, "石家庄市", "每家咨询机构至少抽一家", "按设区市比例分配"} {
		if !strings.Contains(list, want) {
			t.Errorf("the campaigns page lacks %q", want)
		}
	}
	token := formCSRF.FindStringSubmatch(list)[1]
	form := url.Values{"csrf": {token}, "name": {"网页抽查"}, "stage": {"assessment"}, "consultancy": {rw.consID}, "size": {"1"}, "seed": {"3"}}
	empty := url.Values{}
	for k, v := range form {
		empty[k] = v
	}
	empty.Set("only_flagged", "yes")
	if r := reg.postForm("/campaigns", empty); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "没有符合筛选条件的审核") ||
		!strings.Contains(r.body, `value="网页抽查"`) {
		t.Errorf("empty population: %d %.400s", r.status, r.body)
	}
	r := reg.postForm("/campaigns", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %.400s", r.status, r.body)
	}
	campaign := r.header.Get("Location")
	page := reg.page(campaign)
	if !strings.Contains(page, `id="draw-form"`) || !strings.Contains(page, "石家庄化工有限公司") {
		t.Errorf("the campaign page: %.600s", page)
	}
	if r := reg.postForm(campaign+"/assignments", url.Values{"csrf": {token}, "per_audit": {"4"}, "seed": {"7"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, `id="draw-error"`) {
		t.Errorf("four reviewers of three eligible: %d %.400s", r.status, r.body)
	}
	if r := reg.postForm(campaign+"/assignments", url.Values{"csrf": {token}, "per_audit": {"1"}, "seed": {"7"}}); r.status != http.StatusSeeOther {
		t.Fatalf("draw: %d %.400s", r.status, r.body)
	}
	page = reg.page(campaign)
	m := regexpReplace.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no replace form: %.800s", page)
	}
	replace := m[1]
	if !strings.Contains(page, `<option value="`+rw.ids["备用专家"]+`">`) {
		t.Errorf("the pool is not offered")
	}
	if r := reg.postForm(replace, url.Values{"csrf": {token}, "expert": {rw.ids["咨询专家"]}, "reason": {"原专家出差"}}); r.status != http.StatusConflict ||
		!strings.Contains(r.body, "利益冲突") {
		t.Errorf("a conflicted expert: %d %.400s", r.status, r.body)
	}
	if r := reg.postForm(replace, url.Values{"csrf": {token}, "expert": {rw.ids["备用专家"]}, "reason": {" "}}); r.status != http.StatusBadRequest {
		t.Errorf("no reason: %d", r.status)
	}
	if r := reg.postForm(replace, url.Values{"csrf": {token}, "expert": {rw.ids["备用专家"]}}); r.status == http.StatusSeeOther {
		t.Errorf("replaced without a reason")
	}
	if r := reg.postForm(replace, url.Values{"csrf": {token}, "expert": {rw.ids["备用专家"]}, "reason": {"原专家出差"}}); r.status != http.StatusSeeOther {
		t.Fatalf("replace: %d %.400s", r.status, r.body)
	}
	page = reg.page(campaign)
	if !strings.Contains(page, "已更换（原专家出差）") || !strings.Contains(page, "e@experts.hebei.cn") {
		t.Errorf("the replacement is not shown: %.1200s", page)
	}
	// An expert reads the campaign but gets no form; a consultant none of it.
	ex := e.browser()
	ex.mustLogin("hebei", "e@experts.hebei.cn")
	if p := ex.page(campaign); strings.Contains(p, `id="draw-form"`) || strings.Contains(p, "replace-form") {
		t.Errorf("an expert gets the manager's forms")
	}
	cons := e.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := cons.get(campaign); r.status != http.StatusNotFound {
		t.Errorf("a consultant reads the campaign: %d", r.status)
	}
}

var regexpReplace = regexp.MustCompile(`action="(/campaigns/[^"]+/replace)"`)
