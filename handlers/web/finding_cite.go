package web

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/search/detect"
)

// What the audit page's finding form cites besides whole documents —
// passages, figures and images of the audit's documents, picked, never
// typed — and where a finding is raised from: a passage marked on a
// document's text page, a returned step, an expert's review workspace.
// Each of those links to the audit page with the form pre-filled by query
// parameters (cite_doc, cite_from, cite_to, cite_quote; finding_step,
// finding_text; finding_assignment), so the regulator or expert still
// chooses the category and severity and records it.

// citeFigure and citeImage are the pickers' choices.
type citeFigure struct {
	ID, Label string
}

type citeImage struct {
	ID, DocumentID, Entry, Label string
}

// citedPassage is a passage as the page shows it: the text, quoted, and a
// link to it on its document's text page.
type citedPassage struct {
	cpaudit.CitedPassage
	Title string
	Href  string
}

// passageHref is the text page of a document with a passage marked.
func passageHref(p cpaudit.CitedPassage) string {
	return "/documents/" + url.PathEscape(p.DocumentID) + "/text?from=" + strconv.Itoa(p.Start) + "&to=" + strconv.Itoa(p.End) + "#passage"
}

// figureLabel shows a figure as name, value and unit, e.g. "COD 12 t (12吨)".
func figureLabel(T func(string) string, f cpaudit.CitedFigure) string {
	name := T("quantity." + f.Name)
	if strings.HasPrefix(name, "quantity.") {
		name = f.Name
	}
	label := name + " " + strconv.FormatFloat(f.Value, 'f', -1, 64) + " " + f.Unit
	if f.Raw != "" {
		label += "（" + f.Raw + "）"
	}
	return label
}

// findingFormData adds the finding form's pickers and what its query
// pre-fills to the audit page's data.
func (s *Handler) findingFormData(r *http.Request, au cpaudit.Audit, titles map[string]string, data map[string]any) error {
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	docs, err := s.store.FindingCitables(r.Context(), a, au.ID)
	if err != nil {
		return err
	}
	var figs []citeFigure
	var imgs []citeImage
	for _, d := range docs {
		for _, f := range d.Figures {
			figs = append(figs, citeFigure{ID: f.ID, Label: d.Title + "：" + figureLabel(T, f)})
		}
		for _, im := range d.Images {
			label := d.Title
			if im.Entry != "" {
				label += " · " + im.Entry[strings.LastIndex(im.Entry, "/")+1:]
			}
			imgs = append(imgs, citeImage{ID: im.ID, DocumentID: im.DocumentID, Entry: im.Entry, Label: label})
		}
	}
	data["CiteFigures"], data["CiteImages"] = figs, imgs
	q := r.URL.Query()
	if doc := q.Get("cite_doc"); doc != "" && titles[doc] != "" {
		p := cpaudit.CitedPassage{DocumentID: doc, Quote: q.Get("cite_quote")}
		p.Start, _ = strconv.Atoi(q.Get("cite_from"))
		p.End, _ = strconv.Atoi(q.Get("cite_to"))
		if t, err := s.store.DocumentText(r.Context(), a, doc, 0); err == nil && t.Status == cpaudit.TextDone {
			if cut, ok := cpaudit.CutPassage(p, t.Text); ok && cut.End-cut.Start <= cpaudit.MaxPassageRunes {
				data["CitePassage"] = citedPassage{CitedPassage: cut, Title: titles[doc], Href: passageHref(cut)}
			}
		}
	}
	data["FindingStep"] = 0
	if n, err := strconv.Atoi(q.Get("finding_step")); err == nil && n >= 1 && n <= cpaudit.StepCount {
		data["FindingStep"] = n
	}
	data["FindingText"] = q.Get("finding_text")
	data["FindingAssignment"] = q.Get("finding_assignment")
	var steps []int
	for n := 1; n <= cpaudit.StepCount; n++ {
		steps = append(steps, n)
	}
	data["FindingSteps"] = steps
	return nil
}

// formCitations reads the finding form's citations: passages as parallel
// passage_doc, passage_start, passage_end fields, figure_ids and
// image_ids picked, the step and the assignment.
func formCitations(r *http.Request, nf *cpaudit.NewFinding) {
	docs, starts, ends := r.PostForm["passage_doc"], r.PostForm["passage_start"], r.PostForm["passage_end"]
	for i, doc := range docs {
		p := cpaudit.CitedPassage{DocumentID: doc}
		if i < len(starts) && i < len(ends) {
			p.Start, _ = strconv.Atoi(starts[i])
			p.End, _ = strconv.Atoi(ends[i])
		}
		nf.Passages = append(nf.Passages, p)
	}
	nf.FigureIDs, nf.ImageIDs = r.PostForm["figure_ids"], r.PostForm["image_ids"]
	nf.Step, _ = strconv.Atoi(r.PostFormValue("step"))
	nf.AssignmentID = r.PostFormValue("assignment_id")
}

// webPassages are a finding's passages as the audit page shows them.
func webPassages(f cpaudit.Finding, titles map[string]string) []citedPassage {
	out := make([]citedPassage, len(f.Passages))
	for i, p := range f.Passages {
		out[i] = citedPassage{CitedPassage: p, Title: titles[p.DocumentID], Href: passageHref(p)}
	}
	return out
}

// documentThumb serves, as a PNG, the thumbnail analysis kept of an image
// of a document the user may read: /documents/{id}/thumb?entry=E. What is
// kept is a small greyscale square (detect.Thumbnail), enough to tell the
// cited images apart on a finding; the image itself is the document's.
// Anything else is 404.
func (s *Handler) documentThumb(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.store.DocumentImageThumb(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), r.URL.Query().Get("entry"))
	if err != nil {
		return err
	}
	if len(raw) != detect.ThumbSide*detect.ThumbSide {
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchImage, "no thumbnail of that image")
	}
	img := image.NewGray(image.Rect(0, 0, detect.ThumbSide, detect.ThumbSide))
	copy(img.Pix, raw)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=0")
	_, _ = w.Write(buf.Bytes()) // headers are gone on failure; nothing more to do
	return nil
}

// returnedStepFinding is where returning a step with "raise a finding"
// ticked leads: the audit page's finding form with the step and the
// reason filled in, for the regulator to rate and record.
func returnedStepFinding(auditID string, n int, reason string) string {
	q := url.Values{"finding_step": {strconv.Itoa(n)}, "finding_text": {reason}}
	return "/audits/" + url.PathEscape(auditID) + "?" + q.Encode() + "#finding-form"
}

// passageSegments cuts a text around the passage ?from=S&to=E (runes), the
// passage marked with id "passage", as a finding's link to it asks; nil
// and a zero passage when there is none or it is out of the text.
func passageSegments(text string, q url.Values) ([]textSegment, cpaudit.CitedPassage) {
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(q.Get("to"))
	rs := []rune(text)
	if err1 != nil || err2 != nil || from < 0 || to <= from || to > len(rs) {
		return nil, cpaudit.CitedPassage{}
	}
	segs := []textSegment{{Text: string(rs[:from])}, {Text: string(rs[from:to]), ID: "passage"}, {Text: string(rs[to:])}}
	return segs, cpaudit.CitedPassage{Start: from, End: to, Text: string(rs[from:to])}
}
