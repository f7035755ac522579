package cpaudit_test

import (
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestEvaluate checks the score's arithmetic by hand: penalties, the
// floor, and a veto overriding a full score.
func TestEvaluate(t *testing.T) {
	ev := cpaudit.Evaluate("o1", 2026, []cpaudit.Finding{
		{ID: "n1", Category: cpaudit.CategoryOther, Severity: cpaudit.SeverityMajor},
		{ID: "n2", Category: cpaudit.CategoryMissingContent, Severity: cpaudit.SeverityMinor},
		{ID: "n3", Category: cpaudit.CategoryMissingContent, Severity: cpaudit.SeverityMinor},
	})
	if ev.Score != 70 || ev.Vetoed || ev.Findings != 3 || ev.Major != 1 || ev.Minor != 2 {
		t.Errorf("%+v, want 100-20-5-5 = 70", ev)
	}
	for _, c := range cpaudit.FindingCategories {
		ev := cpaudit.Evaluate("o1", 2026, []cpaudit.Finding{{ID: "n1", Category: c, Severity: cpaudit.SeverityMinor}})
		want := c == cpaudit.CategoryFalsifiedData || c == cpaudit.CategoryFakeReport || c == cpaudit.CategoryUntrueEvidence || c == cpaudit.CategoryLawBreach
		if ev.Vetoed != want || ev.Score != 95 {
			t.Errorf("%s: vetoed %v score %d, want vetoed %v, 95", c, ev.Vetoed, ev.Score, want)
		}
	}
}
