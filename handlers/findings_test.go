package handlers_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

type findingJSON struct {
	ID               string   `json:"id"`
	AuditID          string   `json:"audit_id"`
	ConsultancyID    string   `json:"consultancy_id"`
	Category         string   `json:"category"`
	Severity         string   `json:"severity"`
	State            string   `json:"state"`
	Description      string   `json:"description"`
	DocumentIDs      []string `json:"document_ids"`
	RectificationDue string   `json:"rectification_due"`
	FlagID           string   `json:"flag_id"`
	FlagKind         string   `json:"flag_kind"`
	CreatedAt        string   `json:"created_at"`
}

type findingList struct {
	Total    int           `json:"total"`
	Findings []findingJSON `json:"findings"`
}

type evaluationJSON struct {
	ConsultancyID  string   `json:"consultancy_id"`
	Year           int      `json:"year"`
	Score          int      `json:"score"`
	Vetoed         bool     `json:"vetoed"`
	VetoFindingIDs []string `json:"veto_finding_ids"`
}

// TestFindingsAPI records findings through the contract's routes, lists
// them by who may read them, refuses bad input with its codes, and rates
// the consultancy with the one-vote veto.
func TestFindingsAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	sys := w.sys
	enterprise := e.user(sys, "wang@sjzhg.cn", cpaudit.RoleEnterprise, w.entID)
	expert := e.user(sys, "zhao@expert.cn", cpaudit.RoleExpert, "")
	status, doc := e.upload(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "清洁生产审核报告.txt",
		[]byte("石家庄化工有限公司清洁生产审核报告：节水量12000吨/年"))
	if status != 201 {
		t.Fatalf("upload: %d %v", status, doc)
	}
	report := doc["id"].(string)

	body := map[string]any{"audit_id": w.auditID, "category": "untrue_evidence", "severity": "major",
		"description": "设备铭牌照片与现场核查不符，佐证材料不属实", "document_ids": []string{report}, "rectification_due": "2099-12-31"}
	var veto findingJSON
	if status, raw := e.postJSON("/api/v1/findings", w.regulator, body, &veto); status != 201 {
		t.Fatalf("create: %d %s", status, raw)
	}
	if veto.ID == "" || veto.State != "open" || veto.AuditID != w.auditID || veto.ConsultancyID != w.consID ||
		veto.Description != "设备铭牌照片与现场核查不符，佐证材料不属实" || !slices.Equal(veto.DocumentIDs, []string{report}) ||
		veto.RectificationDue != "2099-12-31" || veto.Category != "untrue_evidence" || veto.Severity != "major" {
		t.Errorf("created %+v", veto)
	}
	var minor findingJSON
	if status, raw := e.postJSON("/api/v1/findings", expert, map[string]any{"audit_id": w.auditID, "category": "wrong_calculation",
		"severity": "minor", "description": "水平衡计算有误"}, &minor); status != 201 || len(minor.DocumentIDs) != 0 || minor.DocumentIDs == nil {
		t.Fatalf("an expert's finding with no documents: %d %s", status, raw)
	}

	// Refusals, each with its status and code.
	for _, tc := range []struct {
		name   string
		token  string
		change map[string]any
		status int
		code   cpaudit.Code
	}{
		{"the audit's consultant", w.consultant, nil, 409, cpaudit.CodeFindingNotAllowed},
		{"the audit's enterprise", enterprise, nil, 409, cpaudit.CodeFindingNotAllowed},
		{"another tenant's admin", w.otherAdmin, nil, 404, cpaudit.CodeNoSuchAudit},
		{"another tenant's consultant", w.otherConsultant, nil, 404, cpaudit.CodeNoSuchAudit},
		{"an audit of another tenant", w.admin, map[string]any{"audit_id": w.otherAuditID}, 404, cpaudit.CodeNoSuchAudit},
		{"no audit", w.admin, map[string]any{"audit_id": ""}, 422, cpaudit.CodeFieldRequired},
		{"unknown category", w.admin, map[string]any{"category": "抄袭"}, 422, cpaudit.CodeFindingCategoryUnknown},
		{"unknown severity", w.admin, map[string]any{"severity": "严重"}, 422, cpaudit.CodeFindingSeverityUnknown},
		{"no description", w.admin, map[string]any{"description": ""}, 422, cpaudit.CodeFieldRequired},
		{"not a date", w.admin, map[string]any{"rectification_due": "2099/12/31"}, 422, cpaudit.CodeDateInvalid},
		{"due in the past", w.admin, map[string]any{"rectification_due": "2001-01-01"}, 422, cpaudit.CodeFindingDueInPast},
		{"another tenant's document", w.admin, map[string]any{"document_ids": []string{w.otherDocID}}, 422, cpaudit.CodeDocumentNotOfAudit},
		{"documents not a list", w.admin, map[string]any{"document_ids": report}, 400, cpaudit.CodeBodyMalformed},
	} {
		in := map[string]any{}
		for k, v := range body {
			in[k] = v
		}
		for k, v := range tc.change {
			in[k] = v
		}
		status, raw := e.postJSON("/api/v1/findings", tc.token, in, nil)
		if status != tc.status || refusalCode(t, status, raw) != string(tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, raw, tc.status, tc.code)
		}
	}

	// Who reads which findings.
	for _, tc := range []struct {
		who, token, query string
		want              []string
	}{
		{"admin", w.admin, "", []string{minor.ID, veto.ID}},
		{"regulator", w.regulator, "?audit_id=" + w.auditID, []string{minor.ID, veto.ID}},
		{"the consultant", w.consultant, "?consultancy_id=" + w.consID, []string{minor.ID, veto.ID}},
		{"the enterprise", enterprise, "?state=open", []string{minor.ID, veto.ID}},
		{"closed ones", w.admin, "?state=closed", nil},
		{"one a page", w.admin, "?limit=1&offset=1", []string{veto.ID}},
		{"another tenant's admin", w.otherAdmin, "", nil},
		{"another tenant's consultant", w.otherConsultant, "?consultancy_id=" + w.consID, nil},
	} {
		var list findingList
		if status := e.getJSON("/api/v1/findings"+tc.query, tc.token, &list); status != 200 {
			t.Errorf("%s: %d", tc.who, status)
			continue
		}
		var ids []string
		for _, f := range list.Findings {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, tc.want) || (tc.query == "" && list.Total != len(tc.want)) {
			t.Errorf("%s%s: %v (total %d), want %v", tc.who, tc.query, ids, list.Total, tc.want)
		}
	}
	for _, tc := range []struct {
		token, query string
		status       int
		code         cpaudit.Code
	}{
		{w.admin, "?state=rectified", 400, cpaudit.CodeFindingStateUnknown},
		{w.admin, "?limit=0", 400, cpaudit.CodeNumberRange},
		{w.admin, "?audit_id=" + w.otherAuditID, 404, cpaudit.CodeNoSuchAudit},
		{w.otherAdmin, "?audit_id=" + w.auditID, 404, cpaudit.CodeNoSuchAudit},
		{w.otherConsultant, "?audit_id=" + w.auditID, 404, cpaudit.CodeNoSuchAudit},
	} {
		status, raw, _ := e.do("GET", "/api/v1/findings"+tc.query, tc.token, nil, "")
		if status != tc.status || refusalCode(t, status, raw) != string(tc.code) {
			t.Errorf("GET findings%s: %d %s, want %d %s", tc.query, status, raw, tc.status, tc.code)
		}
	}

	// The evaluation: a major untrue_evidence finding and a minor one this
	// year give 75 and the veto; a year without findings gives 100.
	thisYear := time.Now().In(cpaudit.ChinaLocation()).Year()
	evalPath := "/api/v1/consultancies/" + w.consID + "/evaluation"
	for _, tc := range []struct {
		who, token, query string
		want              evaluationJSON
	}{
		{"the firm's consultant", w.consultant, "", evaluationJSON{w.consID, thisYear, 75, true, []string{veto.ID}}},
		{"regulator", w.regulator, "?year=" + strconv.Itoa(thisYear), evaluationJSON{w.consID, thisYear, 75, true, []string{veto.ID}}},
		{"admin, 2001", w.admin, "?year=2001", evaluationJSON{w.consID, 2001, 100, false, []string{}}},
	} {
		var ev evaluationJSON
		if status := e.getJSON(evalPath+tc.query, tc.token, &ev); status != 200 || ev.ConsultancyID != tc.want.ConsultancyID ||
			ev.Year != tc.want.Year || ev.Score != tc.want.Score || ev.Vetoed != tc.want.Vetoed || !slices.Equal(ev.VetoFindingIDs, tc.want.VetoFindingIDs) {
			t.Errorf("%s: %d %+v, want %+v", tc.who, status, ev, tc.want)
		}
	}
	rival := e.org(sys, cpaudit.OrgConsultancy, "蓝天环保咨询", "91130100MA0RWTKL1")
	rivalConsultant := e.user(sys, "li@lantian.cn", cpaudit.RoleConsultant, rival.ID)
	for _, tc := range []struct {
		who, token, path string
		status           int
	}{
		{"a rival consultant", rivalConsultant, evalPath, 404},
		{"the rival reads its own", rivalConsultant, "/api/v1/consultancies/" + rival.ID + "/evaluation", 200},
		{"the enterprise", enterprise, evalPath, 404},
		{"another tenant's admin", w.otherAdmin, evalPath, 404},
		{"an enterprise's id", w.admin, "/api/v1/consultancies/" + w.entID + "/evaluation", 404},
		{"no such consultancy", w.admin, "/api/v1/consultancies/o-nowhere/evaluation", 404},
		{"year 1999", w.admin, evalPath + "?year=1999", 400},
		{"year not a number", w.admin, evalPath + "?year=二〇二六", 400},
	} {
		status, raw, _ := e.do("GET", tc.path, tc.token, nil, "")
		if status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.who, status, raw, tc.status)
		}
		if status >= 400 {
			refusalCode(t, status, raw)
		}
	}
}

