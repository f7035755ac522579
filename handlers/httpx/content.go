package httpx

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// DocumentJSON is a document as the API shows it: the current version's
// Fields at the top level (as docs/api-contract.md promises), then the rest.
func DocumentJSON(d cpaudit.Document) map[string]any {
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

// ContentOpener opens a version's stored bytes, as the actor may read them.
type ContentOpener interface {
	OpenContent(ctx context.Context, a cpaudit.Actor, docID string, version int) (cpaudit.DocumentVersion, io.ReadCloser, error)
}

// ServeContent is the handler that streams the exact bytes of the version
// the path names ({id}, optional {version}) as an attachment. Shared by the
// API and the web UI.
func (k *Kit) ServeContent(docs ContentOpener) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.serveContent(w, r, docs)
	}
}

func (k *Kit) serveContent(w http.ResponseWriter, r *http.Request, docs ContentOpener) error {
	version, err := VersionParam(r)
	if err != nil {
		return err
	}
	v, rc, err := docs.OpenContent(r.Context(), ActorOf(r), Param(r, "id"), version)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", v.ContentType)
	h.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	h.Set("Content-Disposition", ContentDisposition(v.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("ETag", `"`+v.SHA256+`"`)
	h.Set("Last-Modified", v.UploadedAt.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "private, max-age=0")
	if _, err := io.Copy(k.NewStallWriter(w), rc); err != nil {
		// Headers are gone; all we can do is log and cut the connection.
		k.log.Warn("download interrupted", "document", Param(r, "id"), "err", err)
	}
	return nil
}

// ContentDisposition builds an RFC 6266 attachment header: an ASCII
// fallback name for old clients and the UTF-8 name in filename*. The name
// is cleaned again, for versions stored before names lost their
// bidirectional controls: a browser saving "报告\u202Efdp.exe" would show
// it as 报告exe.pdf.
func ContentDisposition(name string) string {
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
