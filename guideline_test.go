package cpaudit

import "testing"

func TestGuidelineAppliesTo(t *testing.T) {
	g := Guideline{Industries: []string{"C27", "C2221"}}
	for industry, want := range map[string]bool{"C2710": true, "C27": true, "C2221": true, "C2222": false, "C2": false, "C3011": false, "": false} {
		if got := g.AppliesTo(industry); got != want {
			t.Errorf("AppliesTo(%q) = %v, want %v", industry, got, want)
		}
	}
}

func TestNewGuidelineValidate(t *testing.T) {
	ok := func() NewGuideline {
		return NewGuideline{DocumentID: "d1", IssuingBody: "河北省生态环境厅", EffectiveDate: "2026-01-01", Industries: []string{" c27 ", "C27", "C2221"}}
	}
	g := ok()
	if err := g.Validate(); err != nil || len(g.Industries) != 2 || g.Industries[0] != "C27" {
		t.Fatalf("valid: %v %v", err, g.Industries)
	}
	for name, c := range map[string]struct {
		change func(*NewGuideline)
		code   Code
	}{
		"no document":       {func(g *NewGuideline) { g.DocumentID = "" }, CodeFieldRequired},
		"no industry":       {func(g *NewGuideline) { g.Industries = nil }, CodeGuidelineIndustryRequired},
		"bad industry":      {func(g *NewGuideline) { g.Industries = []string{"化工"} }, CodeIndustryInvalid},
		"no effective date": {func(g *NewGuideline) { g.EffectiveDate = "" }, CodeGuidelineDateRequired},
		"bad date":          {func(g *NewGuideline) { g.EffectiveDate = "2026-13-01" }, CodeDateInvalid},
		"no issuing body":   {func(g *NewGuideline) { g.IssuingBody = " " }, CodeFieldRequired},
	} {
		g := ok()
		c.change(&g)
		if err := g.Validate(); ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}
