package cpaudit

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// What a finding cites besides whole documents: passages of a document's
// extracted text, figures cpaudit read from a document, and images inside
// a document. Every cited thing belongs to the finding's audit; storage
// checks that and copies what was cited (the passage's text, the figure's
// value) into the finding, so a finding keeps saying what it cited after
// the document is analysed again.

// Bounds of a finding's citations.
const (
	MaxFindingPassages = 20
	MaxFindingFigures  = 50
	MaxFindingImages   = 50
	MaxPassageRunes    = 2000 // characters of one cited passage
)

// CitedPassage is a cited stretch of a document's extracted text (its newest
// version): characters [Start, End) counted in runes, and their text.
// Citing takes either the range or the quoted text (its first
// occurrence is cited), or both when they agree.
type CitedPassage struct {
	DocumentID string `json:"document_id"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Quote      string `json:"quote,omitempty"` // when citing: the text, instead of or with the range
	Text       string `json:"text"`            // when read: the cited text
}

// CitedFigure is a figure a finding cites, as it was when cited.
type CitedFigure struct {
	ID         string  `json:"id"` // FigureID
	DocumentID string  `json:"document_id"`
	Name       string  `json:"name"` // the quantity, e.g. cod
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Raw        string  `json:"raw"`
}

// CitedImage is an image a finding cites.
type CitedImage struct {
	ID         string `json:"id"` // ImageID
	DocumentID string `json:"document_id"`
	Entry      string `json:"entry"` // the file inside the document, "" for the document itself
	Width      int    `json:"width"`
	Height     int    `json:"height"`
}

// FigureID names the i-th figure cpaudit read from a document (0-based, in
// the order of its latest analysis).
func FigureID(docID string, i int) string { return docID + ":" + strconv.Itoa(i) }

// ParseFigureID reads a FigureID; ok false when it is not one.
func ParseFigureID(id string) (docID string, i int, ok bool) {
	d, n, found := strings.Cut(id, ":")
	i, err := strconv.Atoi(n)
	if !found || d == "" || err != nil || i < 0 || strconv.Itoa(i) != n {
		return "", 0, false
	}
	return d, i, true
}

// ImageID names an image of a document: the document and the entry inside
// it ("" for a photo that is the document itself).
func ImageID(docID, entry string) string { return docID + ":" + entry }

// ParseImageID reads an ImageID; ok false when it is not one.
func ParseImageID(id string) (docID, entry string, ok bool) {
	d, e, found := strings.Cut(id, ":")
	return d, e, found && d != ""
}

// validateCitations checks the shape of a new finding's passages, figure
// ids and image ids, and drops repeated ids; whether each belongs to the
// audit is storage's to check. KindUnprocessable with a code per fault.
func (nf *NewFinding) validateCitations() error {
	if len(nf.Passages) > MaxFindingPassages {
		return Refuse(KindUnprocessable, CodeFindingCitationsTooMany, "at most %d passages", MaxFindingPassages).
			With("field", "passages").With("max", strconv.Itoa(MaxFindingPassages))
	}
	if len(nf.FigureIDs) > MaxFindingFigures {
		return Refuse(KindUnprocessable, CodeFindingCitationsTooMany, "at most %d figures", MaxFindingFigures).
			With("field", "figure_ids").With("max", strconv.Itoa(MaxFindingFigures))
	}
	if len(nf.ImageIDs) > MaxFindingImages {
		return Refuse(KindUnprocessable, CodeFindingCitationsTooMany, "at most %d images", MaxFindingImages).
			With("field", "image_ids").With("max", strconv.Itoa(MaxFindingImages))
	}
	for i := range nf.Passages {
		p := &nf.Passages[i]
		p.DocumentID = strings.TrimSpace(p.DocumentID)
		p.Text = ""
		if p.DocumentID == "" {
			return Refuse(KindUnprocessable, CodeFieldRequired, "passages[%d].document_id is required", i).With("field", "passages.document_id")
		}
		ranged := p.Start != 0 || p.End != 0
		if !utf8.ValidString(p.Quote) || utf8.RuneCountInString(p.Quote) > MaxPassageRunes ||
			(ranged && (p.Start < 0 || p.End <= p.Start || p.End-p.Start > MaxPassageRunes)) ||
			(!ranged && strings.TrimSpace(p.Quote) == "") {
			return Refuse(KindUnprocessable, CodePassageInvalid, "passages[%d]: give start < end (at most %d characters apart) or the quoted text", i, MaxPassageRunes).
				With("value", p.DocumentID).With("max", strconv.Itoa(MaxPassageRunes))
		}
	}
	nf.FigureIDs = uniqueIDs(nf.FigureIDs)
	nf.ImageIDs = uniqueIDs(nf.ImageIDs)
	return nil
}

// uniqueIDs keeps the first of each id, in order; never nil.
func uniqueIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// CutPassage finds a passage in a document's text: the range when given
// (when a quote comes with it and is not the text there, the quote's
// first occurrence), else the first occurrence of the quote. It fills Start, End and Text and clears Quote; ok false
// when the range is past the text's end or the quote is not in it.
func CutPassage(p CitedPassage, text string) (CitedPassage, bool) {
	runes := []rune(text)
	if p.Start == 0 && p.End == 0 {
		q := strings.TrimSpace(p.Quote)
		at := strings.Index(text, q)
		if at < 0 {
			return p, false
		}
		p.Start = utf8.RuneCountInString(text[:at])
		p.End = p.Start + utf8.RuneCountInString(q)
	}
	q := strings.TrimSpace(p.Quote)
	if p.End > len(runes) || (q != "" && strings.TrimSpace(string(runes[p.Start:p.End])) != q) {
		if q == "" || !strings.Contains(text, q) {
			return p, false
		}
		// The range and the quote disagree (a page that showed the text
		// counted its characters otherwise): the quote decides.
		return CutPassage(CitedPassage{DocumentID: p.DocumentID, Quote: q}, text)
	}
	cut := string(runes[p.Start:p.End])
	p.Text, p.Quote = cut, ""
	return p, true
}

// CitableDocument is a document of an audit with the figures and images a
// finding may cite from it, for the finding form's pickers.
type CitableDocument struct {
	DocumentID string        `json:"document_id"`
	Title      string        `json:"title"`
	Figures    []CitedFigure `json:"figures"`
	Images     []CitedImage  `json:"images"`
}
