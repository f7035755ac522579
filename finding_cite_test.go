package cpaudit_test

import (
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestCutPassage finds passages by range, by quote, and by quote when the
// range disagrees (a browser that counted otherwise), in rune offsets.
func TestCutPassage(t *testing.T) {
	const text = "第一章 筹划和组织。节水量12000吨/年；COD削减3.5吨/年。"
	for _, tc := range []struct {
		name       string
		in         cpaudit.CitedPassage
		ok         bool
		start, end int
		want       string
	}{
		{"range", cpaudit.CitedPassage{Start: 0, End: 3}, true, 0, 3, "第一章"},
		{"quote", cpaudit.CitedPassage{Quote: " 节水量12000吨/年 "}, true, 10, 21, "节水量12000吨/年"},
		{"range and quote agree", cpaudit.CitedPassage{Start: 0, End: 3, Quote: "第一章"}, true, 0, 3, "第一章"},
		{"range off by one, quote decides", cpaudit.CitedPassage{Start: 1, End: 4, Quote: "第一章"}, true, 0, 3, "第一章"},
		{"quote absent", cpaudit.CitedPassage{Quote: "节电量"}, false, 0, 0, ""},
		{"range past the end", cpaudit.CitedPassage{Start: 30, End: 90}, false, 0, 0, ""},
	} {
		got, ok := cpaudit.CutPassage(tc.in, text)
		if ok != tc.ok || (ok && (got.Start != tc.start || got.End != tc.end || got.Text != tc.want || got.Quote != "")) {
			t.Errorf("%s: %+v %v", tc.name, got, ok)
		}
	}
}

// TestCitationIDs reads back the figure and image ids it makes, and
// refuses what is not one.
func TestCitationIDs(t *testing.T) {
	if d, i, ok := cpaudit.ParseFigureID(cpaudit.FigureID("d01", 12)); !ok || d != "d01" || i != 12 {
		t.Errorf("figure id: %q %d %v", d, i, ok)
	}
	for _, bad := range []string{"", "d01", ":3", "d01:-1", "d01:03", "d01:x"} {
		if _, _, ok := cpaudit.ParseFigureID(bad); ok {
			t.Errorf("figure id %q accepted", bad)
		}
	}
	if d, e, ok := cpaudit.ParseImageID(cpaudit.ImageID("d01", "word/media/image1.jpeg")); !ok || d != "d01" || e != "word/media/image1.jpeg" {
		t.Errorf("image id: %q %q %v", d, e, ok)
	}
	if d, e, ok := cpaudit.ParseImageID(cpaudit.ImageID("d01", "")); !ok || d != "d01" || e != "" {
		t.Errorf("image id of a photo: %q %q %v", d, e, ok)
	}
	if _, _, ok := cpaudit.ParseImageID("nocolon"); ok {
		t.Error("an image id without a document accepted")
	}
}

// TestNewFindingCitationsValidate refuses malformed citations by code
// and drops repeated ids.
func TestNewFindingCitationsValidate(t *testing.T) {
	base := func() cpaudit.NewFinding {
		return cpaudit.NewFinding{AuditID: "a1", Category: cpaudit.CategoryOther, Severity: cpaudit.SeverityMinor, Description: "数据有误"}
	}
	nf := base()
	nf.FigureIDs, nf.ImageIDs = []string{"d1:0", "d1:0", "d1:1"}, []string{"d1:", "d1:"}
	if err := nf.Validate("2026-01-01"); err != nil || len(nf.FigureIDs) != 2 || len(nf.ImageIDs) != 1 {
		t.Errorf("repeats: %v %v %v", err, nf.FigureIDs, nf.ImageIDs)
	}
	for _, tc := range []struct {
		name string
		p    cpaudit.CitedPassage
		code cpaudit.Code
	}{
		{"no document", cpaudit.CitedPassage{Quote: "节水"}, cpaudit.CodeFieldRequired},
		{"nothing to cite", cpaudit.CitedPassage{DocumentID: "d1"}, cpaudit.CodePassageInvalid},
		{"end before start", cpaudit.CitedPassage{DocumentID: "d1", Start: 5, End: 3}, cpaudit.CodePassageInvalid},
		{"too long", cpaudit.CitedPassage{DocumentID: "d1", Start: 0, End: cpaudit.MaxPassageRunes + 1}, cpaudit.CodePassageInvalid},
	} {
		nf := base()
		nf.Passages = []cpaudit.CitedPassage{tc.p}
		if err := nf.Validate("2026-01-01"); cpaudit.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}
