package handlers_test

import (
	"encoding/json"
	"strings"
	"testing"
)

type guidelineJSON struct {
	ID           string
	SeriesID     string `json:"series_id"`
	Version      int
	DocumentID   string `json:"document_id"`
	State        string
	Supersedes   string
	SupersededBy string `json:"superseded_by"`
	Library      bool
	Industries   []string
}

func (e *testEnv) problemCode(body []byte) string {
	var p struct{ Code string }
	json.Unmarshal(body, &p)
	return p.Code
}

func (e *testEnv) guidelineIDs(token, query string) []string {
	e.t.Helper()
	var res struct{ Guidelines []guidelineJSON }
	if status := e.getJSON("/api/v1/guidelines"+query, token, &res); status != 200 {
		e.t.Fatalf("list guidelines %s: %d", query, status)
	}
	var ids []string
	for _, g := range res.Guidelines {
		ids = append(ids, g.ID)
	}
	return sorted(ids...)
}

// TestGuidelineVersions: the library's publisher registers a guideline
// version (a draft no tenant sees), publishes it (every tenant reads it,
// by the industries it applies to), and publishes a second version that
// supersedes it and shows what changed; a tenant's local version stays its
// own; bad facts are 422; only admins and publishers publish; no tenant
// publishes the library's versions and the library reads no tenant's.
func TestGuidelineVersions(t *testing.T) {
	lw := newLibraryWorld(t)
	e := lw.e
	v1Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "石化行业清洁生产审核指南"}}, "石化指南2025.txt",
		[]byte("石化行业清洁生产审核指南（2025年版）。第一章 总则。企业应开展能源审计，核算单位产品综合能耗。第二章 底线要求。废水排放应达到国家标准。"))
	v2Doc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "guideline"}, {"title", "石化行业清洁生产审核指南"}}, "石化指南2026.txt",
		[]byte("石化行业清洁生产审核指南（2026年版）。第一章 总则。企业应开展能源审计，核算单位产品综合能耗。第二章 底线要求。挥发性有机物无组织排放应全面收集处理。"))
	report := e.uploadText(lw.consultant, [][2]string{{"kind", "report"}, {"audit_id", lw.auditID}, {"step", "20"}}, "报告.txt", []byte("石家庄化工审核报告"))
	localDoc := e.uploadText(lw.hebeiPublisher, [][2]string{{"kind", "guideline"}}, "河北地方指南.txt", []byte("河北省涂装行业地方指南。"))
	e.process()

	facts := map[string]any{"document_id": v1Doc, "issuing_body": "河北省生态环境厅", "effective_date": "2025-03-01", "industries": []string{"c25", "C26"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range facts {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"no industry", with("industries", nil), 422, "guideline_industry_required"},
		{"empty industries", with("industries", []string{}), 422, "guideline_industry_required"},
		{"bad industry", with("industries", []string{"石化"}), 422, "industry_invalid"},
		{"no effective date", with("effective_date", nil), 422, "guideline_effective_date_required"},
		{"bad effective date", with("effective_date", "2025-02-30"), 422, "date_invalid"},
		{"no issuing body", with("issuing_body", nil), 422, "field_required"},
		{"not a guideline", with("document_id", report), 404, ""}, // the library does not read the tenant's report
		{"unknown supersedes", with("supersedes", "gl-nothing"), 404, ""},
	} {
		if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, c.body, nil); status != c.status || (c.code != "" && e.problemCode(body) != c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, body, c.status, c.code)
		}
	}
	otherDoc := e.uploadText(lw.libPublisher, [][2]string{{"kind", "other"}}, "说明.txt", []byte("说明"))
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, with("document_id", otherDoc), nil); status != 422 || e.problemCode(body) != "guideline_document_not_guideline" {
		t.Errorf("kind other: %d %s", status, body)
	}

	var v1 guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, facts, &v1); status != 201 || v1.State != "draft" || v1.Version != 1 ||
		strings.Join(v1.Industries, ",") != "C25,C26" {
		t.Fatalf("create v1: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines", lw.libAdmin, facts, nil); status != 409 || e.problemCode(body) != "guideline_document_used" {
		t.Errorf("same document twice: %d %s", status, body)
	}
	// A draft is the library's alone.
	for who, token := range map[string]string{"hebei admin": lw.admin, "hebei publisher": lw.hebeiPublisher, "beijing admin": lw.otherAdmin} {
		if status := e.getJSON("/api/v1/guidelines/"+v1.ID, token, nil); status != 404 {
			t.Errorf("%s reads the library's draft: %d", who, status)
		}
		if ids := e.guidelineIDs(token, ""); len(ids) != 0 {
			t.Errorf("%s lists %v before publication", who, ids)
		}
		if status, _ := e.postJSON("/api/v1/guidelines/"+v1.ID+"/publish", token, nil, nil); status != 404 {
			t.Errorf("%s publishes the library's draft: %d", who, status)
		}
	}
	var pub guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines/"+v1.ID+"/publish", lw.libPublisher, nil, &pub); status != 200 || pub.State != "published" {
		t.Fatalf("publish v1: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+v1.ID+"/publish", lw.libPublisher, nil, nil); status != 409 || e.problemCode(body) != "guideline_not_draft" {
		t.Errorf("publish twice: %d %s", status, body)
	}
	if status, body := e.getJSON2("/api/v1/guidelines/"+v1.ID+"/changes", lw.admin); status != 422 || e.problemCode(body) != "guideline_no_previous" {
		t.Errorf("changes of a first version: %d %s", status, body)
	}

	// The second version supersedes the first once published.
	var v2 guidelineJSON
	v2body := with("document_id", v2Doc)
	v2body["supersedes"] = v1.ID
	v2body["effective_date"] = "2026-01-01"
	if status, body := e.postJSON("/api/v1/guidelines", lw.libPublisher, v2body, &v2); status != 201 || v2.SeriesID != v1.ID || v2.Version != 2 {
		t.Fatalf("create v2: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+v2.ID+"/publish", lw.libPublisher, nil, &v2); status != 200 || v2.Supersedes != v1.ID {
		t.Fatalf("publish v2: %d %s", status, body)
	}
	var old guidelineJSON
	if status := e.getJSON("/api/v1/guidelines/"+v1.ID, lw.otherAdmin, &old); status != 200 || old.State != "superseded" || old.SupersededBy != v2.ID || !old.Library {
		t.Errorf("v1 after v2: %d %+v", status, old)
	}
	// Every tenant reads the published versions of its industries.
	for who, token := range map[string]string{"hebei consultant": lw.consultant, "hebei regulator": lw.regulator, "beijing enterprise": lw.beijingEnterprise} {
		if ids := e.guidelineIDs(token, "?industry=C2511"); strings.Join(ids, ",") != strings.Join(sorted(v1.ID, v2.ID), ",") {
			t.Errorf("%s: C2511 lists %v", who, ids)
		}
		if ids := e.guidelineIDs(token, "?industry=C2710"); len(ids) != 0 {
			t.Errorf("%s: C2710 lists %v", who, ids)
		}
		var ch struct {
			PreviousID string `json:"previous_id"`
			Added      []string
			Removed    []string
			Similarity float64
		}
		if status := e.getJSON("/api/v1/guidelines/"+v2.ID+"/changes", token, &ch); status != 200 || ch.PreviousID != v1.ID ||
			!strings.Contains(strings.Join(ch.Added, "|"), "挥发性有机物无组织排放") ||
			!strings.Contains(strings.Join(ch.Removed, "|"), "废水排放") {
			t.Errorf("%s: changes %d %+v", who, status, ch)
		}
	}
	if status, body := e.getJSON2("/api/v1/guidelines?industry=石化", lw.admin); status != 422 {
		t.Errorf("bad industry filter: %d %s", status, body)
	}

	// A tenant's local version is its own; only its admins and publishers publish.
	local := map[string]any{"document_id": localDoc, "issuing_body": "河北省生态环境厅", "effective_date": "2026-02-01", "industries": []string{"C33"}}
	if status, body := e.postJSON("/api/v1/guidelines", lw.consultant, local, nil); status != 409 || e.problemCode(body) != "guideline_not_allowed" {
		t.Errorf("consultant creates: %d %s", status, body)
	}
	adminGuide := e.uploadText(lw.admin, [][2]string{{"kind", "guideline"}}, "管理员上传的指南.txt", []byte("管理员上传的指南。"))
	if status, body := e.postJSON("/api/v1/guidelines", lw.hebeiPublisher, map[string]any{"document_id": adminGuide, "issuing_body": "河北省生态环境厅",
		"effective_date": "2026-02-01", "industries": []string{"C33"}}, nil); status != 409 || e.problemCode(body) != "guideline_not_allowed" {
		t.Errorf("a publisher publishes another's upload: %d %s", status, body)
	}
	var lg guidelineJSON
	if status, body := e.postJSON("/api/v1/guidelines", lw.hebeiPublisher, local, &lg); status != 201 || lg.Library {
		t.Fatalf("local: %d %s", status, body)
	}
	if status, body := e.postJSON("/api/v1/guidelines/"+lg.ID+"/publish", lw.regulator, nil, nil); status != 404 {
		t.Errorf("regulator publishes a draft it cannot read: %d %s", status, body)
	}
	if status, _ := e.postJSON("/api/v1/guidelines/"+lg.ID+"/publish", lw.admin, nil, nil); status != 200 {
		t.Errorf("hebei admin publishes: %d", status)
	}
	if status := e.getJSON("/api/v1/guidelines/"+lg.ID, lw.regulator, nil); status != 200 {
		t.Errorf("hebei regulator reads the local version: %d", status)
	}
	for who, token := range map[string]string{"library publisher": lw.libPublisher, "library admin": lw.libAdmin, "beijing admin": lw.otherAdmin} {
		if status := e.getJSON("/api/v1/guidelines/"+lg.ID, token, nil); status != 404 {
			t.Errorf("%s reads hebei's local version: %d", who, status)
		}
		if ids := e.guidelineIDs(token, "?industry=C33"); len(ids) != 0 {
			t.Errorf("%s lists %v", who, ids)
		}
	}
	// The library's publisher cannot make a version of a tenant's document.
	if status, _ := e.postJSON("/api/v1/guidelines", lw.libPublisher, map[string]any{"document_id": localDoc, "issuing_body": "x",
		"effective_date": "2026-02-01", "industries": []string{"C33"}}, nil); status != 404 {
		t.Errorf("library publisher on hebei's document: %d", status)
	}
}

func (e *testEnv) getJSON2(path, token string) (int, []byte) {
	e.t.Helper()
	status, body, _ := e.do("GET", path, token, nil, "")
	return status, body
}
