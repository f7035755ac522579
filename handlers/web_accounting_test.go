package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// accountingWorld gives the world's Shijiazhuang audit (130100, C2710,
// 绿源) four options, entered partly in other units:
//
//	F1 implemented {investment 45 万元, cod 3 t, water 12000 t}
//	F2 verified    {investment 100000 元, vocs 500 kg, cod 1.5 t}
//	F3 proposed {cod 100}, F4 feasible {investment 9 万元}: not counted
//
// so by hand: 1 audit, 2 options; investment 550000 元 (2 options), cod
// 4.5 t (2), water 12000 t (1), vocs 0.5 t (1).
func accountingWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	for _, o := range []map[string]any{
		{"code": "F1", "name": "中水回用系统", "category": "high_cost", "status": "implemented",
			"figures": map[string]float64{"investment": 45, "cod": 3, "water": 12000}, "units": map[string]string{"investment": "万元"}},
		{"code": "F2", "name": "VOCs 治理", "category": "high_cost", "status": "verified",
			"figures": map[string]float64{"investment": 100000, "vocs": 500, "cod": 1.5}, "units": map[string]string{"vocs": "kg"}},
		{"code": "F3", "name": "余热回收", "category": "low_cost", "figures": map[string]float64{"cod": 100}},
		{"code": "F4", "name": "更换电机", "category": "low_cost", "status": "feasible",
			"figures": map[string]float64{"investment": 9}, "units": map[string]string{"investment": "万元"}},
	} {
		if status, raw := w.e.postJSON("/api/v1/audits/"+w.auditID+"/options", w.consultant, o, nil); status != 201 {
			t.Fatalf("option %s: %d %s", o["code"], status, raw)
		}
	}
	return w
}

