package handlers_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

type findingEventJSON struct {
	Action      string   `json:"action"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Text        string   `json:"text"`
	DocumentIDs []string `json:"document_ids"`
	By          string   `json:"by"`
}

type findingWithHistory struct {
	findingJSON
	Overdue bool               `json:"overdue"`
	History []findingEventJSON `json:"history"`
}

// TestFindingRectificationAPI: a finding answered with a new document,
// sent back, answered again and closed through the API, each refusal
// with its status and code, and the finding read with its history.
func TestFindingRectificationAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	sys := w.sys
	enterprise := e.user(sys, "wang@sjzhg.cn", cpaudit.RoleEnterprise, w.entID)
	expert := e.user(sys, "zhao@expert.cn", cpaudit.RoleExpert, "")
	photo := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "新铭牌照片.txt", []byte("整改后的设备铭牌照片说明"))
	var f findingJSON
	if status, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "untrue_evidence",
		"severity": "major", "description": "设备铭牌照片与现场不符", "rectification_due": "2099-12-31"}, &f); status != 201 {
		t.Fatalf("create: %d %s", status, raw)
	}
	path := "/api/v1/findings/" + f.ID
	act := func(token, action string, body map[string]any, status int, code cpaudit.Code) findingWithHistory {
		t.Helper()
		var got findingWithHistory
		st, raw := e.postJSON(path+"/"+action, token, body, nil)
		if st != status {
			t.Fatalf("%s: %d %s, want %d %s", action, st, raw, status, code)
		}
		if status >= 400 {
			if c := refusalCode(t, st, raw); c != string(code) {
				t.Fatalf("%s: code %s, want %s", action, c, code)
			}
			return got
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	answer := map[string]any{"text": "已更换为现场拍摄的铭牌照片", "document_ids": []string{photo}}
	// Wrong roles, another tenant, wrong states and bad bodies.
	act(w.regulator, "answer", answer, 409, cpaudit.CodeFindingAnswerNotAllowed)
	act(expert, "answer", answer, 409, cpaudit.CodeFindingAnswerNotAllowed)
	act(w.otherConsultant, "answer", answer, 404, cpaudit.CodeNoSuchFinding)
	act(w.otherAdmin, "close", map[string]any{}, 404, cpaudit.CodeNoSuchFinding)
	act(w.consultant, "close", map[string]any{}, 409, cpaudit.CodeFindingVerifyNotAllowed)
	act(expert, "return", map[string]any{"reason": "不行"}, 409, cpaudit.CodeFindingVerifyNotAllowed)
	act(w.regulator, "return", map[string]any{"reason": "尚未答复"}, 409, cpaudit.CodeFindingNotAnswered)
	act(w.consultant, "answer", map[string]any{"text": ""}, 422, cpaudit.CodeFieldRequired)
	act(w.consultant, "answer", map[string]any{"text": "已整改", "document_ids": []string{w.otherDocID}}, 422, cpaudit.CodeDocumentNotOfAudit)
	act(w.consultant, "answer", map[string]any{"text": 1}, 400, cpaudit.CodeBodyMalformed)

	got := act(w.consultant, "answer", answer, 200, "")
	if got.State != "answered" || len(got.History) != 1 || !slices.Equal(got.History[0].DocumentIDs, []string{photo}) {
		t.Errorf("answered: %+v", got)
	}
	act(enterprise, "answer", answer, 409, cpaudit.CodeFindingNotOpen)
	act(w.regulator, "return", map[string]any{"reason": ""}, 422, cpaudit.CodeFieldRequired)
	if got = act(w.regulator, "return", map[string]any{"reason": "照片无拍摄时间"}, 200, ""); got.State != "open" {
		t.Errorf("returned: %+v", got)
	}
	act(enterprise, "answer", map[string]any{"text": "补充带时间水印的照片"}, 200, "")
	if got = act(w.admin, "close", map[string]any{"comment": "核实通过"}, 200, ""); got.State != "closed" {
		t.Errorf("closed: %+v", got)
	}
	act(w.consultant, "answer", answer, 409, cpaudit.CodeFindingClosed)
	act(w.regulator, "close", map[string]any{}, 409, cpaudit.CodeFindingClosed)

	// Read with its history, by whoever reads the audit.
	for _, tc := range []struct {
		who, token string
		status     int
	}{
		{"enterprise", enterprise, 200}, {"expert", expert, 200}, {"consultant", w.consultant, 200},
		{"another tenant's admin", w.otherAdmin, 404}, {"another tenant's consultant", w.otherConsultant, 404},
	} {
		var one findingWithHistory
		status := e.getJSON(path, tc.token, &one)
		if status != tc.status {
			t.Errorf("%s reads the finding: %d", tc.who, status)
			continue
		}
		var steps []string
		for _, h := range one.History {
			steps = append(steps, h.Action+":"+h.Text)
		}
		want := []string{"answer:已更换为现场拍摄的铭牌照片", "return:照片无拍摄时间", "answer:补充带时间水印的照片", "close:核实通过"}
		if status == 200 && (!slices.Equal(steps, want) || one.State != "closed" || one.Overdue) {
			t.Errorf("%s: %+v, history %v", tc.who, one, steps)
		}
	}
	if status, raw, _ := e.do("GET", "/api/v1/findings/n-nowhere", w.admin, nil, ""); status != 404 || refusalCode(t, status, raw) != string(cpaudit.CodeNoSuchFinding) {
		t.Errorf("no such finding: %d %s", status, raw)
	}
	// Nothing is overdue: the only due date is in 2099.
	var list findingList
	if status := e.getJSON("/api/v1/findings?overdue=true", w.admin, &list); status != 200 || list.Total != 0 {
		t.Errorf("overdue: %d %+v", status, list)
	}
	if status, raw, _ := e.do("GET", "/api/v1/findings?overdue=是", w.admin, nil, ""); status != 400 || refusalCode(t, status, raw) != string(cpaudit.CodeAuditFilterInvalid) {
		t.Errorf("overdue=是: %d %s", status, raw)
	}
}
