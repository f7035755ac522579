package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

type permitRecordJSON struct {
	AuditID      string `json:"audit_id"`
	PermitNumber string `json:"permit_number"`
	State        string `json:"state"`
	Options      []struct{ Code string }
	Figures      map[string]float64 `json:"figures"`
}

// TestPermitRecordAPI: 409 with its code until the 35th step is accepted,
// then the permit number and the options' figures summed; 404 for another
// tenant.
func TestPermitRecordAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	path := "/api/v1/audits/" + w.auditID + "/permit-record"
	for _, o := range []map[string]any{
		{"code": "F1", "name": "蒸汽冷凝水回收", "category": "low_cost", "status": "implemented", "figures": map[string]float64{"investment": 8000, "water": 2400}},
		{"code": "F2", "name": "VOCs 废气焚烧", "category": "high_cost", "status": "verified", "figures": map[string]float64{"investment": 1200000, "vocs": 3.5, "water": 100}},
	} {
		if st, body := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, o, nil); st != 201 {
			t.Fatalf("option: %d %s", st, body)
		}
	}
	st, body, _ := e.do("GET", path, w.regulator, nil, "")
	if st != 409 || refusalCode(t, st, body) != string(cpaudit.CodePermitRecordNotReady) {
		t.Fatalf("before acceptance: %d %s", st, body)
	}
	for n := 1; n <= cpaudit.StepCount; n++ {
		for _, action := range []string{"submit", "accept"} {
			if st, body := e.postJSON(fmt.Sprintf("/api/v1/audits/%s/steps/%d/%s", w.auditID, n, action), w.admin, map[string]any{}, nil); st != 200 {
				t.Fatalf("step %d %s: %d %s", n, action, st, body)
			}
		}
	}
	permit := "91350100M000100Y43001P"
	if st, body, _ := e.do("PATCH", "/api/v1/organisations/"+w.entID, w.admin, strings.NewReader(`{"permit_number":"`+permit+`"}`), "application/json"); st != 200 {
		t.Fatalf("permit number: %d %s", st, body)
	}
	for _, token := range []string{w.regulator, w.consultant, w.admin} {
		var r permitRecordJSON
		if st := e.getJSON(path, token, &r); st != 200 {
			t.Fatalf("record: %d", st)
		}
		if r.AuditID != w.auditID || r.PermitNumber != permit || r.State != "ready" || len(r.Options) != 2 ||
			r.Figures["investment"] != 1208000 || r.Figures["water"] != 2500 || r.Figures["vocs"] != 3.5 || len(r.Figures) != 3 {
			t.Errorf("record %+v", r)
		}
	}
	for _, token := range []string{w.otherAdmin, w.otherConsultant} {
		if st := e.getJSON(path, token, nil); st != 404 {
			t.Errorf("another tenant reads the record: %d", st)
		}
	}
	if st := e.getJSON("/api/v1/audits/a-nothing/permit-record", w.admin, nil); st != 404 {
		t.Errorf("no such audit: %d", st)
	}
	if st := e.getJSON(path, "", nil); st != 401 {
		t.Errorf("no token: %d", st)
	}

	// The regulator's review: exported, then loaded, with who and when;
	// only the authority sets it, forward only.
	state := path + "/state"
	for _, tc := range []struct {
		name, token string
		body        map[string]any
		status      int
		code        cpaudit.Code
	}{
		{"consultant", w.consultant, map[string]any{"state": "exported"}, 409, cpaudit.CodePermitStateNotAllowed},
		{"unknown state", w.regulator, map[string]any{"state": "已导出"}, 422, cpaudit.CodePermitStateUnknown},
		{"state not a string", w.regulator, map[string]any{"state": 2}, 400, cpaudit.CodeBodyMalformed},
		{"another tenant", w.otherAdmin, map[string]any{"state": "exported"}, 404, ""},
		{"exported", w.regulator, map[string]any{"state": "exported", "note": "已导出至排污许可管理信息平台"}, 200, ""},
		{"exported twice", w.regulator, map[string]any{"state": "exported"}, 409, cpaudit.CodePermitStateBackwards},
		{"loaded", w.admin, map[string]any{"state": "loaded", "date": cpaudit.DateIn(time.Now(), cpaudit.ChinaLocation())}, 200, ""},
	} {
		st, body := e.postJSON(state, tc.token, tc.body, nil)
		if st != tc.status || (tc.code != "" && refusalCode(t, st, body) != string(tc.code)) {
			t.Errorf("%s: %d %s", tc.name, st, body)
		}
	}
	var rec struct {
		permitRecordJSON
		StateOn string `json:"state_on"`
		StateBy string `json:"state_by"`
	}
	if st := e.getJSON(path, w.consultant, &rec); st != 200 || rec.State != "loaded" || rec.StateBy == "" ||
		rec.StateOn != cpaudit.DateIn(time.Now(), cpaudit.ChinaLocation()) {
		t.Errorf("after review: %d %+v", st, rec)
	}
}

