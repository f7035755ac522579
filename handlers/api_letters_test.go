package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/letter"
)

type letterDoc struct {
	ID, Kind, Title string
	AuditID         string `json:"audit_id"`
	Version         int
	SHA256          string
}

// letterWorld is a step world with a batch and an audit in it.
func letterWorld(t *testing.T) (*stepWorld, string, string) {
	w := newStepWorld(t)
	var b struct{ ID string }
	status, body := w.e.postJSON("/api/v1/batches", w.regulator, map[string]any{
		"year": 2025, "number": 1, "name": "2025年第一批", "reasons": []string{"double_exceed", "toxic"},
		"obligations": map[string]string{"register": "2025-03-01", "disclose": "2025-03-31", "acceptance_done": "2026-02-28"}}, &b)
	if status != 201 {
		t.Fatalf("batch: %d %s", status, body)
	}
	var au auditJSON
	status, body = w.e.postJSON("/api/v1/audits", w.regulator, map[string]string{"enterprise_id": w.entID, "consultancy_id": w.consID, "batch_id": b.ID}, &au)
	if status != 201 {
		t.Fatalf("audit: %d %s", status, body)
	}
	return w, b.ID, au.ID
}

func (w *stepWorld) letterText(t *testing.T, token, docID string, version int) string {
	t.Helper()
	var txt struct {
		Text, Reason string
		Status       string `json:"text_status"`
	}
	path := "/api/v1/documents/" + docID + "/versions/" + string(rune('0'+version)) + "/text"
	if status := w.e.getJSON(path, token, &txt); status != 200 {
		t.Fatalf("GET %s: %d", path, status)
	}
	if txt.Status != "done" {
		t.Fatalf("text of %s v%d: %s %s", docID, version, txt.Status, txt.Reason)
	}
	return strings.Join(strings.Fields(txt.Text), "")
}

// TestLetterGenerateAndRegenerate generates a letter, reads its text as
// the consultant, changes the batch's dates and finds version 2 with the
// new date.
func TestLetterGenerateAndRegenerate(t *testing.T) {
	w, batchID, auditID := letterWorld(t)
	var d letterDoc
	status, body := w.e.postJSON("/api/v1/audits/"+auditID+"/letter", w.regulator, nil, &d)
	if status != 201 || d.Kind != "other" || d.Title != "一次性告知书" || d.AuditID != auditID || d.Version != 1 {
		t.Fatalf("generate: %d %s", status, body)
	}
	w.e.process()
	text := w.letterText(t, w.consultant, d.ID, 1)
	for _, want := range []string{"石家庄化工有限公司", "2025-03-31", "可以处十万元以下的罚款", "双超", "领导承诺书"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter text lacks %q", want)
		}
	}
	// Renaming the batch leaves the letters alone; a date change does not.
	req := func(in any) {
		b, _ := json.Marshal(in)
		if status, body, _ := w.e.do("PATCH", "/api/v1/batches/"+batchID, w.regulator, bytes.NewReader(b), "application/json"); status != 200 {
			t.Fatalf("patch batch: %d %s", status, body)
		}
	}
	req(map[string]any{"name": "2025年第一批（调整）"})
	var got letterDoc
	w.e.getJSON("/api/v1/documents/"+d.ID, w.regulator, &got)
	if got.Version != 1 {
		t.Fatalf("renaming made version %d", got.Version)
	}
	req(map[string]any{"obligations": map[string]string{"disclose": "2025-04-15"}})
	w.e.getJSON("/api/v1/documents/"+d.ID, w.regulator, &got)
	if got.Version != 2 {
		t.Fatalf("after a date change the letter is at version %d, want 2", got.Version)
	}
	w.e.process()
	text = w.letterText(t, w.enterprise, d.ID, 2)
	if !strings.Contains(text, "2025-04-15") || strings.Contains(text, "2025-03-31") {
		t.Errorf("version 2 does not carry the new date")
	}
	// Generating again adds a version to the same document.
	status, body = w.e.postJSON("/api/v1/audits/"+auditID+"/letter", w.admin, nil, &d)
	if status != 201 || d.Version != 3 {
		t.Fatalf("generate again: %d %s", status, body)
	}
}

// TestLetterPermissions: who may generate letters, change the template
// and assign consultancies; another tenant's audit is not found.
func TestLetterPermissions(t *testing.T) {
	w, _, auditID := letterWorld(t)
	tmpl, _ := letter.Default()
	tests := []struct {
		who                        string
		token                      string
		generate, template, assign int
	}{
		{"admin", w.admin, 201, 204, 200},
		{"regulator", w.regulator, 201, 204, 200},
		{"consultant", w.consultant, 409, 409, 409},
		{"enterprise", w.enterprise, 409, 409, 409},
		{"expert", w.expert, 409, 409, 409},
		{"rival consultant", w.rival, 404, 409, 404},
		{"other tenant", w.otherAdmin, 404, 204, 404},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			if status, body := w.e.postJSON("/api/v1/audits/"+auditID+"/letter", tt.token, nil, nil); status != tt.generate {
				t.Errorf("generate: %d %s, want %d", status, body, tt.generate)
			}
			if status, body, _ := w.e.do("PUT", "/api/v1/letter-template", tt.token, bytes.NewReader(tmpl), ""); status != tt.template {
				t.Errorf("template: %d %s, want %d", status, body, tt.template)
			}
			b, _ := json.Marshal(map[string]string{"consultancy_id": w.consID})
			if status, body, _ := w.e.do("PATCH", "/api/v1/audits/"+auditID, tt.token, bytes.NewReader(b), "application/json"); status != tt.assign {
				t.Errorf("assign: %d %s, want %d", status, body, tt.assign)
			}
		})
	}
	if status, _ := w.e.postJSON("/api/v1/audits/"+w.otherAuditID+"/letter", w.admin, nil, nil); status != 404 {
		t.Errorf("another tenant's audit: %d, want 404", status)
	}
}

