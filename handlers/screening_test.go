package handlers_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func ccode(first17 string) string { return first17 + string(cpaudit.CreditCodeCheck(first17)) }

// sourceCSV is a source file of three enterprises: the world's
// Shijiazhuang enterprise (registered already) over the COD standard, a
// Tangshan steelworks flagged 高耗能, and a machine shop no rule selects.
func sourceCSV() string {
	return "\ufeff统一社会信用代码,企业名称,行政区划代码,行业代码,标识,综合能耗(吨标准煤),化学需氧量排放量(吨)\n" +
		"91350100M000100Y43,石家庄化工有限公司,130100,C2710,,1200,15.5\n" +
		ccode("91130200MA0A00002") + ",唐山钢铁有限公司,130203,C3110,高耗能,90000,\n" +
		ccode("91130900MA0A00006") + ",沧州机械有限公司,130902,C3411,,300,0\n"
}

func (e *testEnv) importSource(token, filename string, content []byte) (int, []byte) {
	e.t.Helper()
	body, ct := multipartBody(e.t, [][2]string{{"name", "2026年污染源普查"}}, filename, content)
	status, b, _ := e.do("POST", "/api/v1/screening/sources", token, body, ct)
	return status, b
}

// TestScreeningAPI drives the screening through its routes: a CSV and an
// .xlsx source imported, candidates with their reasons, the batch made of
// the chosen ones with each enterprise's audit and reasons.
func TestScreeningAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	status, raw := e.importSource(w.regulator, "源数据.csv", []byte(sourceCSV()))
	var src struct {
		ID   string
		Rows int
	}
	if status != 201 || json.Unmarshal(raw, &src) != nil || src.Rows != 3 {
		t.Fatalf("import CSV: %d %s", status, raw)
	}
	if status := e.getJSON("/api/v1/screening/sources/"+src.ID, w.regulator, &src); status != 200 || src.Rows != 3 {
		t.Fatalf("read back: %d %+v", status, src)
	}
	if status := e.getJSON("/api/v1/screening/sources/"+src.ID, w.consultant, nil); status != 404 {
		t.Fatalf("a consultant reads the source: %d", status)
	}
	if status, raw := e.importSource(w.consultant, "源数据.csv", []byte(sourceCSV())); status != 409 || !strings.Contains(string(raw), "screening_not_allowed") {
		t.Fatalf("a consultant imports: %d %s", status, raw)
	}

	rules := map[string]any{"emissions": map[string]float64{"cod": 10}, "flags": []string{"energy_intensive"}, "energy_tce": 50000}
	var screened struct {
		Candidates []cpaudit.ScreenCandidate
	}
	if status, raw := e.postJSON("/api/v1/screening/sources/"+src.ID+"/candidates", w.regulator, rules, &screened); status != 200 {
		t.Fatalf("screen: %d %s", status, raw)
	}
	got := map[string][]string{}
	for _, c := range screened.Candidates {
		for _, r := range c.Reasons {
			got[c.Name] = append(got[c.Name], r.Detail)
		}
	}
	if len(got) != 2 || !slices.Equal(got["石家庄化工有限公司"], []string{"cod 15.5 t > 10 t"}) ||
		!slices.Equal(got["唐山钢铁有限公司"], []string{"高耗能", "energy 90000 tce > 50000 tce"}) {
		t.Fatalf("candidates %v", got)
	}
	if status, raw := e.postJSON("/api/v1/screening/sources/"+src.ID+"/candidates", w.regulator, map[string]any{}, nil); status != 422 || !strings.Contains(string(raw), "screening_no_rules") {
		t.Fatalf("no rules: %d %s", status, raw)
	}

	body := map[string]any{"batch": map[string]any{"year": 2026, "number": 5, "name": "2026年第五批（筛选）"}, "rules": rules,
		"credit_codes": []string{"91350100M000100Y43", ccode("91130200MA0A00002")}, "consultancy_id": w.consID}
	var made struct {
		Batch    cpaudit.Batch
		Listings []cpaudit.ScreeningListing
	}
	if status, raw := e.postJSON("/api/v1/screening/sources/"+src.ID+"/batch", w.regulator, body, &made); status != 201 {
		t.Fatalf("batch: %d %s", status, raw)
	}
	if !slices.Equal(made.Batch.Reasons, []cpaudit.ListingReason{cpaudit.ReasonDoubleExceed, cpaudit.ReasonEnergyIntensive}) || len(made.Listings) != 2 ||
		made.Listings[0].EnterpriseID != w.entID {
		t.Fatalf("made %+v", made)
	}
	var au struct {
		BatchID       string `json:"batch_id"`
		ConsultancyID string `json:"consultancy_id"`
	}
	if status := e.getJSON("/api/v1/audits/"+made.Listings[1].AuditID, w.admin, &au); status != 200 || au.BatchID != made.Batch.ID || au.ConsultancyID != w.consID {
		t.Fatalf("audit of the steelworks: %d %+v", status, au)
	}
	var listed struct {
		Listings []cpaudit.ScreeningListing
	}
	if status := e.getJSON("/api/v1/batches/"+made.Batch.ID+"/listings", w.admin, &listed); status != 200 || len(listed.Listings) != 2 ||
		listed.Listings[0].Name != "唐山钢铁有限公司" || listed.Listings[0].Reasons[0].Detail != "高耗能" {
		t.Fatalf("listings: %d %+v", status, listed)
	}
	if status, raw, _ := e.do("GET", "/api/v1/batches/"+made.Batch.ID+"/listings", w.consultant, nil, ""); status != 409 || !strings.Contains(string(raw), "screening_not_allowed") {
		t.Fatalf("a consultant reads the listings: %d %s", status, raw)
	}
	// A code no rule selected is refused, and nothing is written.
	body["batch"] = map[string]any{"year": 2026, "number": 6, "name": "第六批"}
	body["credit_codes"] = []string{ccode("91130900MA0A00006")}
	if status, raw := e.postJSON("/api/v1/screening/sources/"+src.ID+"/batch", w.regulator, body, nil); status != 422 || !strings.Contains(string(raw), "screening_not_candidate") {
		t.Fatalf("not a candidate: %d %s", status, raw)
	}
	var batches struct{ Batches []cpaudit.Batch }
	if e.getJSON("/api/v1/batches", w.admin, &batches); len(batches.Batches) != 1 {
		t.Fatalf("batches %+v", batches)
	}

	// The same kind of file as Excel on Chinese Windows saves it: GB18030.
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String("统一社会信用代码,企业名称,行政区划代码,行业代码,标识\n" +
		ccode("91130600MA0A00009") + ",保定印染有限公司,130602,C1713,双有\n")
	if err != nil {
		t.Fatal(err)
	}
	if status, raw := e.importSource(w.admin, "源数据-gbk.csv", []byte(gbk)); status != 201 {
		t.Fatalf("import GB18030 CSV: %d %s", status, raw)
	}
	// The same data as .xlsx.
	tb := sheet.Table{Sheet: "源数据", Header: []string{"credit_code", "name", "region", "industry", "flags"}}
	tb.Rows = [][]any{{ccode("91131100MA0A00004"), "衡水化工有限公司", "131102", "C2614", "双有"}}
	var buf bytes.Buffer
	if err := sheet.Write(&buf, tb); err != nil {
		t.Fatal(err)
	}
	if status, raw := e.importSource(w.admin, "源数据.xlsx", buf.Bytes()); status != 201 {
		t.Fatalf("import .xlsx: %d %s", status, raw)
	}
}

