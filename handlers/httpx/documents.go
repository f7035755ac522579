package httpx

import (
	"context"
	"net/http"

	"github.com/cpaudit/cpaudit"
)

// DocumentUploader is what an upload needs from storage: staging the file,
// checking the document a version is for, and storing the result.
type DocumentUploader interface {
	Stager
	Document(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Document, error)
	CreateDocument(ctx context.Context, a cpaudit.Actor, nd cpaudit.NewDocument, st cpaudit.Staged) (cpaudit.Document, error)
	AddVersion(ctx context.Context, a cpaudit.Actor, docID, filename, contentType string, st cpaudit.Staged) (cpaudit.Document, error)
}

// UploadDocument is the handler that stores a new document from a
// multipart upload and answers it as JSON (201, with its API Location).
// The API serves it, and so does the web UI for its upload script.
func (k *Kit) UploadDocument(docs DocumentUploader) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		form, err := k.ReadUpload(w, r, docs)
		if err != nil {
			return err
		}
		defer form.Close()
		nd, err := form.NewDocument()
		if err != nil {
			return err
		}
		d, err := docs.CreateDocument(r.Context(), ActorOf(r), nd, form.Staged)
		if err != nil {
			return err
		}
		k.metrics.uploadedBytes.Add(float64(d.Current.Size))
		w.Header().Set("Location", "/api/v1/documents/"+d.ID)
		k.WriteJSON(w, r, http.StatusCreated, DocumentJSON(d))
		return nil
	}
}

// UploadVersion is the handler that adds a version, from a multipart
// upload, to the document {id}, and answers the document as JSON (201).
// Shared like UploadDocument.
func (k *Kit) UploadVersion(docs DocumentUploader) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a := ActorOf(r)
		// Check visibility before receiving the body, so nobody learns by
		// timing or by a 413 that a document they cannot see exists.
		if _, err := docs.Document(r.Context(), a, Param(r, "id")); err != nil {
			return err
		}
		form, err := k.ReadUpload(w, r, docs)
		if err != nil {
			return err
		}
		defer form.Close()
		d, err := docs.AddVersion(r.Context(), a, Param(r, "id"), form.Filename, form.ContentType, form.Staged)
		if err != nil {
			return err
		}
		k.metrics.uploadedBytes.Add(float64(d.Current.Size))
		k.WriteJSON(w, r, http.StatusCreated, DocumentJSON(d))
		return nil
	}
}
