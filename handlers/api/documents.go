package api

import (
	"net/http"

	"github.com/cpaudit/cpaudit"

	"github.com/cpaudit/cpaudit/handlers/httpx"
)

func (s *Handler) apiGetDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.Document(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, httpx.DocumentJSON(d))
	return nil
}

// apiDeleteDocument hides a document from every list, read and search;
// its history stays in the audit log.
func (s *Handler) apiDeleteDocument(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteDocument(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) apiListDocuments(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.DocumentFilter(r.URL.Query())
	if err != nil {
		return err
	}
	docs, total, err := s.store.Documents(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(docs))
	for i, d := range docs {
		out[i] = httpx.DocumentJSON(d)
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"total": total, "documents": out})
	return nil
}

func (s *Handler) apiDocumentLog(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	id := httpx.Param(r, "id")
	// Only the caller's own tenant's documents: a library guideline's
	// history is the library's.
	if err := s.store.OwnDocument(r.Context(), a, id); err != nil {
		return err
	}
	entries, err := s.store.ObjectLog(r.Context(), a, "document", id, 200)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"entries": entries})
	return nil
}

// apiDocumentText answers the extracted text of a version, or 404 while it
// is not extracted yet (text_status in the metadata says so).
func (s *Handler) apiDocumentText(w http.ResponseWriter, r *http.Request) error {
	version, err := httpx.VersionParam(r)
	if err != nil {
		return err
	}
	t, err := s.store.DocumentText(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), version)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, t)
	return nil
}

// apiSimilarDocuments lists the documents whose texts share the most
// fingerprints with this one's, among those the caller may read
// (storage.SimilarDocuments says how they are scored); ?limit= 1 to 50,
// 10 unless given.
func (s *Handler) apiSimilarDocuments(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.IntParam(r.URL.Query(), "limit", cpaudit.SimilarDefault, 1, cpaudit.SimilarMax)
	if err != nil {
		return err
	}
	docs, err := s.store.SimilarDocuments(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"), limit)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"documents": docs})
	return nil
}
