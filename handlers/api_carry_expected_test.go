package handlers_test

import (
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestCarryAndExpectedAPI carries an audit into a later batch and makes a
// document required for step 1, through the router, with the role rules.
func TestCarryAndExpectedAPI(t *testing.T) {
	w := newOrgWorld(t)
	var au auditJSON
	status, body := w.e.postJSON("/api/v1/audits", w.admin, map[string]string{"enterprise_id": w.entID, "consultancy_id": w.consID, "batch_id": w.batchOld}, &au)
	if status != 201 {
		t.Fatalf("audit: %d %s", status, body)
	}
	for _, tc := range []struct {
		name, token, audit, batch string
		want                      int
	}{
		{"consultant", w.consultant, au.ID, w.batch, 409},
		{"enterprise", w.enterprise, au.ID, w.batch, 409},
		{"expert", w.expert, au.ID, w.batch, 409},
		{"other tenant", w.otherAdmin, au.ID, w.batch, 404},
		{"same batch", w.admin, au.ID, w.batchOld, 409},
		{"no batch", w.admin, au.ID, "", 400},
		{"unknown batch", w.admin, au.ID, "b-nope", 404},
	} {
		status, body := w.e.postJSON("/api/v1/audits/"+tc.audit+"/carry", tc.token, map[string]string{"batch_id": tc.batch}, nil)
		if status != tc.want {
			t.Errorf("carry %s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}
	var carried struct {
		ID          string
		CarriedFrom string `json:"carried_from"`
		BatchID     string `json:"batch_id"`
	}
	status, body = w.e.postJSON("/api/v1/audits/"+au.ID+"/carry", w.regulator, map[string]string{"batch_id": w.batch}, &carried)
	if status != 201 || carried.CarriedFrom != au.ID || carried.BatchID != w.batch {
		t.Fatalf("carry: %d %s", status, body)
	}
	var old struct {
		CarriedTo string `json:"carried_to"`
	}
	if w.e.getJSON("/api/v1/audits/"+au.ID, w.consultant, &old); old.CarriedTo != carried.ID {
		t.Fatalf("old audit: %+v", old)
	}
	if status, body := w.e.postJSON("/api/v1/audits/"+au.ID+"/carry", w.admin, map[string]string{"batch_id": w.batch}, nil); status != 409 || !strings.Contains(string(body), "already carried") {
		t.Fatalf("carry twice: %d %s", status, body)
	}

	// Steps and their expected documents.
	var steps struct{ Steps []cpaudit.StepRequirement }
	if status := w.e.getJSON("/api/v1/steps", w.enterprise, &steps); status != 200 || len(steps.Steps) != 35 || steps.Steps[21].Documents[0].Zh != "中期审核报告" {
		t.Fatalf("steps: %d %+v", status, steps)
	}
	req := map[string]any{"documents": []map[string]any{{"key": "commitment", "zh": "领导承诺书", "en": "Management commitment letter", "kind": "evidence", "required": true}}}
	for _, tc := range []struct {
		name, token, path string
		body              any
		want              int
	}{
		{"consultant", w.consultant, "/api/v1/steps/1/expected", req, 409},
		{"enterprise", w.enterprise, "/api/v1/steps/1/expected", req, 409},
		{"expert", w.expert, "/api/v1/steps/1/expected", req, 409},
		{"step 0", w.admin, "/api/v1/steps/0/expected", req, 400},
		{"no list", w.admin, "/api/v1/steps/1/expected", map[string]any{}, 400},
		{"guideline", w.admin, "/api/v1/steps/1/expected", map[string]any{"documents": []map[string]any{{"key": "g", "zh": "指南", "en": "Guide", "kind": "guideline"}}}, 422},
		{"other tenant's admin", w.otherAdmin, "/api/v1/steps/1/expected", req, 200}, // its own tenant only
		{"regulator", w.regulator, "/api/v1/steps/1/expected", req, 200},
	} {
		status, body := w.send(t, "PUT", tc.path, tc.token, tc.body)
		if status != tc.want {
			t.Errorf("expected %s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}
	status, _, body = w.step(t, w.consultant, carried.ID, 1, "submit", nil)
	if status != 409 || !strings.Contains(string(body), "领导承诺书") || !strings.Contains(string(body), `"code":"documents_required"`) {
		t.Fatalf("submit without the letter: %d %s", status, body)
	}
	up, doc := w.e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", carried.ID}, {"step", "1"}, {"title", "领导承诺书"}}, "承诺书.txt", []byte("总经理承诺开展清洁生产审核"))
	if up != 201 {
		t.Fatalf("upload: %d %v", up, doc)
	}
	var full struct {
		Steps []struct {
			Expected []cpaudit.ExpectedAttachment
		}
	}
	w.e.getJSON("/api/v1/audits/"+carried.ID, w.consultant, &full)
	if e := full.Steps[0].Expected; len(e) != 1 || e[0].DocumentID != doc["id"] || !e[0].Required {
		t.Fatalf("expected of step 1: %+v", e)
	}
	if status, _, body := w.step(t, w.consultant, carried.ID, 1, "submit", nil); status != 200 {
		t.Fatalf("submit with the letter: %d %s", status, body)
	}
	// The other tenant's rule did not reach this tenant's step 2, nor this one's its audits.
	if status, _, body := w.step(t, w.otherConsultant, w.otherAuditID, 2, "submit", nil); status != 200 {
		t.Fatalf("other tenant step 2: %d %s", status, body)
	}
}
