package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

type auditJSON struct {
	ID      string
	BatchID string `json:"batch_id"`
	Batch   *struct{ ID, Name string }
	Gates   struct {
		AssessmentOpen bool `json:"assessment_open"`
		AcceptanceOpen bool `json:"acceptance_open"`
	}
	Steps []struct {
		Code, State, Reason string
		ChangedBy           string   `json:"changed_by"`
		ChangedAt           string   `json:"changed_at"`
		DocumentIDs         []string `json:"document_ids"`
	}
}

// stepWorld adds to the world an enterprise user, an expert, a publisher
// and a consultant of another firm, all of the first tenant.
type stepWorld struct {
	*world
	enterprise, expert, publisher, rival string
}

func newStepWorld(t *testing.T) *stepWorld {
	w := newWorld(t)
	tn, err := w.e.store.TenantBySlug(context.Background(), "hebei")
	if err != nil {
		t.Fatal(err)
	}
	a := cpaudit.SystemActor(tn.ID)
	sw := &stepWorld{world: w}
	sw.enterprise = w.e.user(a, "wang@shihua.cn", cpaudit.RoleEnterprise, w.entID)
	sw.expert = w.e.user(a, "zhao@expert.cn", cpaudit.RoleExpert, "")
	pub := w.e.org(a, cpaudit.OrgPublisher, "清洁生产中心", "")
	sw.publisher = w.e.user(a, "pub@cpc.cn", cpaudit.RolePublisher, pub.ID)
	rival := w.e.org(a, cpaudit.OrgConsultancy, "蓝天咨询", "91130100MA0CYYYY2")
	sw.rival = w.e.user(a, "li@lantian.cn", cpaudit.RoleConsultant, rival.ID)
	return sw
}

func (w *stepWorld) newAudit(t *testing.T) string {
	t.Helper()
	var au auditJSON
	status, body := w.e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.entID, "consultancy_id": w.consID}, &au)
	if status != 201 {
		t.Fatalf("create audit: %d %s", status, body)
	}
	return au.ID
}