// TestFindingFromFlag: confirming a flag records a finding on each audit
// it touches, citing the flag's documents of that audit; it is listed
// beside the findings recorded by hand, "other" and "minor".
func TestFindingFromFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 设备铭牌照片")
	_, mine := e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "铭牌.jpg", photo)
	_, theirs := e.upload(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "照片.jpg", photo)
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_file")
	if len(fl.Flags) != 1 {
		t.Fatalf("want 1 flag, got %+v", fl)
	}
	if status, raw := e.postJSON("/api/v1/flags/"+fl.Flags[0].ID+"/review", w.regulator,
		map[string]string{"decision": "confirm", "reason": "两家企业使用同一张铭牌照片"}, nil); status != 200 {
		t.Fatalf("confirm: %d %s", status, raw)
	}
	for _, tc := range []struct{ token, audit, doc string }{
		{w.consultant, w.auditID, mine["id"].(string)},
		{other, otherAudit, theirs["id"].(string)},
	} {
		var list findingList
		if status := e.getJSON("/api/v1/findings?audit_id="+tc.audit, tc.token, &list); status != 200 || len(list.Findings) != 1 {
			t.Fatalf("findings of %s: %d %+v", tc.audit, status, list)
		}
		f := list.Findings[0]
		if f.FlagID != fl.Flags[0].ID || f.FlagKind != "duplicate_file" || f.Category != "other" || f.Severity != "minor" ||
			f.State != "open" || f.Description != "两家企业使用同一张铭牌照片" || !slices.Equal(f.DocumentIDs, []string{tc.doc}) {
			t.Errorf("finding from the flag: %+v, want documents [%s]", f, tc.doc)
		}
	}
	// Each party reads only its own audit's finding.
	var list findingList
	if e.getJSON("/api/v1/findings", other, &list); list.Total != 1 || list.Findings[0].AuditID != otherAudit {
		t.Errorf("the other enterprise reads %+v", list)
	}
}