func TestAssignConsultancy(t *testing.T) {
	w, _, auditID := letterWorld(t)
	patch := func(in map[string]any) (int, []byte) {
		b, _ := json.Marshal(in)
		status, body, _ := w.e.do("PATCH", "/api/v1/audits/"+auditID, w.regulator, bytes.NewReader(b), "application/json")
		return status, body
	}
	var rival struct{ ID string }
	w.e.postJSON("/api/v1/consultancies", w.admin, map[string]string{"name": "新咨询", "credit_code": "91130100MA0CZZZZ3"}, &rival)
	tests := []struct {
		name   string
		in     map[string]any
		status int
		cons   string
	}{
		{"change", map[string]any{"consultancy_id": rival.ID}, 200, rival.ID},
		{"self-audit", map[string]any{"consultancy_id": ""}, 200, ""},
		{"back", map[string]any{"consultancy_id": w.consID}, 200, w.consID},
		{"missing", map[string]any{}, 400, w.consID},
		{"unknown", map[string]any{"consultancy_id": "o_nope"}, 404, w.consID},
		{"an enterprise", map[string]any{"consultancy_id": w.entID}, 422, w.consID},
	}
	for _, tt := range tests {
		status, body := patch(tt.in)
		if status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.status)
		}
		var au struct {
			ConsultancyID string `json:"consultancy_id"`
		}
		w.e.getJSON("/api/v1/audits/"+auditID, w.admin, &au)
		if au.ConsultancyID != tt.cons {
			t.Errorf("%s: consultancy %q, want %q", tt.name, au.ConsultancyID, tt.cons)
		}
	}
}

func TestLetterTemplateUpload(t *testing.T) {
	w, _, auditID := letterWorld(t)
	status, def, h := w.e.do("GET", "/api/v1/letter-template", w.consultant, nil, "")
	if status != 200 || !strings.Contains(h.Get("Content-Type"), "wordprocessingml") || letter.Check(def) != nil {
		t.Fatalf("default template: %d %s", status, h.Get("Content-Type"))
	}
	edit := func(fn func(string) string) []byte {
		zr, _ := zip.NewReader(bytes.NewReader(def), int64(len(def)))
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if f.Name == "word/document.xml" {
				b = []byte(fn(string(b)))
			}
			fw, _ := zw.Create(f.Name)
			fw.Write(b)
		}
		zw.Close()
		return buf.Bytes()
	}
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	fw, _ := zw.Create("word/document.xml")
	fw.Write(bytes.Repeat([]byte("0"), letter.MaxUnpackedBytes+10))
	zw.Close()
	// Word splits a placeholder across runs when a user edits it.
	split := edit(func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "{{企业名称}}", `{{企业</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t>名称}}`),
			"特此告知。", "特此告知，请遵照执行。")
	})
	tests := []struct {
		name   string
		body   []byte
		status int
	}{
		{"not a docx", []byte("plain text"), 400},
		{"missing placeholder", edit(func(s string) string { return strings.ReplaceAll(s, "{{罚则}}", "") }), 422},
		{"zip bomb", bomb.Bytes(), 413},
		{"too large", make([]byte, letter.MaxTemplateBytes+1), 413},
		{"split runs", split, 204},
	}
	for _, tt := range tests {
		status, body, hdr := w.e.do("PUT", "/api/v1/letter-template", w.regulator, bytes.NewReader(tt.body), docxContentType)
		if status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.status)
		}
		if status >= 400 {
			problemOf(t, status, body, hdr)
		}
	}
	if _, got, _ := w.e.do("GET", "/api/v1/letter-template", w.admin, nil, ""); !bytes.Equal(got, split) {
		t.Errorf("the uploaded template is not what GET answers")
	}
	var d letterDoc
	if status, body := w.e.postJSON("/api/v1/audits/"+auditID+"/letter", w.regulator, nil, &d); status != 201 {
		t.Fatalf("generate: %d %s", status, body)
	}
	w.e.process()
	text := w.letterText(t, w.regulator, d.ID, 1)
	if !strings.Contains(text, "石家庄化工有限公司") || !strings.Contains(text, "请遵照执行") {
		t.Errorf("the letter did not use the uploaded template: %.200s", text)
	}
	// The other tenant still gets the default.
	if _, got, _ := w.e.do("GET", "/api/v1/letter-template", w.otherAdmin, nil, ""); !bytes.Equal(got, def) {
		t.Errorf("another tenant sees this tenant's template")
	}
}

const docxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
