package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// docxReport builds a .docx with paragraphs and, when rows is not nil, a
// table after them.
func docxReport(t *testing.T, paras []string, rows [][]string) []byte {
	t.Helper()
	var body strings.Builder
	for _, p := range paras {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + html.EscapeString(p) + `</w:t></w:r></w:p>`)
	}
	if rows != nil {
		body.WriteString(`<w:tbl>`)
		for _, row := range rows {
			body.WriteString(`<w:tr>`)
			for _, c := range row {
				body.WriteString(`<w:tc><w:p><w:r><w:t>` + html.EscapeString(c) + `</w:t></w:r></w:p></w:tc>`)
			}
			body.WriteString(`</w:tr>`)
		}
		body.WriteString(`</w:tbl>`)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`},
	} {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pdfOf converts a text to a PDF with LibreOffice, as a scanned-in
// monitoring report would be exported.
func pdfOf(t *testing.T, text string) []byte {
	t.Helper()
	bin := testenv.Soffice(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "doc.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "pdf", "--outdir", filepath.Join(dir, "out"), filepath.Join(dir, "doc.txt"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "out", "doc.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// figureDetail is the detail of an inconsistent_figure flag.
type figureDetail struct {
	Mismatches []struct {
		Quantity string  `json:"quantity"`
		Context  string  `json:"context"`
		Diff     float64 `json:"diff"`
		Values   []struct {
			DocumentID string  `json:"document_id"`
			Title      string  `json:"title"`
			Option     string  `json:"option"`
			Raw        string  `json:"raw"`
			Value      float64 `json:"value"`
			Unit       string  `json:"unit"`
			Offset     int     `json:"offset"`
			Sheet      string  `json:"sheet"`
			Row, Col   int
		} `json:"values"`
	} `json:"mismatches"`
}

// TestInconsistentFigureFlag: a .docx report, .xlsx evidence tables, a PDF
// and the structured options of one audit. A figure the evidence
// contradicts is flagged with both values and where each was read; a
// figure within 5%, one that agrees after converting 万元 to 元, and
// figures of other options or of other audits are not. A new version and
// a changed option replace the flags.
func TestInconsistentFigureFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	in := func(kind string) [][2]string { return [][2]string{{"kind", kind}, {"audit_id", w.auditID}} }

	// The structured option: 投资 450000 元 agrees with the report's 45万元.
	opt := map[string]any{"code": "F1", "name": "中水回用系统", "category": "high_cost",
		"figures": map[string]float64{"investment": 450000, "water": 12000}}
	if status, body := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, opt, nil); status != 201 {
		t.Fatalf("create option: %d %s", status, body)
	}

	report := e.uploadText(w.consultant, in("report"), "清洁生产审核报告.docx", docxReport(t, []string{
		"第六章 方案的确定",
		"方案F1中水回用系统：投资45万元，节水量12000吨/年，年经济效益30万元。",
		"方案F2电机变频改造：投资12万元，节电量35万kWh/a。",
		"全厂年削减COD 2.0吨。",
	}, nil))
	// Evidence that says 11000 for F1's water: more than 5% off.
	sheet := e.uploadText(w.consultant, in("evidence"), "节水统计.xlsx", importSheet(t, [][]any{
		{"方案编号", "方案名称", "节水量（吨/年）"},
		{"F1", "中水回用系统", 11000},
		{"F2", "电机变频改造", ""},
	}))
	// A Word table for the other option, agreeing.
	e.uploadText(w.consultant, in("evidence"), "节电台账.docx", docxReport(t, []string{"节电台账"}, [][]string{
		{"方案", "节电量（万kWh/年）"}, {"F2", "35"},
	}))
	// A monitoring report as a PDF: COD cut 3.2 t against the report's 2.0.
	monitor := e.uploadText(w.consultant, in("evidence"), "监测报告.pdf", pdfOf(t,
		"监测报告\n\n监测报告编号：JC-2025-0416\n\n经监测，全厂年削减COD 3.2t/a，COD排放浓度35.5mg/L。\n"))
	// Another audit's documents are never compared with this one's.
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}}, "唐钢报告.docx",
		docxReport(t, []string{"方案F1中水回用系统：投资80万元，节水量5000吨/年。"}, nil))
	e.process()

	fl := e.flags(w.regulator, "?kind=inconsistent_figure")
	pairs := map[[2]string]figureDetail{}
	for _, f := range fl.Flags {
		var d figureDetail
		if err := json.Unmarshal(f.Detail, &d); err != nil {
			t.Fatal(err)
		}
		ids := slices.Clone(f.DocumentIDs)
		slices.Sort(ids)
		key := [2]string{ids[0], ids[len(ids)-1]}
		pairs[key] = d
	}
	sorted := func(a, b string) [2]string { return [2]string{min(a, b), max(a, b)} }
	want := [][2]string{sorted(report, sheet), {sheet, sheet}, sorted(report, monitor)}
	if len(pairs) != len(want) {
		t.Fatalf("flags %v, want %v (report %s, sheet %s, monitor %s)", fl.Flags, want, report, sheet, monitor)
	}
	for _, k := range want {
		if _, ok := pairs[k]; !ok {
			t.Fatalf("no flag for %v among %v", k, fl.Flags)
		}
	}
	// Report against evidence: both values, as written, and where.
	d := pairs[sorted(report, sheet)]
	if len(d.Mismatches) != 1 || d.Mismatches[0].Quantity != "water" || d.Mismatches[0].Context != "F1" || len(d.Mismatches[0].Values) != 2 {
		t.Fatalf("report vs sheet: %+v", d)
	}
	byDoc := map[string]int{}
	for i, v := range d.Mismatches[0].Values {
		byDoc[v.DocumentID] = i
	}
	r, s := d.Mismatches[0].Values[byDoc[report]], d.Mismatches[0].Values[byDoc[sheet]]
	if r.Value != 12000 || r.Raw != "12000吨/年" || r.Unit != "t" || r.Offset < 0 || r.Title == "" {
		t.Errorf("report side %+v", r)
	}
	if s.Value != 11000 || s.Raw != "11000" || s.Sheet != "Sheet1" || s.Row != 2 || s.Col != 3 || s.Offset != -1 {
		t.Errorf("sheet side %+v", s)
	}
	// The sheet against the structured option.
	d = pairs[[2]string{sheet, sheet}]
	if len(d.Mismatches) != 1 || d.Mismatches[0].Values[1].Option != "F1" || d.Mismatches[0].Values[1].Value != 12000 {
		t.Errorf("sheet vs option: %+v", d)
	}
	// The PDF's COD: 3.2 t against 2.0 t; its concentration is no figure.
	d = pairs[sorted(report, monitor)]
	if len(d.Mismatches) != 1 || d.Mismatches[0].Quantity != "cod" {
		t.Errorf("report vs monitoring report: %+v", d)
	}

	// A corrected version of the sheet, 12,300 (within 5% of 12000):
	// its flags go.
	body, ct := multipartBody(t, nil, "节水统计.xlsx", importSheet(t, [][]any{
		{"方案编号", "方案名称", "节水量（吨/年）"}, {"F1", "中水回用系统", "12,300"}}))
	if status, b, _ := e.do("POST", "/api/v1/documents/"+sheet+"/versions", w.consultant, body, ct); status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}
	e.process()
	if n := len(e.flags(w.regulator, "?kind=inconsistent_figure&document_id="+sheet).Flags); n != 0 {
		t.Errorf("%d flags for the corrected sheet", n)
	}
	// Changing the option to 50万元 flags the report against it.
	opt["figures"] = map[string]float64{"investment": 500000, "water": 12000}
	if status, body := e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, opt, nil); status != 200 {
		t.Fatalf("update option: %d %s", status, body)
	}
	e.process()
	fl = e.flags(w.regulator, "?kind=inconsistent_figure&document_id="+report)
	flagID := ""
	for _, f := range fl.Flags {
		if len(f.DocumentIDs) == 1 && strings.Contains(string(f.Detail), `"investment"`) && strings.Contains(string(f.Detail), `"45万元"`) {
			flagID = f.ID
		}
	}
	if flagID == "" {
		t.Fatalf("no flag of the report against the changed option: %+v", fl.Flags)
	}
	// The flag page shows the values side by side in a table.
	b := e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	page := b.get("/flags/" + flagID)
	for _, want := range []string{`id="flag-figures"`, "数据不一致", "45万元", "450000 元", "500000 元", "结构化方案数据 F1", "清洁生产审核报告.docx"} {
		if page.status != 200 || !strings.Contains(page.body, want) {
			t.Errorf("flag page: %d, %q missing", page.status, want)
		}
	}
}

// TestAuditOptionsAPI: who may enter and read an audit's options, and
// what is refused.
func TestAuditOptionsAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	path := "/api/v1/audits/" + w.auditID + "/options"
	good := map[string]any{"code": "F1", "name": "中水回用系统", "category": "high_cost", "figures": map[string]float64{"investment": 450000}}
	for _, tc := range []struct {
		token string
		in    any
		want  int
	}{
		{w.regulator, good, 409},
		{w.otherAdmin, good, 404},
		{w.consultant, map[string]any{"code": "F1", "name": "x", "category": "cheap"}, 400},
		{w.consultant, map[string]any{"code": "", "name": "x", "category": "low_cost"}, 400},
		// Issue 20: an unknown quantity and a negative figure are 422.
		{w.consultant, map[string]any{"code": "F1", "name": "x", "category": "low_cost", "figures": map[string]float64{"gold": 1}}, 422},
		{w.consultant, map[string]any{"code": "F1", "name": "x", "category": "low_cost", "figures": map[string]float64{"water": -1}}, 422},
		{w.consultant, good, 201},
		{w.consultant, good, 200},
	} {
		status, body, h := e.do("POST", path, tc.token, bytes.NewReader(mustJSONBody(t, tc.in)), "application/json")
		if status != tc.want {
			t.Errorf("%v: %d %s, want %d", tc.in, status, body, tc.want)
		} else if status >= 400 {
			problemOf(t, status, body, h)
		}
	}
	var got struct {
		Options []struct {
			Code, Name, Category string
			Figures              map[string]float64
		}
	}
	if status := e.getJSON(path, w.regulator, &got); status != 200 || len(got.Options) != 1 || got.Options[0].Name != "中水回用系统" ||
		got.Options[0].Figures["investment"] != 450000 {
		t.Errorf("list: %d %+v", status, got)
	}
	if status := e.getJSON(path, w.otherAdmin, nil); status != 404 {
		t.Errorf("another tenant lists: %d", status)
	}
	// Both saves are in the audit log, on the audit.
	ctx := context.Background()
	tn, err := e.store.TenantBySlug(ctx, "hebei")
	if err != nil {
		t.Fatal(err)
	}
	log, err := e.store.ObjectLog(ctx, cpaudit.SystemActor(tn.ID), "audit", w.auditID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, l := range log {
		if strings.HasPrefix(l.Action, "option.") {
			actions = append(actions, l.Action)
			if l.Email != "zhang@lvyuan.cn" || !strings.Contains(l.Detail, "中水回用系统") {
				t.Errorf("log entry %+v", l)
			}
		}
	}
	slices.Sort(actions)
	if !slices.Equal(actions, []string{"option.create", "option.update"}) {
		t.Errorf("logged %v", actions)
	}
}

func mustJSONBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDuplicateNumberFlag: the same invoice number in the evidence of two
// enterprises is flagged with both sentences; in two versions or two
// documents of one enterprise it is not, nor is a laboratory's
// qualification certificate printed in both.
func TestDuplicateNumberFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	invoice := func(who string) []byte {
		return docxReport(t, []string{"设备采购发票", who + "购买变频器一台，电子发票号码：24132000000012345678，金额12万元。",
			"检测机构资质认定证书编号：170312050123。"}, nil)
	}
	ev := func(audit string) [][2]string { return [][2]string{{"kind", "evidence"}, {"audit_id", audit}} }
	mine := e.uploadText(w.consultant, ev(w.auditID), "发票.docx", invoice("石家庄化工"))
	// One's own second copy and new version: no flag.
	e.uploadText(w.consultant, ev(w.auditID), "发票副本.docx", invoice("石家庄化工"))
	body, ct := multipartBody(t, nil, "发票.docx", invoice("本公司"))
	if status, b, _ := e.do("POST", "/api/v1/documents/"+mine+"/versions", w.consultant, body, ct); status != 201 {
		t.Fatalf("new version: %d %s", status, b)
	}
	e.process()
	if n := len(e.flags(w.regulator, "?kind=duplicate_number").Flags); n != 0 {
		t.Fatalf("%d duplicate_number flags within one enterprise", n)
	}
	theirs := e.uploadText(other, ev(otherAudit), "唐钢发票.docx", invoice("唐山钢铁"))
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_number&document_id="+theirs)
	if len(fl.Flags) != 2 { // with both of the first enterprise's documents
		t.Fatalf("flags %+v", fl.Flags)
	}
	var d struct {
		Numbers []struct {
			Kind, Number string
			ALabel       string `json:"a_label"`
			ASentence    string `json:"a_sentence"`
			BSentence    string `json:"b_sentence"`
		} `json:"numbers"`
	}
	if err := json.Unmarshal(fl.Flags[0].Detail, &d); err != nil || len(d.Numbers) != 1 {
		t.Fatalf("detail %s", fl.Flags[0].Detail)
	}
	b := e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	page := b.get("/flags/" + fl.Flags[0].ID)
	for _, want := range []string{`id="flag-numbers"`, "编号重复", "24132000000012345678", "唐山钢铁购买变频器"} {
		if page.status != 200 || !strings.Contains(page.body, want) {
			t.Errorf("flag page: %d, %q missing", page.status, want)
		}
	}
	n := d.Numbers[0]
	if n.Kind != "invoice" || n.Number != "24132000000012345678" || n.ALabel != "发票号码" || !strings.Contains(n.ASentence+n.BSentence, "唐山钢铁购买变频器") ||
		!strings.Contains(n.ASentence+n.BSentence, "购买变频器一台,电子发票号码") { // as normalised: ， is ,
		t.Errorf("number %+v", n)
	}
}
