package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// levelSetBody is the hand-worked set of the root package's levelFixture,
// for 化学原料药 (C2710): Y_k adds 5 (取水量, limiting), 15 (能耗), 40
// (回收率) and 40 (管理制度) points for each indicator meeting level k.
func levelSetBody() map[string]any {
	ind := func(code, group string, gw float64, name, unit, dir string, w float64, b []any, lim bool) map[string]any {
		return map[string]any{"code": code, "group": group, "group_weight": gw, "name": name, "unit": unit, "direction": dir,
			"weight": w, "benchmarks": b, "limiting": lim}
	}
	return map[string]any{"industry": "C2710", "version": "2024 测试版", "name": "化学合成原料药（测试）", "source": "手工算例，非官方",
		"effective_on": "2024-01-01", "indicators": []any{
			ind("A1", "资源能源", 0.2, "单位产品取水量", "m³/t", "lower", 0.25, []any{5, 8, 12}, true),
			ind("A2", "资源能源", 0.2, "单位产品综合能耗", "tce/t", "lower", 0.75, []any{0.3, 0.5, 0.8}, false),
			ind("B1", "综合利用与管理", 0.8, "溶剂回收率", "%", "higher", 0.5, []any{95, 90, 80}, false),
			ind("B2", "综合利用与管理", 0.8, "管理制度", "", "qualitative", 0.5, nil, false),
		}}
}

type levelsJSON struct {
	TargetLevel string `json:"target_level"`
	Set         *struct {
		Industry string
		Version  string
	} `json:"indicator_set"`
	Indicators []struct {
		Code      string
		TargetMet *bool `json:"target_met"`
	}
	Before, After struct {
		Index    [3]float64
		Level    string
		Rated    bool
		LimitCap string `json:"limit_cap"`
	}
	TargetLevelReached bool `json:"target_level_reached"`
}

