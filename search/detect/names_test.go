package detect

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestShortName(t *testing.T) {
	for name, want := range map[string]string{
		"唐山钢铁有限公司":     "唐山钢铁",
		"河北华北制药集团有限公司": "河北华北制药",
		"保定纸业股份有限公司":   "保定纸业",
		"冀东有限责任公司":     "", // 2 characters left
		"石家庄化工":        "", // nothing cut
	} {
		if got := ShortName(name); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestForeignNames(t *testing.T) {
	all := []cpaudit.EnterpriseName{
		{ID: "e1", Name: "石家庄化工有限公司", Region: "130100"},
		{ID: "e2", Name: "唐山钢铁有限公司", Region: "130200"},
		{ID: "e3", Name: "石家庄化工集团有限公司", Region: "130100"}, // its short name is inside e1's
	}
	own := all[0]
	text := "石家庄化工有限公司位于河北省石家庄市。本报告参考了唐山钢铁的做法；唐山市的企业也是如此。\n" +
		"北京市的专家进行了评审，唐山一带的工厂不算，山东省的也来了。"
	got, total := ForeignNames(text, own, all)
	want := []struct{ kind, found, name, code string }{
		{"enterprise", "唐山钢铁", "唐山钢铁有限公司", ""},
		{"place", "唐山市", "唐山市", "130200"},
		{"place", "北京市", "北京市", "110000"},
		{"place", "山东省", "山东省", "370000"},
	}
	if total != len(want) || len(got) != len(want) {
		t.Fatalf("%d mentions: %+v", total, got)
	}
	rs := []rune(text)
	for i, w := range want {
		m := got[i]
		if m.Kind != w.kind || m.Found != w.found || m.Name != w.name || m.Code != w.code {
			t.Errorf("mention %d: %+v, want %+v", i, m, w)
		}
		if string(rs[m.Start:m.End]) != m.Found || string(rs[m.SentenceStart:m.SentenceEnd]) != m.Sentence {
			t.Errorf("mention %d: offsets do not match: %+v", i, m)
		}
	}
	if got[0].Sentence != "本报告参考了唐山钢铁的做法；" {
		t.Errorf("sentence %q", got[0].Sentence)
	}
	// Its own names and places, and the short name of e3 (石家庄化工, inside
	// its own name), are no mention.
	if _, n := ForeignNames("石家庄化工有限公司在石家庄市，河北省。石家庄的企业。", own, all); n != 0 {
		t.Errorf("%d mentions in a text naming only itself", n)
	}
	// An enterprise of a municipality: its districts are inside it.
	if _, n := ForeignNames("北京市朝阳区", cpaudit.EnterpriseName{ID: "x", Region: "110105"}, nil); n != 0 {
		t.Errorf("%d mentions of the own municipality", n)
	}
}

// TestForeignNamesMany: in a tenant of thousands of enterprises whose
// names begin alike, a report still finds the one it names (and only
// that one), and every alias is long enough for the matcher's key.
func TestForeignNamesMany(t *testing.T) {
	for _, p := range placeAliases() {
		if len(p.alias) < aliasHead {
			t.Fatalf("place alias %q is shorter than %d runes", string(p.alias), aliasHead)
		}
	}
	var all []cpaudit.EnterpriseName
	for i := range 3000 {
		all = append(all, cpaudit.EnterpriseName{ID: fmt.Sprint("e", i), Name: fmt.Sprintf("河北保定第%d化工有限公司", i), Region: "130600"})
	}
	text := strings.Repeat("河北保定的企业按期完成审核。", 200) + "本报告参考了河北保定第2718化工有限公司的方案。"
	got, total := ForeignNames(text, all[5], all)
	if total != 1 || len(got) != 1 || got[0].EnterpriseID != "e2718" || got[0].Found != "河北保定第2718化工有限公司" {
		t.Fatalf("found %d: %+v, want the one mention of e2718", total, got)
	}
}

// BenchmarkForeignNames: one 50,000-character report against 2,000
// enterprise names that begin alike, their common beginning frequent in
// the text (6.6 ms here; 35.9 ms when names were keyed by one character).
func BenchmarkForeignNames(b *testing.B) {
	var all []cpaudit.EnterpriseName
	for i := range 2000 {
		all = append(all, cpaudit.EnterpriseName{ID: fmt.Sprint("e", i), Name: fmt.Sprintf("示例%04d化工有限公司", i), Region: "130600"})
	}
	text := strings.Repeat("本轮审核实施的清洁生产方案及其效果如下。示例企业按期完成审核，河北省保定市的节水量12000吨。", 1000)
	// As the analyser does: the index built once per batch, a scan per text.
	b.Run("scan", func(b *testing.B) {
		x := NewNameIndex(all)
		for b.Loop() {
			x.Foreign(text, all[5])
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			NewNameIndex(all)
		}
	})
}

// One index serves every enterprise of the tenant: each text gets the same
// findings as from ForeignNames, whose index is built for it alone.
func TestNameIndexShared(t *testing.T) {
	all := []cpaudit.EnterpriseName{
		{ID: "a", Name: "唐山钢铁集团有限公司", Region: "130200"},
		{ID: "b", Name: "唐山钢铁有限公司", Region: "130200"},
		{ID: "c", Name: "保定市清源化工有限公司", Region: "130600"},
	}
	text := "唐山钢铁集团有限公司与唐山钢铁有限公司，保定市清源化工有限公司位于保定市，邯郸市另有分厂。"
	x := NewNameIndex(all)
	for _, own := range all {
		got, gotTotal := x.Foreign(text, own)
		want, wantTotal := ForeignNames(text, own, all)
		if !slices.Equal(got, want) || gotTotal != wantTotal {
			t.Errorf("own %s: shared index found %v (%d), ForeignNames %v (%d)", own.ID, got, gotTotal, want, wantTotal)
		}
		for _, m := range got {
			if m.EnterpriseID == own.ID {
				t.Errorf("own %s: its own name %q reported as foreign", own.ID, m.Found)
			}
		}
	}
	// 唐山钢铁有限公司's short name 唐山钢铁 is inside a's registered name,
	// which is matched whole: b's report names a once and c's place is foreign.
	got, _ := x.Foreign(text, all[1])
	var found []string
	for _, m := range got {
		found = append(found, m.Found)
	}
	if !slices.Contains(found, "唐山钢铁集团有限公司") || slices.Contains(found, "唐山钢铁有限公司") {
		t.Errorf("for b found %q", found)
	}
}