// TestAuditPageFindings: the audit page lists the audit's findings, in
// Chinese first, with the veto marked and the cited documents linked;
// English on request; a rival consultancy sees no page at all.
func TestAuditPageFindings(t *testing.T) {
	w := newWorld(t)
	e := w.e
	b := e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	if page := b.page("/audits/" + w.auditID); !strings.Contains(page, "本审核尚无记录的问题") {
		t.Errorf("an audit without findings:\n%s", page)
	}
	status, doc := e.upload(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}, {"title", "设备铭牌照片"}}, "铭牌.txt", []byte("设备铭牌"))
	if status != 201 {
		t.Fatalf("upload: %d", status)
	}
	var f findingJSON
	if status, raw := e.postJSON("/api/v1/findings", w.regulator, map[string]any{"audit_id": w.auditID, "category": "untrue_evidence",
		"severity": "major", "description": "铭牌照片与现场设备不符<script>", "document_ids": []string{doc["id"].(string)},
		"rectification_due": "2099-06-30"}, &f); status != 201 {
		t.Fatalf("create: %d %s", status, raw)
	}
	page := b.page("/audits/" + w.auditID)
	for _, want := range []string{`id="finding-` + f.ID + `"`, "佐证材料不属实", "一票否决", "严重", "待整改", "2099-06-30",
		"铭牌照片与现场设备不符&lt;script&gt;", `href="/documents/` + doc["id"].(string) + `"`, "设备铭牌照片", `id="findings-count">1<`} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") && strings.Contains(page, "不符<script>") {
		t.Error("the description is not escaped")
	}
	en := b.page("/audits/" + w.auditID + "?lang=en")
	for _, want := range []string{"Findings", "Untrue evidence", "Veto", "Major", "Open"} {
		if !strings.Contains(en, want) {
			t.Errorf("English audit page lacks %q", want)
		}
	}
}