func (w *stepWorld) step(t *testing.T, token, auditID string, n int, action string, in any) (int, auditJSON, []byte) {
	t.Helper()
	var au auditJSON
	status, body := w.e.postJSON(fmt.Sprintf("/api/v1/audits/%s/steps/%d/%s", auditID, n, action), token, in, nil)
	if status == 200 {
		if err := json.Unmarshal(body, &au); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	return status, au, body
}

// TestStepWorkflowAPI runs the role × state rules through the router.
func TestStepWorkflowAPI(t *testing.T) {
	w := newStepWorld(t)
	const reason = "工艺流程图缺少废水走向，请补充。"
	type role struct {
		name, token      string
		submits, reviews bool
		invisible        bool
	}
	roles := []role{
		{"admin", w.admin, true, true, false},
		{"consultant", w.consultant, true, false, false},
		{"enterprise", w.enterprise, true, false, false},
		{"regulator", w.regulator, false, true, false},
		{"expert", w.expert, false, true, false},
		{"publisher", w.publisher, false, false, true},
		{"rival consultant", w.rival, false, false, true},
	}
	// Each starting state is reached through the API by the admin.
	prepare := map[string][]string{
		"not_started": nil,
		"submitted":   {"submit"},
		"returned":    {"submit", "return"},
		"accepted":    {"submit", "accept"},
	}
	for _, from := range []string{"not_started", "submitted", "returned", "accepted"} {
		for _, action := range []string{"submit", "return", "accept"} {
			for _, r := range roles {
				t.Run(from+"/"+action+"/"+r.name, func(t *testing.T) {
					id := w.newAudit(t)
					for _, p := range prepare[from] {
						if status, _, body := w.step(t, w.admin, id, 2, p, map[string]string{"reason": "准备"}); status != 200 {
							t.Fatalf("prepare %s: %d %s", p, status, body)
						}
					}
					stateOK := from == "submitted"
					if action == "submit" {
						stateOK = from == "not_started" || from == "returned"
					}
					roleOK := (action == "submit" && r.submits) || (action != "submit" && r.reviews)
					want := 200
					switch {
					case r.invisible:
						want = 404
					case !roleOK || !stateOK:
						want = 409
					}
					var in any
					if action == "return" {
						in = map[string]string{"reason": reason}
					}
					status, au, body := w.step(t, r.token, id, 2, action, in)
					if status != want {
						t.Fatalf("%d, want %d: %s", status, want, body)
					}
					if want != 200 {
						if !strings.Contains(string(body), `"detail"`) || strings.Contains(string(body), "石家庄") {
							t.Fatalf("problem: %s", body)
						}
						return
					}
					st := au.Steps[1]
					wantState := map[string]string{"submit": "submitted", "return": "returned", "accept": "accepted"}[action]
					if st.State != wantState || st.ChangedBy == "" || st.ChangedAt == "" || (action == "return") != (st.Reason == reason) {
						t.Fatalf("step: %+v", st)
					}
				})
			}
		}
	}
}

func TestStepGateAPI(t *testing.T) {
	w := newStepWorld(t)
	id := w.auditID
	if status, _, body := w.step(t, w.consultant, id, 30, "submit", nil); status != 409 || !strings.Contains(string(body), "P1-P5") {
		t.Fatalf("P7 step before the assessment: %d %s", status, body)
	}
	var au auditJSON
	for n := 1; n <= 27; n++ {
		if status, _, body := w.step(t, w.consultant, id, n, "submit", nil); status != 200 {
			t.Fatalf("submit %d: %d %s", n, status, body)
		}
		var status int
		var body []byte
		if status, au, body = w.step(t, w.regulator, id, n, "accept", nil); status != 200 {
			t.Fatalf("accept %d: %d %s", n, status, body)
		}
	}
	if !au.Gates.AssessmentOpen || au.Gates.AcceptanceOpen {
		t.Fatalf("gates after P5: %+v", au.Gates)
	}
	if status, _, body := w.step(t, w.consultant, id, 30, "submit", nil); status != 200 {
		t.Fatalf("P7 step after the assessment: %d %s", status, body)
	}
	w.e.getJSON("/api/v1/audits/"+id, w.consultant, &au)
	if au.Steps[29].State != "submitted" || au.Steps[29].ChangedBy != "zhang@lvyuan.cn" || !au.Gates.AssessmentOpen {
		t.Fatalf("GET audit: %+v", au)
	}
}

func TestStepBadInputAPI(t *testing.T) {
	w := newStepWorld(t)
	base := "/api/v1/audits/" + w.auditID + "/steps/"
	for _, tc := range []struct {
		token, path, body string
		want              int
	}{
		{w.consultant, base + "0/submit", `{}`, 400},
		{w.consultant, base + "36/submit", `{}`, 400},
		{w.consultant, base + "abc/submit", `{}`, 400},
		{w.consultant, base + "1.5/submit", `{}`, 400},
		{w.consultant, base + "1/submit", `{"document_ids":`, 400},
		{w.consultant, base + "1/submit", `{"document_ids":"x"}`, 400},
		{w.consultant, base + "1/submit", `{"document_ids":["nope"]}`, 422},
		{w.consultant, base + "1/submit", `[]`, 400},
		{w.regulator, base + "1/return", `{}`, 400},
		{w.regulator, base + "1/return", ``, 400},
		{w.regulator, base + "1/return", `{"reason":"` + strings.Repeat("长", 4001) + `"}`, 400},
		{w.consultant, "/api/v1/audits/nope/steps/1/submit", `{}`, 404},
		{w.admin, "/api/v1/batches", `{"year":2026}`, 400},
		{w.admin, "/api/v1/batches", `{"year":"2026","number":1,"name":"x"}`, 400},
		{w.admin, "/api/v1/batches", `{"year":2026,"number":1,"name":"第一批","reasons":["双超"]}`, 400},
		{w.admin, "/api/v1/batches", `{"year":2026,"number":1,"name":"第一批","industries":["化工"]}`, 422},
		{w.admin, "/api/v1/batches", `{"year":1900,"number":1,"name":"第一批"}`, 422},
		{w.admin, "/api/v1/batches", `{"year":2026,"number":1,"name":"第一批","obligations":{"disclose":"2026/01/01"}}`, 400},
		{w.admin, "/api/v1/batches", `{"year":2026,"number":1,"name":"第一批","obligations":{"register":"2026-05-01","disclose":"2026-01-01"}}`, 422},
		{w.consultant, "/api/v1/batches", `{"year":2026,"number":1,"name":"第一批"}`, 409},
		{w.admin, "/api/v1/audits", `{"enterprise_id":"` + w.entID + `","batch_id":"nope"}`, 404},
		{w.admin, "/api/v1/audits", `{"enterprise_id":"` + w.entID + `","batch_id":7}`, 400},
	} {
		status, b, h := w.e.do("POST", tc.path, tc.token, strings.NewReader(tc.body), "application/json")
		if status != tc.want {
			t.Errorf("POST %s %.80s: %d, want %d: %s", tc.path, tc.body, status, tc.want, b)
			continue
		}
		problemOf(t, status, b, h)
	}
	// A step's submit needs no body at all.
	status, b, _ := w.e.do("POST", base+"1/submit", w.consultant, nil, "")
	if status != 200 {
		t.Errorf("submit without a body: %d %s", status, b)
	}
}

func TestBatchesAPI(t *testing.T) {
	w := newStepWorld(t)
	var b struct {
		ID          string
		Name        string
		Reasons     []string
		Obligations map[string]string
	}
	status, body := w.e.postJSON("/api/v1/batches", w.regulator, map[string]any{
		"year": 2026, "number": 1, "name": "2026年第一批强制性清洁生产审核名单",
		"reasons": []string{"double_exceed", "energy_intensive"}, "industries": []string{"C2710"},
		"obligations": map[string]string{"register": "2026-03-01", "disclose": "2026-03-31", "acceptance_done": "2027-06-30"},
	}, &b)
	if status != 201 || b.Name != "2026年第一批强制性清洁生产审核名单" || len(b.Reasons) != 2 || b.Obligations["disclose"] != "2026-03-31" {
		t.Fatalf("create batch: %d %s", status, body)
	}
	if status, _ := w.e.postJSON("/api/v1/batches", w.admin, map[string]any{"year": 2026, "number": 1, "name": "重复"}, nil); status != 409 {
		t.Errorf("duplicate batch: %d", status)
	}
	var list struct{ Batches []struct{ ID string } }
	if status := w.e.getJSON("/api/v1/batches", w.enterprise, &list); status != 200 || len(list.Batches) != 1 {
		t.Errorf("list: %d %+v", status, list)
	}
	if status := w.e.getJSON("/api/v1/batches/"+b.ID, w.consultant, nil); status != 200 {
		t.Errorf("get: %d", status)
	}
	patch := func(token, body string) (int, []byte) {
		status, out, _ := w.e.do("PATCH", "/api/v1/batches/"+b.ID, token, strings.NewReader(body), "application/json")
		return status, out
	}
	if status, out := patch(w.admin, `{"obligations":{"apply_assessment":"2026-09-30","register":null}}`); status != 200 ||
		!strings.Contains(string(out), `"apply_assessment":"2026-09-30"`) || !strings.Contains(string(out), `"register":""`) {
		t.Errorf("patch: %d %s", status, out)
	}
	for _, tc := range []struct {
		token, body string
		want        int
	}{
		{w.consultant, `{"name":"改名"}`, 409},
		{w.admin, `{"obligations":{"pay":"2026-01-01"}}`, 400},
		{w.admin, `{"obligations":{"disclose":5}}`, 400},
		{w.admin, `{"obligations":{"disclose":"2028-01-01"}}`, 422},
		{w.admin, `{"name":""}`, 400},
		{w.admin, `not json`, 400},
	} {
		if status, out := patch(tc.token, tc.body); status != tc.want {
			t.Errorf("PATCH %s: %d, want %d: %s", tc.body, status, tc.want, out)
		}
	}
	if status, _, _ := w.e.do("PATCH", "/api/v1/batches/nope", w.admin, strings.NewReader(`{}`), "application/json"); status != 404 {
		t.Errorf("patch unknown: %d", status)
	}
	// An audit in the batch shows it; one without keeps API.md's contract.
	var au auditJSON
	status, body = w.e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.entID, "consultancy_id": w.consID, "batch_id": b.ID}, &au)
	if status != 201 || au.BatchID != b.ID || len(au.Steps) != 35 {
		t.Fatalf("audit in batch: %d %s", status, body)
	}
	w.e.getJSON("/api/v1/audits/"+au.ID, w.enterprise, &au)
	if au.Batch == nil || au.Batch.ID != b.ID {
		t.Fatalf("GET audit batch: %+v", au)
	}
	var plain auditJSON
	status, body = w.e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.entID, "consultancy_id": w.consID}, &plain)
	if status != 201 || len(plain.Steps) != 35 || plain.BatchID != "" {
		t.Fatalf("audit without batch: %d %s", status, body)
	}
}