// TestResultsAccounting: the region breakdown at each level with the
// counts behind each figure (API), the click-through from a figure to
// its options (page), and refusals in Chinese.
func TestResultsAccounting(t *testing.T) {
	w := accountingWorld(t)
	e := w.e
	type group struct {
		Key     string
		Audits  int
		Options int
		Figures map[string]float64
		Counts  map[string]int
	}
	figs := map[string]float64{"investment": 550000, "cod": 4.5, "water": 12000, "vocs": 0.5}
	counts := map[string]int{"investment": 2, "cod": 2, "water": 1, "vocs": 1}
	for level, key := range map[string]string{"province": "130000", "city": "130100", "county": "130100", "": "130100"} {
		var out struct{ Groups []group }
		if status := e.getJSON("/api/v1/results?group_by=region&level="+level, w.regulator, &out); status != 200 || len(out.Groups) != 1 {
			t.Fatalf("level %q: %d %+v", level, status, out)
		}
		g := out.Groups[0]
		if g.Key != key || g.Audits != 1 || g.Options != 2 || !mapsEqual(g.Figures, figs) || !mapsEqual(g.Counts, counts) {
			t.Errorf("level %q: %+v", level, g)
		}
	}
	status, raw, _ := e.do("GET", "/api/v1/results?group_by=region&level=town", w.admin, nil, "")
	if status != 400 || refusalCode(t, status, raw) != string(cpaudit.CodeResultsLevelInvalid) {
		t.Errorf("level town: %d %s", status, raw)
	}

	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	body := reg.page("/results?group_by=region&level=city")
	for _, want := range []string{`href="/results/options?group_by=region&amp;key=130100&amp;level=city&amp;quantity=vocs"`,
		"2 项方案", "1 项方案", `id="chart-results"`, `id="chart-investment"`, `id="chart-benefit"`, `href="/results.xlsx?level=city"`,
		`href="/results/options.xlsx?level=city"`, `<option value="city" selected>市级</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the results page lacks %q", want)
		}
	}
	// The click-through: the options stating vocs in Shijiazhuang.
	body = reg.page("/results/options?group_by=region&key=130100&level=city&quantity=vocs")
	for _, want := range []string{"计入成效的方案", "按地区：石家庄市", "VOCs 治理", `href="/audits/` + w.auditID + `"`, "已验证", ">0.5<", ">100000<"} {
		if !strings.Contains(body, want) {
			t.Errorf("the option list lacks %q", want)
		}
	}
	for _, not := range []string{"中水回用系统", "余热回收", "更换电机"} {
		if strings.Contains(body, not) {
			t.Errorf("the option list shows %q", not)
		}
	}
	body = reg.page("/results/options?group_by=consultancy&key=" + w.consID)
	if !strings.Contains(body, "中水回用系统") || !strings.Contains(body, "VOCs 治理") || strings.Contains(body, "余热回收") {
		t.Error("the consultancy's options are not the two counted ones")
	}
	if body := reg.page("/results/options?group_by=industry&key=C3110"); !strings.Contains(body, `id="result-options-empty"`) {
		t.Error("an industry without options is not empty")
	}
	for _, c := range []struct{ path, want string }{
		{"/results/options?key=130100", "须同时选定汇总方式"},
		{"/results/options?group_by=region&level=town", "无法按“town”级汇总地区"},
		{"/results/options?quantity=gold", "gold"},
		{"/results/options?key=" + strings.Repeat("键", 30) + "&group_by=region", "须同时选定汇总方式"},
	} {
		if r := reg.get(c.path); r.status != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
			t.Errorf("%s: %d %.200s", c.path, r.status, r.body)
		}
	}
	// Another tenant's admin sees none of it.
	other := e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	if body := other.page("/results/options?group_by=region&key=130100"); strings.Contains(body, "VOCs 治理") {
		t.Error("another tenant lists Hebei's options")
	}
}

func mapsEqual[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestResultsExports: /results.xlsx holds one sheet per breakdown with
// the hand-computed sums and their counts, /results/options.xlsx every
// counted option; both read back with excelize, and the breakdowns also
// after LibreOffice has opened and saved them (headless).
func TestResultsExports(t *testing.T) {
	w := accountingWorld(t)
	e := w.e
	reg := e.browser()
	reg.mustLogin("hebei", "chen@hebei.gov.cn")
	r := reg.get("/results.xlsx?level=city")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("/results.xlsx: %d %s", r.status, r.header.Get("Content-Type"))
	}
	checkBreakdowns(t, []byte(r.body), w)
	checkBreakdowns(t, viaLibreOffice(t, []byte(r.body)), w)

	r = reg.get("/results/options.xlsx?region=130000")
	if r.status != 200 {
		t.Fatalf("/results/options.xlsx: %d", r.status)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("计入方案")
	if err != nil || len(rows) != 3 {
		t.Fatalf("options sheet: %v %q", err, rows)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	for _, h := range []string{"审核编号", "企业", "地区", "咨询机构", "方案编号", "状态", "投资（元）", "COD（t）", "VOCs（t）", "水（t）"} {
		if col(h) < 0 {
			t.Fatalf("no column %q in %q", h, rows[0])
		}
	}
	byCode := map[string][]string{}
	for _, row := range rows[1:] {
		byCode[row[col("方案编号")]] = row
	}
	if f1 := byCode["F1"]; f1 == nil || f1[col("审核编号")] != w.auditID || f1[col("投资（元）")] != "450000" || f1[col("地区")] != "石家庄市" ||
		f1[col("状态")] != "已实施" || f1[col("咨询机构")] != "绿源环保咨询" {
		t.Errorf("F1: %q", f1)
	}
	if f2 := byCode["F2"]; f2 == nil || f2[col("VOCs（t）")] != "0.5" || f2[col("COD（t）")] != "1.5" || f2[col("状态")] != "已验证" {
		t.Errorf("F2: %q", f2)
	}
	// Another tenant's export has the headers only.
	other := e.browser()
	other.mustLogin("beijing", "admin@beijing.gov.cn")
	r = other.get("/results/options.xlsx")
	if f, err := excelize.OpenReader(strings.NewReader(r.body)); err != nil {
		t.Fatal(err)
	} else if rows, _ := f.GetRows("计入方案"); len(rows) != 1 {
		t.Errorf("another tenant exports %d rows", len(rows)-1)
	}
}

// checkBreakdowns reads the five sheets and checks the sums by hand.
func checkBreakdowns(t *testing.T, xlsx []byte, w *world) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"按地区（市级）", "按行业", "按批次", "按咨询机构", "按年度"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	year := time.Now().In(cpaudit.ChinaLocation()).Format("2006")
	keys := map[string][2]string{"按地区（市级）": {"130100", "石家庄市"}, "按行业": {"C2710", "C2710"}, "按批次": {"none", "不属任何批次"},
		"按咨询机构": {w.consID, "绿源环保咨询"}, "按年度": {year, year}}
	for _, name := range want {
		rows, err := f.GetRows(name)
		if err != nil || len(rows) != 2 {
			t.Errorf("%s: %v %q", name, err, rows)
			continue
		}
		h, row := rows[0], rows[1]
		cell := func(head string, next int) string {
			i := slices.Index(h, head)
			if i < 0 || i+next >= len(row) {
				return "(no " + head + ")"
			}
			return row[i+next]
		}
		k := keys[name]
		if row[0] != k[0] || row[1] != k[1] || cell("审核数", 0) != "1" || cell("方案数", 0) != "2" {
			t.Errorf("%s: %q", name, row)
		}
		for head, v := range map[string][2]string{"投资（元）": {"550000", "2"}, "COD（t）": {"4.5", "2"}, "水（t）": {"12000", "1"}, "VOCs（t）": {"0.5", "1"}} {
			if cell(head, 0) != v[0] || cell(head, 1) != v[1] || h[slices.Index(h, head)+1] != "填报方案数" {
				t.Errorf("%s %s: %s (%s options), want %s (%s)", name, head, cell(head, 0), cell(head, 1), v[0], v[1])
			}
		}
	}
}

// viaLibreOffice opens an .xlsx in LibreOffice Calc (headless) and saves
// it again as .xlsx: what Calc read is what comes back.
func viaLibreOffice(t *testing.T, xlsx []byte) []byte {
	t.Helper()
	bin := testenv.Soffice(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "results.xlsx"), xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", filepath.Join(dir, "out"), filepath.Join(dir, "results.xlsx"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	out, err := os.ReadFile(filepath.Join(dir, "out", "results.xlsx"))
	if err != nil {
		t.Fatalf("LibreOffice saved nothing: %v", err)
	}
	return out
}
