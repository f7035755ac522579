package cpaudit

import "testing"

// TestChecklistValidate: the built-in checklists are valid, and each rule
// of a tenant's own refuses what breaks it.
func TestChecklistValidate(t *testing.T) {
	for _, st := range []CampaignStage{StageInProgress, StageAssessment, StageAcceptance, StageAfterAcceptance} {
		cl := DefaultChecklist(st)
		if err := cl.Validate(st); err != nil {
			t.Errorf("default %s: %v", st, err)
		}
	}
	ok := func() Checklist {
		return Checklist{PassMark: 60, Items: []ChecklistItem{{"a", "报告质量", 60.5}, {"b", "方案", 39.5}}, Vetoes: []VetoItem{{"v", "造假"}}}
	}
	for name, tt := range map[string]struct {
		edit func(*Checklist)
		code Code
	}{
		"sum 99":          {func(c *Checklist) { c.Items[1].Max = 38.5 }, CodeChecklistInvalid},
		"three decimals":  {func(c *Checklist) { c.Items[0].Max, c.Items[1].Max = 60.505, 39.495 }, CodeChecklistInvalid},
		"upper-case key":  {func(c *Checklist) { c.Items[0].Item = "A" }, CodeChecklistInvalid},
		"veto = item key": {func(c *Checklist) { c.Vetoes[0].Item = "a" }, CodeChecklistInvalid},
		"pass mark 101":   {func(c *Checklist) { c.PassMark = 101 }, CodeChecklistInvalid},
		"empty name":      {func(c *Checklist) { c.Items[0].Name = " " }, CodeFieldRequired},
	} {
		c := ok()
		tt.edit(&c)
		if err := c.Validate(StageAssessment); ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", name, err, tt.code)
		}
	}
	c := ok()
	if err := c.Validate("review"); ErrorCode(err) != CodeCampaignStageUnknown {
		t.Errorf("unknown stage: %v", err)
	}
	c = ok()
	c.Vetoes = nil
	if err := c.Validate(StageAcceptance); err != nil || c.Stage != StageAcceptance || c.Vetoes == nil {
		t.Errorf("valid: %v %+v", err, c)
	}
}