// TestAuditLevelsAPI: an admin's set for C2710 is preferred to the
// built-in C27 structure; the consultant enters values before and after
// and the levels are the hand-computed ones, the limiting indicator
// capping the level after at II; bad input answers 422 naming what is
// allowed and saves nothing; another tenant's audit is 404; the permit
// record carries the level reached and the resumption precondition needs
// the target level.
func TestAuditLevelsAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	var sets struct {
		IndicatorSets []struct {
			ID, Industry string
			Builtin      bool
			Source       string
		} `json:"indicator_sets"`
	}
	if st := e.getJSON("/api/v1/indicator-sets", w.consultant, &sets); st != 200 || len(sets.IndicatorSets) != 1 ||
		sets.IndicatorSets[0].Industry != "C27" || !sets.IndicatorSets[0].Builtin || !strings.Contains(sets.IndicatorSets[0].Source, "化学原料药") {
		t.Fatalf("built-in sets: %d %+v", st, sets)
	}
	// Against the shipped structure alone nothing is rated.
	var l levelsJSON
	if st := e.getJSON("/api/v1/audits/"+w.auditID+"/levels", w.consultant, &l); st != 200 || l.Set == nil || l.Set.Industry != "C27" || l.After.Rated {
		t.Fatalf("levels on the built-in set: %d %+v", st, l)
	}
	if st, raw := e.postJSON("/api/v1/indicator-sets", w.consultant, levelSetBody(), nil); st != 409 || refusalCode(t, st, raw) != string(cpaudit.CodeIndicatorSetNotAllowed) {
		t.Errorf("a consultant saves a set: %d %s", st, raw)
	}
	bad := levelSetBody()
	bad["indicators"].([]any)[1].(map[string]any)["weight"] = 0.5
	if st, raw := e.postJSON("/api/v1/indicator-sets", w.admin, bad, nil); st != 422 || refusalCode(t, st, raw) != string(cpaudit.CodeIndicatorSetInvalid) {
		t.Errorf("weights not adding up: %d %s", st, raw)
	}
	if st, raw := e.postJSON("/api/v1/indicator-sets", w.admin, levelSetBody(), nil); st != 201 {
		t.Fatalf("save set: %d %s", st, raw)
	}
	if st, raw := e.postJSON("/api/v1/indicator-sets", w.admin, levelSetBody(), nil); st != 200 {
		t.Fatalf("replace set: %d %s", st, raw)
	}

	path := "/api/v1/audits/" + w.auditID + "/levels"
	body := map[string]any{"target_level": "Ⅱ级", "indicators": []map[string]any{
		{"code": "A1", "before": 13, "after": 7, "target": 8, "unit": "m³/t"},
		{"code": "A2", "before": 0.6, "after": 0.25, "target": 0.2},
		{"code": "B1", "before": 85, "after": 96, "target": 90},
		{"code": "B2", "before": 2, "after": 1},
	}}
	st, raw := e.putJSON(path, w.consultant, body, &l)
	if st != 200 {
		t.Fatalf("save levels: %d %s", st, raw)
	}
	// Before: Y = 5·0 + 15(III) + 40(III) + 40(II): Y_I 0, Y_II 40,
	// Y_III 95 and the limiting 取水量 meets nothing: no level. After:
	// Y_I 95 but 取水量 7 meets II only: level II.
	if l.Set == nil || l.Set.Industry != "C2710" || l.TargetLevel != "II" ||
		l.Before.Index != [3]float64{0, 40, 95} || l.Before.Level != "" || !l.Before.Rated ||
		l.After.Index != [3]float64{95, 100, 100} || l.After.Level != "II" || l.After.LimitCap != "II" || !l.TargetLevelReached {
		t.Fatalf("levels %+v", l)
	}
	met := map[string]string{}
	for _, in := range l.Indicators {
		met[in.Code] = fmt.Sprint(in.TargetMet != nil && *in.TargetMet, in.TargetMet == nil)
	}
	if met["A1"] != "true false" || met["A2"] != "false false" || met["B1"] != "true false" || met["B2"] != "false true" {
		t.Errorf("targets met: %v", met)
	}

	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		code   cpaudit.Code
		detail string
	}{
		{"unknown indicator", map[string]any{"indicators": []map[string]any{{"code": "Z9", "after": 1}}}, 422, cpaudit.CodeIndicatorUnknown, "A1, A2, B1, B2"},
		{"wrong unit", map[string]any{"indicators": []map[string]any{{"code": "A1", "after": 1, "unit": "吨/吨"}}}, 422, cpaudit.CodeIndicatorUnitUnknown, "m³/t"},
		{"negative", map[string]any{"indicators": []map[string]any{{"code": "A2", "after": -1}}}, 422, cpaudit.CodeIndicatorValueInvalid, ""},
		{"unknown level", map[string]any{"target_level": "IV"}, 422, cpaudit.CodeLevelUnknown, ""},
	} {
		st, raw := e.putJSON(path, w.consultant, c.body, nil)
		if st != c.status || refusalCode(t, st, raw) != string(c.code) {
			t.Errorf("%s: %d %s", c.name, st, raw)
			continue
		}
		var p struct{ Detail string }
		json.Unmarshal(raw, &p)
		if !strings.Contains(p.Detail, c.detail) {
			t.Errorf("%s: detail %q does not name %q", c.name, p.Detail, c.detail)
		}
	}
	var again levelsJSON
	if st := e.getJSON(path, w.regulator, &again); st != 200 || again.After.Level != "II" || again.TargetLevel != "II" {
		t.Errorf("after refusals: %d %+v", st, again)
	}
	for _, token := range []string{w.otherAdmin, w.otherConsultant} {
		if st := e.getJSON(path, token, nil); st != 404 {
			t.Errorf("another tenant reads the levels: %d", st)
		}
		if st, raw := e.putJSON(path, token, body, nil); st != 404 {
			t.Errorf("another tenant writes the levels: %d %s", st, raw)
		}
	}

	// The permit record of the accepted audit names the level reached.
	for n := 1; n <= cpaudit.StepCount; n++ {
		for _, action := range []string{"submit", "accept"} {
			if st, body := e.postJSON(fmt.Sprintf("/api/v1/audits/%s/steps/%d/%s", w.auditID, n, action), w.admin, map[string]any{}, nil); st != 200 {
				t.Fatalf("step %d %s: %d %s", n, action, st, body)
			}
		}
	}
	var rec struct {
		LevelAfter         string  `json:"level_after"`
		LevelBefore        string  `json:"level_before"`
		LevelIndex         float64 `json:"level_index"`
		TargetLevel        string  `json:"target_level"`
		TargetLevelReached bool    `json:"target_level_reached"`
		LevelSet           string  `json:"level_set"`
	}
	if st := e.getJSON("/api/v1/audits/"+w.auditID+"/permit-record", w.regulator, &rec); st != 200 ||
		rec.LevelAfter != "II" || rec.LevelBefore != "" || rec.LevelIndex != 100 || rec.TargetLevel != "II" || !rec.TargetLevelReached ||
		rec.LevelSet != "化学合成原料药（测试） 2024 测试版" {
		t.Errorf("permit record levels: %d %+v", st, rec)
	}

	b := e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	page := b.page("/audits/" + w.auditID + "/permit-record")
	for _, want := range []string{`id="permit-level">Ⅱ级（国内清洁生产先进水平）`, "综合评价指数 100", `id="permit-level-before">未达到Ⅲ级<`,
		`id="permit-target-level">Ⅱ级（国内清洁生产先进水平） · 已达到<`} {
		if !strings.Contains(page, want) {
			t.Errorf("the permit page lacks %q", want)
		}
	}
	x := b.get("/audits/" + w.auditID + "/permit-record.xlsx")
	tab, err := sheet.Read(context.Background(), bytes.NewReader([]byte(x.body)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range tab.TextRows() {
		if len(row) > 1 && row[0] == "达到的清洁生产水平" && row[1] == "Ⅱ级（国内清洁生产先进水平）" {
			found = true
		}
	}
	if !found {
		t.Errorf("the .xlsx export lacks the level reached: %v", tab.TextRows())
	}

	// A stopped enterprise resumes once its target level is reached: with
	// the target raised to I, the accepted audit no longer meets it.
	today := time.Now().UTC().Add(8 * time.Hour).Format(time.DateOnly)
	for _, ob := range []string{"assessment_done", "acceptance_done"} {
		if st, body := e.postJSON("/api/v1/audits/"+w.auditID+"/milestones", w.admin,
			map[string]any{"obligation": ob, "date": today, "result": "pass", "note": "通过"}, nil); st != 201 {
			t.Fatalf("%s: %d %s", ob, st, body)
		}
	}
	if st, body, _ := e.do("PATCH", "/api/v1/organisations/"+w.entID, w.admin, strings.NewReader(`{"status":"stopped"}`), "application/json"); st != 200 {
		t.Fatalf("stopped: %d %s", st, body)
	}
	resumption := func() map[string]any {
		var q struct{ Items []map[string]any }
		if st := e.getJSON("/api/v1/enforcement", w.admin, &q); st != 200 {
			t.Fatalf("enforcement: %d", st)
		}
		for _, it := range q.Items {
			if it["audit_id"] == w.auditID {
				r, _ := it["resumption"].(map[string]any)
				return r
			}
		}
		t.Fatalf("the stopped enterprise is not in the queue: %+v", q.Items)
		return nil
	}
	if r := resumption(); r["met"] != true || r["target_level"] != "II" || r["target_level_reached"] != true {
		t.Errorf("target II reached: %+v", r)
	}
	if st, raw := e.putJSON(path, w.admin, map[string]any{"target_level": "I"}, nil); st != 200 {
		t.Fatalf("target I: %d %s", st, raw)
	}
	if r := resumption(); r["met"] != false || r["audit_completed"] != true || r["target_level"] != "I" || r["target_level_reached"] != false {
		t.Errorf("target I not reached: %+v", r)
	}
}

// TestIndicatorSetImport: the template reads back as a set; a table with
// bad rows names each row and why and saves nothing; an enterprise user
// is refused before the sheet is read.
func TestIndicatorSetImport(t *testing.T) {
	w := newWorld(t)
	e := w.e
	st, tmpl, _ := e.do("GET", "/api/v1/indicator-sets/import-template", w.consultant, nil, "")
	if st != 200 || len(tmpl) == 0 {
		t.Fatalf("template: %d", st)
	}
	fields := [][2]string{{"industry", "C2710"}, {"version", "导入版"}, {"name", "化学合成原料药（导入）"}, {"source", "模板示例"}, {"effective_on", "2025-01-01"}}
	send := func(token string, content []byte) (int, []byte) {
		body, ct := multipartBody(t, fields, "指标体系.xlsx", content)
		st, raw, _ := e.do("POST", "/api/v1/indicator-sets/import", token, body, ct)
		return st, raw
	}
	if st, raw := send(w.consultant, tmpl); st != 409 || refusalCode(t, st, raw) != string(cpaudit.CodeIndicatorSetNotAllowed) {
		t.Errorf("a consultant imports: %d %s", st, raw)
	}
	header := []string{"指标编号", "一级指标", "一级指标权重", "二级指标", "单位", "方向", "二级指标权重", "Ⅰ级基准值", "Ⅱ级基准值", "Ⅲ级基准值", "限定性指标"}
	var buf bytes.Buffer
	if err := sheet.Write(&buf, sheet.Table{Sheet: "评价指标体系", Header: header, Rows: [][]any{
		{"1.1", "资源能源", "1", "单位产品取水量", "m³/t", "越低越好", "0.5", "5", "8", "12", "是"},
		{"1.2", "资源能源", "1", "单位产品综合能耗", "tce/t", "向上", "0.5", "0.3", "0.5", "0.8", "否"},
		{"1.3", "资源能源", "1", "溶剂回收率", "%", "越高越好", "0.5", "80", "90", "95", "否"},
		{"1.4", "资源能源", "一", "水重复利用率", "%", "越高越好", "0.5", "95", "90", "80", "否"},
	}}); err != nil {
		t.Fatal(err)
	}
	st, raw := send(w.admin, buf.Bytes())
	var p struct {
		Detail string
		Rows   string
	}
	json.Unmarshal(raw, &p)
	if st != 422 || refusalCode(t, st, raw) != string(cpaudit.CodeIndicatorImportInvalid) ||
		!strings.Contains(p.Detail, "row 3") || !strings.Contains(p.Detail, "row 4") || !strings.Contains(p.Detail, "row 5") || strings.Contains(p.Detail, "row 2 ") {
		t.Errorf("bad rows: %d %s", st, raw)
	}
	var sets struct {
		IndicatorSets []struct{ Industry string } `json:"indicator_sets"`
	}
	if e.getJSON("/api/v1/indicator-sets", w.admin, &sets); len(sets.IndicatorSets) != 1 {
		t.Errorf("a refused import saved a set: %+v", sets)
	}
	st, raw = send(w.admin, tmpl)
	var set struct {
		Industry   string
		Indicators []struct{ Code string }
	}
	json.Unmarshal(raw, &set)
	if st != 201 || set.Industry != "C2710" || len(set.Indicators) != 3 {
		t.Errorf("template import: %d %s", st, raw)
	}
}