type enforcementJSON struct {
	Items []struct {
		EnterpriseID string   `json:"enterprise_id"`
		AuditID      string   `json:"audit_id"`
		Reasons      []string `json:"reasons"`
		DaysOverdue  *int     `json:"days_overdue"`
	} `json:"items"`
}

// TestEnforcementAPI: the dashboard world's audits are all overdue on
// their 2020 batch; a stopped enterprise adds its reason; regional offices
// and the region filter narrow the queue; others are refused.
func TestEnforcementAPI(t *testing.T) {
	w := newDashWorld(t)
	get := func(token, query string) enforcementJSON {
		t.Helper()
		var q enforcementJSON
		if st := w.getJSON("/api/v1/enforcement"+query, token, &q); st != 200 {
			t.Fatalf("GET /api/v1/enforcement%s: %d", query, st)
		}
		return q
	}
	if q := get(w.province, ""); len(q.Items) != 5 {
		t.Fatalf("province queue %+v", q)
	}
	tangshan := w.list(w.admin, "region=130200").Audits[0]
	if st, body, _ := w.do("PATCH", "/api/v1/organisations/"+tangshan.EnterpriseID, w.admin, strings.NewReader(`{"status":"stopped"}`), "application/json"); st != 200 {
		t.Fatalf("stop: %d %s", st, body)
	}
	daysSince := func(due string) int {
		return cpaudit.DaysBetween(due, cpaudit.DateIn(time.Now(), cpaudit.ChinaLocation()))
	}
	for _, tc := range []struct {
		name, token, query string
		want               int
	}{
		{"province", w.province, "", 5},
		{"admin", w.admin, "", 5},
		{"province, Shijiazhuang", w.province, "?region=130100", 3},
		{"Tangshan office", w.tangshan, "", 1},
		{"Tangshan office asks for Shijiazhuang", w.tangshan, "?region=130100", 0},
		{"another tenant", w.stranger, "", 0},
	} {
		q := get(tc.token, tc.query)
		if len(q.Items) != tc.want {
			t.Errorf("%s: %d items, want %d: %+v", tc.name, len(q.Items), tc.want, q)
		}
		for _, it := range q.Items {
			// Every audit but the first is not registered either.
			want := "overdue not_registered"
			if it.AuditID == w.audits[0] {
				want = "overdue"
			}
			if it.AuditID == tangshan.ID {
				want = "stopped " + want
			}
			if got := strings.Join(it.Reasons, " "); got != want {
				t.Errorf("%s: %s reasons %q, want %q", tc.name, it.AuditID, got, want)
			}
			// Register was due on 31 January 2020, the oldest obligation;
			// the first audit registered, so its oldest is disclosing, due
			// on 28 February.
			days := daysSince("2020-01-31")
			if it.AuditID == w.audits[0] {
				days = daysSince("2020-02-28")
			}
			if it.DaysOverdue == nil || *it.DaysOverdue != days {
				t.Errorf("%s: %s days_overdue %v, want %d", tc.name, it.AuditID, it.DaysOverdue, days)
			}
		}
	}
	if q := get(w.tangshan, ""); len(q.Items) != 1 || q.Items[0].EnterpriseID != tangshan.EnterpriseID {
		t.Errorf("Tangshan queue %+v", q)
	}
	for _, token := range []string{w.consultant, w.enterprise} {
		st, body, _ := w.do("GET", "/api/v1/enforcement", token, nil, "")
		if st != 409 || refusalCode(t, st, body) != string(cpaudit.CodeEnforcementNotAllowed) {
			t.Errorf("refused: %d %s", st, body)
		}
	}
	if st, body, _ := w.do("GET", "/api/v1/enforcement?region=13x", w.province, nil, ""); st != 400 {
		t.Errorf("bad region: %d %s", st, body)
	}

	// The regulator's dashboard shows the queue, in Chinese first; a
	// consultancy's does not.
	b := w.browser()
	b.mustLogin("hebei", w.provinceEmail)
	page := b.page("/dashboard")
	if !strings.Contains(page, `id="enforcement"`) || !strings.Contains(page, "执法清单") || strings.Count(page, `class="enforcement-row"`) != 5 ||
		!strings.Contains(page, `<a href="/audits/`+tangshan.ID+`">唐山钢铁有限公司</a>`) || !strings.Contains(page, "停产") || !strings.Contains(page, "注册并选择审核方式") ||
		!strings.Contains(page, fmt.Sprintf("未按期注册（%d 天）", daysSince("2020-01-31"))) || !strings.Contains(page, `class="num enforcement-days"`) {
		t.Error("the regulator's dashboard lacks the enforcement queue")
	}
	if strings.Contains(page, "<script>alert(1)</script>") {
		t.Error("an enterprise name is not escaped")
	}
	cons := w.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if page := cons.page("/dashboard"); strings.Contains(page, `id="enforcement"`) {
		t.Error("a consultant's dashboard shows the enforcement queue")
	}
}