// TestStepRefusalCodesAPI: each refusal of the step workflow names its
// code in the problem, beside the English detail, so clients and the web
// UI act on the code and never on the wording.
func TestStepRefusalCodesAPI(t *testing.T) {
	w := newStepWorld(t)
	id := w.auditID
	code := func(token string, n int, action, body string, want int) (string, map[string]any) {
		t.Helper()
		status, b, h := w.e.do("POST", fmt.Sprintf("/api/v1/audits/%s/steps/%d/%s", id, n, action), token, strings.NewReader(body), "application/json")
		if status != want {
			t.Fatalf("%s %d: %d, want %d: %s", action, n, status, want, b)
		}
		if status >= 400 {
			problemOf(t, status, b, h)
		}
		var p map[string]any
		json.Unmarshal(b, &p)
		c, _ := p["code"].(string)
		return c, p
	}
	if c, p := code(w.consultant, 30, "submit", `{}`, 409); c != "phase_gate_closed" || !strings.Contains(p["detail"].(string), "P1-P5") {
		t.Errorf("P7 before the assessment: %v", p)
	}
	if c, _ := code(w.regulator, 1, "submit", `{}`, 409); c != "step_submitter_not_allowed" {
		t.Errorf("a regulator submitting: %q", c)
	}
	if c, _ := code(w.consultant, 1, "accept", `{}`, 409); c != "step_reviewer_not_allowed" {
		t.Errorf("a consultant accepting: %q", c)
	}
	if c, _ := code(w.regulator, 1, "accept", `{}`, 409); c != "step_not_submitted" {
		t.Errorf("accepting a step not submitted: %q", c)
	}
	if c, _ := code(w.regulator, 1, "return", `{}`, 400); c != "reason_required" {
		t.Errorf("a return without reason: %q", c)
	}
	if c, _ := code(w.consultant, 1, "submit", `{"document_ids":["nope"]}`, 422); c != "document_not_of_audit" {
		t.Errorf("a foreign document: %q", c)
	}
	code(w.consultant, 1, "submit", `{}`, 200)
	if c, _ := code(w.consultant, 1, "submit", `{}`, 409); c != "step_locked" {
		t.Errorf("a second submit: %q", c)
	}
	if c, _ := code(w.consultant, 36, "submit", `{}`, 400); c != "step_out_of_range" {
		t.Errorf("step 36: %q", c)
	}
}
