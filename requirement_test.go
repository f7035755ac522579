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
	texts := []RequirementText{{DocumentID: "d1", Kind: DocReport, Text: "指标 数值 VOCs收集率 92% 废水回用率"}, {DocumentID: "d2", Kind: DocReport, Text: "无关内容"}}
	c := CoverRequirement(Requirement{Phrases: []string{"雨污分流", "vocs 收集率"}}, texts)
	if !c.Addressed || len(c.Passages) != 1 || c.Passages[0].DocumentID != "d1" || c.Passages[0].Start != 6 || c.Passages[0].End != 13 {
		t.Fatalf("%+v", c)
	}
	if c := CoverRequirement(Requirement{Phrases: []string{"雨污分流"}}, texts); c.Addressed || c.Passages == nil {
		t.Errorf("%+v", c)
	}
}

// TestRequirementTextCovers: a report at step n covers steps 1..n, a
// report of no step every step, other documents their own step only.
func TestRequirementTextCovers(t *testing.T) {
	interim := RequirementText{Kind: DocReport, Step: 22}
	final := RequirementText{Kind: DocReport, Step: 35}
	untagged := RequirementText{Kind: DocReport}
	balance := RequirementText{Kind: DocEvidence, Step: 13}
	loose := RequirementText{Kind: DocEvidence}
	for _, c := range []struct {
		name  string
		t     RequirementText
		steps []int
		want  bool
	}{
		{"interim, steps 8-12", interim, []int{8, 9, 10, 11, 12}, true},
		{"interim, step 30", interim, []int{30}, false},
		{"interim, steps 30 and 20", interim, []int{30, 20}, true},
		{"final, step 30", final, []int{30}, true},
		{"untagged report, step 30", untagged, []int{30}, true},
		{"report, whole audit", interim, nil, true},
		{"balance, step 13", balance, []int{12, 13}, true},
		{"balance, step 14", balance, []int{14}, false},
		{"balance, whole audit", balance, nil, true},
		{"evidence of no step", loose, []int{13}, false},
		{"evidence of no step, whole audit", loose, nil, false},
	} {
		if got := c.t.Covers(c.steps); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// A report of a later step only is not searched: the requirement is
	// missing, with nothing searched.
	c := CoverRequirement(Requirement{Steps: []int{30}, Phrases: []string{"绩效表"}},
		[]RequirementText{{DocumentID: "r", Kind: DocReport, Step: 22, Text: "绩效表"}})
	if c.Addressed || c.Searched != 0 {
		t.Errorf("interim report for step 30: %+v", c)
	}
	c = CoverRequirement(Requirement{Steps: []int{13}, Phrases: []string{"水平衡"}},
		[]RequirementText{{DocumentID: "r", Kind: DocReport, Step: 22, Text: "无关"}, {DocumentID: "e", Kind: DocEvidence, Step: 13, Text: "全厂水平衡测试"}})
	if !c.Addressed || c.Searched != 2 || c.Passages[0].DocumentID != "e" {
		t.Errorf("evidence of step 13: %+v", c)
	}
}