// TestEnforcementExport: /enforcement.xlsx holds the rows the API answers
// the caller, with Chinese headers and labels; the region narrows it, a
// regional office reads its region only, and a consultant is refused.
func TestEnforcementExport(t *testing.T) {
	w := newDashWorld(t)
	read := func(b *browser, path string) sheet.Table {
		t.Helper()
		r := b.get(path)
		if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("%s: %d %s", path, r.status, r.header.Get("Content-Type"))
		}
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=utf-8''"+url.PathEscape("执法清单")) {
			t.Errorf("%s: Content-Disposition %q", path, cd)
		}
		tab, err := sheet.Read(context.Background(), bytes.NewReader([]byte(r.body)), sheet.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	b := w.browser()
	b.mustLogin("hebei", w.provinceEmail)
	tab := read(b, "/enforcement.xlsx")
	if want := []string{"企业", "行政区划", "审核编号", "原因", "逾期事项", "逾期天数", "原因及天数", "复产条件", "现场检查"}; strings.Join(tab.Header, "|") != strings.Join(want, "|") {
		t.Errorf("header %q, want %q", tab.Header, want)
	}
	var api enforcementJSON
	w.getJSON("/api/v1/enforcement", w.province, &api)
	if len(tab.Rows) != len(api.Items) || len(tab.Rows) != 5 {
		t.Fatalf("%d rows, the API answers %d", len(tab.Rows), len(api.Items))
	}
	for i, row := range tab.Rows {
		it := api.Items[i]
		// The first audit registered; the others did not.
		if wantReasons := map[bool]string{true: "逾期", false: "逾期、未按期注册"}[len(it.Reasons) == 1]; fmt.Sprint(row[2]) != it.AuditID || fmt.Sprint(row[3]) != wantReasons || fmt.Sprint(row[4]) == "" ||
			fmt.Sprint(row[5]) != fmt.Sprint(*it.DaysOverdue) {
			t.Errorf("row %d %q, API item %+v", i, row, it)
		}
	}
	if tab := read(b, "/enforcement.xlsx?region=130100"); len(tab.Rows) != 3 {
		t.Errorf("Shijiazhuang: %d rows", len(tab.Rows))
	}
	if page := b.page("/dashboard"); !strings.Contains(page, `href="/enforcement.xlsx"`) {
		t.Error("the dashboard does not link to the export")
	}

	cons := w.browser()
	cons.mustLogin("hebei", "zhang@lvyuan.cn")
	if r := cons.get("/enforcement.xlsx"); r.status != 409 {
		t.Errorf("a consultant exports the queue: %d", r.status)
	}
}
