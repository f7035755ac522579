package api

import (
	"net/http"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/search/detect"
)

// apiCreateGuideline registers a draft version of a guideline document:
// {"document_id","title","issuing_body","effective_date","industries",
// "supersedes"}.
func (s *Handler) apiCreateGuideline(w http.ResponseWriter, r *http.Request) error {
	var in cpaudit.NewGuideline
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	g, err := s.store.CreateGuideline(r.Context(), httpx.ActorOf(r), in)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, g)
	return nil
}

// apiListGuidelines lists the versions the caller reads, the tenant's own
// and the library's; ?industry= keeps those that apply to an industry.
func (s *Handler) apiListGuidelines(w http.ResponseWriter, r *http.Request) error {
	industry := r.URL.Query().Get("industry")
	if industry != "" {
		if err := cpaudit.ValidateIndustry(industry); err != nil {
			return err
		}
	}
	gs, err := s.store.Guidelines(r.Context(), httpx.ActorOf(r), industry)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"guidelines": gs})
	return nil
}

// apiGuidelineNotices lists what the home page notices: the versions
// published in the last cpaudit.GuidelineNoticeDays days that apply to an
// industry of an audit the caller sees (regulators and consultants; any
// other role gets none), newest first, each with the document of the
// version it superseded, to compare with (/compare?a=PREVIOUS&b=NEW, or
// GET /guidelines/{id}/changes).
func (s *Handler) apiGuidelineNotices(w http.ResponseWriter, r *http.Request) error {
	since := time.Now().AddDate(0, 0, -cpaudit.GuidelineNoticeDays)
	ns, err := s.store.GuidelineNotices(r.Context(), httpx.ActorOf(r), since)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"notices": ns})
	return nil
}

func (s *Handler) apiGetGuideline(w http.ResponseWriter, r *http.Request) error {
	g, err := s.store.Guideline(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, g)
	return nil
}

func (s *Handler) apiPublishGuideline(w http.ResponseWriter, r *http.Request) error {
	g, err := s.store.PublishGuideline(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, g)
	return nil
}

// apiGuidelineChanges answers what changed in a version against the one
// it supersedes: the alignment of the /compare page, as the stretches
// only in the new text (added) and only in the previous (removed).
func (s *Handler) apiGuidelineChanges(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	g, prev, err := s.store.GuidelinePrevious(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	var texts [2]string
	for i, id := range []string{prev.DocumentID, g.DocumentID} {
		t, err := s.store.DocumentText(r.Context(), a, id, 0)
		if err != nil {
			return err
		}
		if t.Status != cpaudit.TextDone {
			return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeDocumentHasNoText, "document %s has no extracted text (%s)", id, t.Status)
		}
		texts[i] = t.Text
	}
	s.WriteJSON(w, r, http.StatusOK, GuidelineChanges(g, prev, detect.Align(texts[0], texts[1], detect.Defaults())))
	return nil
}

// GuidelineChanges turns the alignment of a previous version's text (a)
// with the new one's (b) into the changes between them.
func GuidelineChanges(g, prev cpaudit.Guideline, al detect.Alignment) cpaudit.GuidelineChanges {
	c := cpaudit.GuidelineChanges{GuidelineID: g.ID, PreviousID: prev.ID, DocumentID: g.DocumentID, PreviousDoc: prev.DocumentID,
		Similarity: al.Similarity, Added: []string{}, Removed: []string{}}
	for _, seg := range al.Segments {
		c.Removed = appendChanged(c.Removed, seg.A)
		c.Added = appendChanged(c.Added, seg.B)
	}
	return c
}

// appendChanged appends the runs of changed chunks, adjacent ones joined,
// leaving out those of whitespace and punctuation alone.
func appendChanged(out []string, chunks []detect.Chunk) []string {
	run := ""
	flush := func() {
		if cpaudit.HasLetters(run) {
			out = append(out, run)
		}
		run = ""
	}
	for _, ch := range chunks {
		if !ch.Changed {
			flush()
			continue
		}
		run += ch.Text
	}
	flush()
	return out
}

// requirementsBody is the body and answer of a version's requirements.
type requirementsBody struct {
	GuidelineID  string                `json:"guideline_id"`
	Requirements []cpaudit.Requirement `json:"requirements"`
}

// apiSetRequirements replaces the bottom-line requirements of a draft
// version: {"requirements":[{"text","steps","phrases","veto"}]}.
func (s *Handler) apiSetRequirements(w http.ResponseWriter, r *http.Request) error {
	var in requirementsBody
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Requirements == nil {
		in.Requirements = []cpaudit.Requirement{}
	}
	httpx.NormalizePhrases(in.Requirements)
	id := httpx.Param(r, "id")
	rs, err := s.store.SetGuidelineRequirements(r.Context(), httpx.ActorOf(r), id, in.Requirements)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, requirementsBody{GuidelineID: id, Requirements: rs})
	return nil
}

func (s *Handler) apiRequirements(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	rs, err := s.store.GuidelineRequirements(r.Context(), httpx.ActorOf(r), id)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, requirementsBody{GuidelineID: id, Requirements: rs})
	return nil
}

// apiAuditRequirements answers which requirements of the published
// guidelines of the audit's industry its reports address.
func (s *Handler) apiAuditRequirements(w http.ResponseWriter, r *http.Request) error {
	ar, err := s.store.AuditRequirements(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, ar)
	return nil
}
