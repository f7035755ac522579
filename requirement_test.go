package cpaudit

import "testing"

func TestValidateRequirements(t *testing.T) {
	for name, c := range map[string]struct {
		r    Requirement
		code Code
	}{
		"ok":         {Requirement{Text: "开展能源审计", Steps: []int{1, 35, 1}, Phrases: []string{"能源审计", " 能源审计 "}}, ""},
		"no steps":   {Requirement{Text: "开展能源审计", Phrases: []string{"能源审计"}}, ""},
		"step 0":     {Requirement{Text: "开展能源审计", Steps: []int{0}, Phrases: []string{"能源审计"}}, CodeRequirementStepsRange},
		"step 36":    {Requirement{Text: "开展能源审计", Steps: []int{36}, Phrases: []string{"能源审计"}}, CodeRequirementStepsRange},
		"no phrases": {Requirement{Text: "开展能源审计", Phrases: []string{""}}, CodeRequirementPhrasesRequired},
		"no text":    {Requirement{Text: " ", Phrases: []string{"能源审计"}}, CodeRequirementTextRequired},
	} {
		rs := []Requirement{c.r}
		err := ValidateRequirements(rs)
		if c.code == "" {
			if err != nil || rs[0].Number != 1 || len(rs[0].Phrases) != 1 || rs[0].Steps == nil || (len(c.r.Steps) == 3 && len(rs[0].Steps) != 2) {
				t.Errorf("%s: %v %+v", name, err, rs[0])
			}
			continue
		}
		if ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

func TestCoverRequirement(t *testing.T) {
	texts := []RequirementText{{DocumentID: "d1", Text: "指标 数值 VOCs收集率 92% 废水回用率"}, {DocumentID: "d2", Text: "无关内容"}}
	c := CoverRequirement(Requirement{Phrases: []string{"雨污分流", "vocs 收集率"}}, texts)
	if !c.Addressed || len(c.Passages) != 1 || c.Passages[0].DocumentID != "d1" || c.Passages[0].Start != 6 || c.Passages[0].End != 13 {
		t.Fatalf("%+v", c)
	}
	if c := CoverRequirement(Requirement{Phrases: []string{"雨污分流"}}, texts); c.Addressed || c.Passages == nil {
		t.Errorf("%+v", c)
	}
}
