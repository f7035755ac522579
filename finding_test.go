package cpaudit_test

import (
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func findings(fs ...cpaudit.EvaluatedFinding) cpaudit.EvaluationFacts {
	return cpaudit.EvaluationFacts{Findings: fs}
}

func ef(id string, c cpaudit.FindingCategory, s cpaudit.FindingSeverity) cpaudit.EvaluatedFinding {
	return cpaudit.EvaluatedFinding{Finding: cpaudit.Finding{ID: id, Category: c, Severity: s}, Confirmed: true}
}

// TestEvaluate checks the score's arithmetic by hand with the default
// weights: penalties, the floor, and a veto overriding a full score.
func TestEvaluate(t *testing.T) {
	w, p := cpaudit.DefaultEvaluationWeights(), cpaudit.EvalPeriod{Year: 2026}
	ev := cpaudit.Evaluate("o1", p, w, findings(
		ef("n1", cpaudit.CategoryOther, cpaudit.SeverityMajor),
		ef("n2", cpaudit.CategoryMissingContent, cpaudit.SeverityMinor),
		ef("n3", cpaudit.CategoryMissingContent, cpaudit.SeverityMinor),
	))
	if ev.Score != 70 || ev.Vetoed || !ev.Qualified || ev.Findings != 3 || ev.Major != 1 || ev.Minor != 2 {
		t.Errorf("%+v, want 100-20-5-5 = 70", ev)
	}
	for _, c := range cpaudit.FindingCategories {
		ev := cpaudit.Evaluate("o1", p, w, findings(ef("n1", c, cpaudit.SeverityMinor)))
		want := c == cpaudit.CategoryFalsifiedData || c == cpaudit.CategoryFakeReport || c == cpaudit.CategoryUntrueEvidence || c == cpaudit.CategoryLawBreach
		if ev.Vetoed != want || ev.Score != 95 || ev.Qualified == want {
			t.Errorf("%s: vetoed %v score %d, want vetoed %v, 95", c, ev.Vetoed, ev.Score, want)
		}
	}
	// An expert's veto-category finding no regulator confirmed does not veto.
	unconfirmed := ef("n9", cpaudit.CategoryFakeReport, cpaudit.SeverityMinor)
	unconfirmed.Confirmed = false
	if ev := cpaudit.Evaluate("o1", p, w, findings(unconfirmed)); ev.Vetoed || len(ev.VetoFindingIDs) != 0 {
		t.Errorf("unconfirmed veto category: %+v", ev)
	}
}

// TestEvaluateComponents: every counted fact with its weight, the review
// share, tenant weights, the floor, and the ranking's veto band — each
// figure computed by hand in the comment beside it.
func TestEvaluateComponents(t *testing.T) {
	p := cpaudit.EvalPeriod{Year: 2026}
	w := cpaudit.DefaultEvaluationWeights()
	overdue := ef("n1", cpaudit.CategoryMissingContent, cpaudit.SeverityMinor)
	overdue.Overdue = true
	late := ef("n2", cpaudit.CategoryWrongCalculation, cpaudit.SeverityMajor)
	late.AnsweredLate, late.Returns = true, 2
	onTime := ef("n3", cpaudit.CategoryOther, cpaudit.SeverityMinor)
	onTime.AnsweredOn = true
	facts := findings(overdue, late, onTime)
	facts.ObligationsLate, facts.ConfirmedFlags = 1, 1
	// Deductions: minor 5 + overdue 10; major 20 + late 5 + 2 returns 10;
	// minor 5; one obligation 5; a flag 0 = 60 → 40. No reviews: 40.
	ev := cpaudit.Evaluate("o1", p, w, facts)
	if ev.Deduction != 40 || ev.Score != 40 || ev.Overdue != 1 || ev.Late != 1 || ev.OnTime != 1 || ev.Reopened != 2 ||
		ev.ObligationsLate != 1 || ev.ConfirmedFlags != 1 || ev.Qualified {
		t.Errorf("defaults: %+v, want 40 and not qualified (pass mark 60)", ev)
	}
	// Reviews of 90 and 80 (mean 85) weigh 40%: 0.6×40 + 0.4×85 = 24+34 = 58.
	facts.ReviewScores = []float64{90, 80}
	if ev := cpaudit.Evaluate("o1", p, w, facts); ev.Score != 58 || ev.Reviews != 2 || ev.ReviewAverage != 85 {
		t.Errorf("with reviews: %+v, want 58", ev)
	}
	// The tenant's weights: no overdue or return penalty, flags cost 10,
	// reviews half: deductions 5+20+5+5+5+10 = 50 → 50; 0.5×50+0.5×85 = 67.5 → 68.
	w2 := w
	w2.Overdue, w2.Reopened, w2.ConfirmedFlag, w2.ReviewShare = 0, 0, 10, 50
	if ev := cpaudit.Evaluate("o1", p, w2, facts); ev.Deduction != 50 || ev.Score != 68 || ev.Weights != w2 {
		t.Errorf("tenant weights: %+v, want 68", ev)
	}
	// The floor: seven major findings lose 140 points → 0.
	var many []cpaudit.EvaluatedFinding
	for range 7 {
		many = append(many, ef("m", cpaudit.CategoryOther, cpaudit.SeverityMajor))
	}
	if ev := cpaudit.Evaluate("o1", p, w, findings(many...)); ev.Score != 0 {
		t.Errorf("floor: %d", ev.Score)
	}

	// A veto overrides a high score: firm A loses 5 (95) but is vetoed;
	// firm B has 80; firm C 55 (below the pass mark). Ranked B, C, A.
	a := cpaudit.Evaluate("a", p, w, findings(ef("v", cpaudit.CategoryUntrueEvidence, cpaudit.SeverityMinor)))
	a.Name = "甲咨询"
	b := cpaudit.Evaluate("b", p, w, findings(ef("x", cpaudit.CategoryOther, cpaudit.SeverityMajor)))
	b.Name = "乙咨询"
	cf := findings(ef("y", cpaudit.CategoryOther, cpaudit.SeverityMajor), ef("z", cpaudit.CategoryOther, cpaudit.SeverityMajor),
		ef("z2", cpaudit.CategoryOther, cpaudit.SeverityMinor))
	c := cpaudit.Evaluate("c", p, w, cf)
	c.Name = "丙咨询"
	if a.Score != 95 || !a.Vetoed || b.Score != 80 || c.Score != 55 {
		t.Fatalf("scores %d %d %d", a.Score, b.Score, c.Score)
	}
	ranked := []cpaudit.Evaluation{a, c, b}
	cpaudit.RankEvaluations(ranked)
	var order []string
	for _, e := range ranked {
		order = append(order, e.ConsultancyID)
	}
	if !slices.Equal(order, []string{"b", "c", "a"}) {
		t.Errorf("ranking %v, want b, c, a: the vetoed firm last whatever its score", order)
	}
}

// TestEvaluationPeriod: a quarter's span and days, and bad weights.
func TestEvaluationPeriod(t *testing.T) {
	loc := cpaudit.ChinaLocation()
	if a, b := (cpaudit.EvalPeriod{Year: 2026, Quarter: 4}).Dates(loc); a != "2026-10-01" || b != "2026-12-31" {
		t.Errorf("Q4: %s %s", a, b)
	}
	if a, b := (cpaudit.EvalPeriod{Year: 2026}).Dates(loc); a != "2026-01-01" || b != "2026-12-31" {
		t.Errorf("year: %s %s", a, b)
	}
	w := cpaudit.DefaultEvaluationWeights()
	w.ReviewShare = 101
	if err := w.Validate(); cpaudit.ErrorCode(err) != cpaudit.CodeEvaluationWeightsInvalid {
		t.Errorf("review share 101: %v", err)
	}
	if err := cpaudit.DefaultEvaluationWeights().Validate(); err != nil {
		t.Error(err)
	}
}

// TestFlagFinding: confirming a flag records "other" and "minor" unless
// told, and refuses a due date in the past like a new finding.
func TestFlagFinding(t *testing.T) {
	ff := cpaudit.FlagFinding{Category: cpaudit.CategoryUntrueEvidence, RectificationDue: "2026-12-01"}
	if err := ff.Validate("2026-12-07"); cpaudit.ErrorCode(err) != cpaudit.CodeFindingDueInPast || cpaudit.ErrorKind(err) != cpaudit.KindUnprocessable {
		t.Errorf("due in the past: %v", err)
	}
	ff = cpaudit.FlagFinding{}
	if err := ff.Validate("2026-12-07"); err != nil || ff.Category != cpaudit.CategoryOther || ff.Severity != cpaudit.SeverityMinor {
		t.Errorf("defaults: %+v %v", ff, err)
	}
	ff = cpaudit.FlagFinding{Category: "made_up"}
	if err := ff.Validate("2026-12-07"); cpaudit.ErrorCode(err) != cpaudit.CodeFindingCategoryUnknown {
		t.Errorf("unknown category: %v", err)
	}
}
