package handlers_test

import (
	"encoding/json"
	"math"
	"testing"
)

// TestForeignNameFlag: a Shijiazhuang (130100) enterprise's report that
// names 唐山市 and another enterprise of the tenant is flagged with the
// sentences; its own name, city and province are not foreign, nor is a
// guideline.
func TestForeignNameFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	w.enterpriseOf(1, "唐山钢铁有限公司")
	report := [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}
	copied := e.uploadText(w.consultant, report, "报告.txt", []byte(
		"石家庄化工有限公司位于河北省石家庄市。\n本项目参照唐山钢铁有限公司的中水回用方案实施。唐山市生态环境局组织了验收。"))
	clean := e.uploadText(w.consultant, report, "报告2.txt", []byte(
		"石家庄化工有限公司位于河北省石家庄市，石家庄化工的清洁生产审核由石家庄市生态环境局组织验收。"))
	guide := e.uploadText(w.admin, [][2]string{{"kind", "guideline"}}, "指南.txt", []byte("唐山市钢铁行业清洁生产审核指南。"))
	e.process()

	fl := e.flags(w.regulator, "?kind=foreign_name")
	if len(fl.Flags) != 1 || len(fl.Flags[0].DocumentIDs) != 1 || fl.Flags[0].DocumentIDs[0] != copied {
		t.Fatalf("flags %+v, want one for %s alone (not %s, %s)", fl.Flags, copied, clean, guide)
	}
	f := fl.Flags[0]
	if math.Abs(f.Score-2.0/3) > 1e-9 {
		t.Errorf("score %v, want 2/3 for 2 mentions", f.Score)
	}
	var d struct {
		Region   string `json:"region"`
		Total    int    `json:"total"`
		Mentions []struct {
			Kind, Found, Name, Code, Sentence string
			Start, End                        int
		} `json:"mentions"`
	}
	if err := json.Unmarshal(f.Detail, &d); err != nil || d.Region != "130100" || d.Total != 2 || len(d.Mentions) != 2 {
		t.Fatalf("detail %s", f.Detail)
	}
	if m := d.Mentions[0]; m.Kind != "enterprise" || m.Found != "唐山钢铁有限公司" || m.Sentence != "本项目参照唐山钢铁有限公司的中水回用方案实施。" {
		t.Errorf("first mention %+v", m)
	}
	if m := d.Mentions[1]; m.Kind != "place" || m.Found != "唐山市" || m.Code != "130200" || m.End-m.Start != 3 || m.Sentence != "唐山市生态环境局组织了验收。" {
		t.Errorf("second mention %+v", m)
	}
	if n := len(e.flags(w.regulator, "?document_id="+clean).Flags); n != 0 {
		t.Errorf("%d flags for the clean report", n)
	}
}
