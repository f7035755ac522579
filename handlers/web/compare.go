package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/search/detect"
)

// compareSide is one of the two texts the compare page shows: a document
// and which of its versions (the newest unless the query says).
type compareSide struct {
	Doc     cpaudit.Document
	Version int
}

// compareRow is one aligned segment as the page shows it: a shared
// passage (Match ≥ 1, with its neighbours' numbers for the jump links, 0
// at either end) or the text between passages.
type compareRow struct {
	Match, Prev, Next int
	A, B              []detect.Chunk
}

// comparePick is one choice of the picker: a label and where it leads.
type comparePick struct {
	Label, URL, Note string
}

// comparePage puts two texts side by side: /compare?a=DOC&b=DOC, and
// av / bv to choose versions (two versions of one document are a=b with
// av and bv). Shared passages are highlighted and numbered, with links
// to the previous and next one (anchors: the page needs no script), and
// differences are marked character by character. With b missing it shows
// a picker of what a may be compared with: its other versions, the
// similar documents and the guidelines the user may read. Only documents
// the user may read can be compared: any other is 404.
func (s *Handler) comparePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("a") == "" {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFlagDocumentsRequired, "a and b, the ids of two documents, are required")
	}
	a, err := s.compareSide(r, q.Get("a"), q.Get("av"))
	if err != nil {
		return err
	}
	if q.Get("b") == "" {
		picks, err := s.comparePicks(r, a.Doc)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "compare", map[string]any{"A": a, "Picks": picks})
	}
	b, err := s.compareSide(r, q.Get("b"), q.Get("bv"))
	if err != nil {
		return err
	}
	var texts [2]string
	for i, side := range []compareSide{a, b} {
		t, err := s.store.DocumentText(r.Context(), httpx.ActorOf(r), side.Doc.ID, side.Version)
		if err != nil {
			return err
		}
		if t.Status != cpaudit.TextDone {
			return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeDocumentHasNoText, "document %s has no extracted text (%s)", side.Doc.ID, t.Status)
		}
		texts[i] = t.Text
	}
	al := detect.Align(texts[0], texts[1], detect.Defaults())
	rows := make([]compareRow, len(al.Segments))
	for i, seg := range al.Segments {
		rows[i] = compareRow{Match: seg.Match, A: seg.A, B: seg.B}
		if seg.Match > 1 {
			rows[i].Prev = seg.Match - 1
		}
		if seg.Match > 0 && seg.Match < len(al.Anchors) {
			rows[i].Next = seg.Match + 1
		}
	}
	matches := make([]int, len(al.Anchors))
	for i := range matches {
		matches[i] = i + 1
	}
	return s.render(w, r, http.StatusOK, "compare", map[string]any{
		"A": a, "B": b, "Rows": rows, "Matches": matches, "Coarse": al.Coarse,
		"Percent":  strconv.FormatFloat(al.Similarity*100, 'f', 1, 64) + "%",
		"Passages": len(al.Comparison.Passages),
		"Swap":     compareURL(b.Doc.ID, b.Version, a.Doc.ID, a.Version),
	})
}

// compareSide reads the document id (404 outside the user's reach) and
// the version v ("" for the newest).
func (s *Handler) compareSide(r *http.Request, id, v string) (compareSide, error) {
	d, err := s.store.Document(r.Context(), httpx.ActorOf(r), id)
	if err != nil {
		return compareSide{}, err
	}
	n, err := httpx.ParseVersion(v)
	if err != nil {
		return compareSide{}, err
	}
	switch {
	case n == 0:
		n = d.Current.Number
	case n > d.Current.Number:
		return compareSide{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchVersion, "no such version")
	}
	return compareSide{Doc: d, Version: n}, nil
}

// comparePicks is what the picker offers to compare d with.
func (s *Handler) comparePicks(r *http.Request, d cpaudit.Document) ([]comparePick, error) {
	a, T := httpx.ActorOf(r), translator(webOf(r).Lang)
	var picks []comparePick
	for _, v := range d.Versions {
		if v.Number != d.Current.Number {
			picks = append(picks, comparePick{Label: "v" + strconv.Itoa(v.Number) + " " + v.Filename, Note: T("compare.pick.version"),
				URL: compareURL(d.ID, v.Number, d.ID, d.Current.Number)})
		}
	}
	similar, err := s.store.SimilarDocuments(r.Context(), a, d.ID, cpaudit.SimilarDefault)
	if err != nil {
		return nil, err
	}
	for _, o := range similarRows(similar) {
		picks = append(picks, comparePick{Label: o.Title, Note: T("compare.pick.similar") + " " + o.Percent, URL: compareURL(d.ID, 0, o.ID, 0)})
	}
	guides, _, err := s.store.Documents(r.Context(), a, cpaudit.DocumentFilter{Kind: cpaudit.DocGuideline, Limit: 50})
	if err != nil {
		return nil, err
	}
	for _, g := range guides {
		if g.ID != d.ID {
			picks = append(picks, comparePick{Label: g.Title, Note: T("compare.pick.guideline"), URL: compareURL(d.ID, 0, g.ID, 0)})
		}
	}
	return picks, nil
}

// compareURL links to the compare page; a version of 0 is the newest and
// is left out.
func compareURL(a string, av int, b string, bv int) string {
	q := url.Values{"a": {a}, "b": {b}}
	if av > 0 {
		q.Set("av", strconv.Itoa(av))
	}
	if bv > 0 {
		q.Set("bv", strconv.Itoa(bv))
	}
	return "/compare?" + q.Encode()
}
