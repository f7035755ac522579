package handlers

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// documentJSON is a document as the API shows it: the current version's
// fields at the top level (as docs/api-contract.md promises), then the rest.
func documentJSON(d cpaudit.Document) map[string]any {
	v := d.Current
	m := map[string]any{
		"id": d.ID, "kind": d.Kind, "title": d.Title, "created_by": d.CreatedBy, "created_at": d.CreatedAt,
		"sha256": v.SHA256, "size": v.Size, "content_type": v.ContentType, "filename": v.Filename,
		"version": v.Number, "text_status": v.TextStatus, "uploaded_at": v.UploadedAt,
	}
	if d.AuditID != "" {
		m["audit_id"] = d.AuditID
	}
	if d.Step != 0 {
		m["step"] = d.Step
	}
	if d.OrgID != "" {
		m["org_id"] = d.OrgID
	}
	if d.Versions != nil {
		m["versions"] = d.Versions
	}
	return m
}

func (s *Server) apiUploadDocument(w http.ResponseWriter, r *http.Request) error {
	form, err := s.readUpload(w, r)
	if err != nil {
		return err
	}
	defer form.Close()
	nd, err := form.newDocument()
	if err != nil {
		return err
	}
	d, err := s.store.CreateDocument(r.Context(), actorOf(r), nd, form.staged)
	if err != nil {
		return err
	}
	s.metrics.uploadedBytes.Add(float64(d.Current.Size))
	w.Header().Set("Location", "/api/v1/documents/"+d.ID)
	s.writeJSON(w, r, http.StatusCreated, documentJSON(d))
	return nil
}

func (s *Server) apiUploadVersion(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	// Check visibility before receiving the body, so nobody learns by
	// timing or by a 413 that a document they cannot see exists.
	if _, err := s.store.Document(r.Context(), a, param(r, "id")); err != nil {
		return err
	}
	form, err := s.readUpload(w, r)
	if err != nil {
		return err
	}
	defer form.Close()
	d, err := s.store.AddVersion(r.Context(), a, param(r, "id"), form.filename, form.contentType, form.staged)
	if err != nil {
		return err
	}
	s.metrics.uploadedBytes.Add(float64(d.Current.Size))
	s.writeJSON(w, r, http.StatusCreated, documentJSON(d))
	return nil
}

func (s *Server) apiGetDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.Document(r.Context(), actorOf(r), param(r, "id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, documentJSON(d))
	return nil
}

// documentFilter reads the list parameters shared by the API and the pages.
func documentFilter(q url.Values) (cpaudit.DocumentFilter, error) {
	f := cpaudit.DocumentFilter{AuditID: q.Get("audit_id")}
	if k := q.Get("kind"); k != "" {
		kind, err := cpaudit.ParseDocKind(k)
		if err != nil {
			return f, err
		}
		f.Kind = kind
	}
	var err error
	if f.Limit, err = intParam(q, "limit", 20, 1, 200); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeNumberRange, "%s must be a whole number from %d to %d", name, lo, hi).With("field", name).With("min", strconv.Itoa(lo)).With("max", strconv.Itoa(hi))
	}
	return n, nil
}

// apiDeleteDocument hides a document from every list, read and search;
// its history stays in the audit log.
func (s *Server) apiDeleteDocument(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteDocument(r.Context(), actorOf(r), param(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiListDocuments(w http.ResponseWriter, r *http.Request) error {
	f, err := documentFilter(r.URL.Query())
	if err != nil {
		return err
	}
	docs, total, err := s.store.Documents(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(docs))
	for i, d := range docs {
		out[i] = documentJSON(d)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"total": total, "documents": out})
	return nil
}

func (s *Server) apiDocumentContent(w http.ResponseWriter, r *http.Request) error {
	return s.serveContent(w, r)
}

// serveContent streams a version's exact bytes as an attachment. Shared by
// the API and the web UI.
func (s *Server) serveContent(w http.ResponseWriter, r *http.Request) error {
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	v, rc, err := s.store.OpenContent(r.Context(), actorOf(r), param(r, "id"), version)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", v.ContentType)
	h.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	h.Set("Content-Disposition", contentDisposition(v.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("ETag", `"`+v.SHA256+`"`)
	h.Set("Last-Modified", v.UploadedAt.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "private, max-age=0")
	if _, err := io.Copy(s.newStallWriter(w), rc); err != nil {
		// Headers are gone; all we can do is log and cut the connection.
		s.log.Warn("download interrupted", "document", param(r, "id"), "err", err)
	}
	return nil
}

// contentDisposition builds an RFC 6266 attachment header: an ASCII
// fallback name for old clients and the UTF-8 name in filename*. The name
// is cleaned again, for versions stored before names lost their
// bidirectional controls: a browser saving "报告\u202Efdp.exe" would show
// it as 报告exe.pdf.
func contentDisposition(name string) string {
	name = cpaudit.CleanFilename(name)
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + rfc5987Escape(name)
}

// rfc5987Escape percent-encodes everything but RFC 5987's attr-char.
func rfc5987Escape(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

func (s *Server) apiDocumentLog(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	id := param(r, "id")
	if _, err := s.store.Document(r.Context(), a, id); err != nil {
		return err
	}
	entries, err := s.store.ObjectLog(r.Context(), a, "document", id, 200)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"entries": entries})
	return nil
}

// apiDocumentText answers the extracted text of a version, or 404 while it
// is not extracted yet (text_status in the metadata says so).
func (s *Server) apiDocumentText(w http.ResponseWriter, r *http.Request) error {
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	t, err := s.store.DocumentText(r.Context(), actorOf(r), param(r, "id"), version)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, t)
	return nil
}

// versionParam reads the optional {version} path parameter: 0 means the
// newest version.
func versionParam(r *http.Request) (int, error) {
	v := param(r, "version")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchVersion, "no such version")
	}
	return n, nil
}