// TestScreeningImportRejects: a file with bad rows answers each row and
// why, and imports nothing; bad files are 400.
func TestScreeningImportRejects(t *testing.T) {
	w := newWorld(t)
	e := w.e
	bad := sourceCSV() +
		"91130100MA0A0000X1,坏代码有限公司,130104,C2520,,,\n" +
		"91350100M000100Y43,重复有限公司,130100,C2710,,,\n" +
		ccode("91130100MA0A00007") + ",标识错有限公司,130104,C2520,超标,,\n" +
		ccode("91130100MA0A00008") + ",数字错有限公司,130104,C2520,,很多,\n"
	if status, b, _ := e.do("POST", "/api/v1/screening/sources", w.admin, strings.NewReader(bad), "text/csv"); status != 400 {
		t.Fatalf("a bare CSV body, not a form: %d %s", status, b)
	}
	status, raw := e.importSource(w.admin, "源数据.csv", []byte(bad))
	var p struct {
		Code     string
		Rejected []cpaudit.ImportRejection
	}
	if status != 422 || json.Unmarshal(raw, &p) != nil || p.Code != "screening_rows_rejected" || len(p.Rejected) != 4 {
		t.Fatalf("bad rows: %d %s", status, raw)
	}
	want := []struct {
		row  int
		code cpaudit.Code
	}{{5, cpaudit.CodeCreditCodeCheck}, {6, cpaudit.CodeImportCreditCodeRepeat}, {7, cpaudit.CodeScreeningFlagUnknown}, {8, cpaudit.CodeScreeningNumberInvalid}}
	for i, w := range want {
		if p.Rejected[i].Row != w.row || p.Rejected[i].Code != w.code {
			t.Errorf("rejection %d: %+v, want row %d %s", i, p.Rejected[i], w.row, w.code)
		}
	}
	// Nothing was imported: no source, no enterprise.
	var ents struct{ Enterprises []any }
	if e.getJSON("/api/v1/enterprises", w.admin, &ents); len(ents.Enterprises) != 1 {
		t.Errorf("enterprises after a refused source: %d", len(ents.Enterprises))
	}
	for _, tt := range []struct {
		name, content string
		status        int
		code          string
	}{
		{"missing columns", "企业名称,行业代码\n某公司,C2520\n", 400, "import_columns_missing"},
		{"GBK with the wrong columns", "\xb9\xfa\xbc\xd2,\xc6\xf3\xd2\xb5\n", 400, "import_columns_missing"}, // 国家,企业
		{"binary", "\x00\xff\xfe\x81\x00\x9f", 400, "screening_csv_invalid"},
		{"header only", "统一社会信用代码,企业名称,行政区划代码,行业代码\n", 422, "sheet_empty"},
		{"empty", "", 400, "sheet_empty"},
	} {
		status, raw := e.importSource(w.admin, "x.csv", []byte(tt.content))
		if status != tt.status || !strings.Contains(string(raw), `"code":"`+tt.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, raw, tt.status, tt.code)
		}
	}
}
