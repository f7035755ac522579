package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// script adapts a page route called by a page's script: errors, those of
// requireSession included, become problem+json, whose detail the script
// shows, instead of an HTML page or a redirect to the login form. Since the
// detail lands on a page, it is the text of the error's code in the page's
// language, not the API's English.
func (s *Handler) script(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.WriteProblemDetail(w, r, err, refusalText(webOf(r).Lang, err))
		}
	})
}

// option is one <option> of a select.
type option struct {
	Value, Label string
	Selected     bool
}

func kindOptions(lang string, selected cpaudit.DocKind) []option {
	T := translator(lang)
	var opts []option
	for _, k := range []cpaudit.DocKind{cpaudit.DocReport, cpaudit.DocEvidence, cpaudit.DocGuideline, cpaudit.DocOther} {
		opts = append(opts, option{Value: string(k), Label: T("kind." + string(k)), Selected: k == selected})
	}
	return opts
}

// stepLabel is a step as the pages show it: "1 取得领导支持" or, in
// English, "1 Obtain management commitment".
func stepLabel(lang string, st cpaudit.StepDef) string {
	name := st.Zh
	if lang == "en" {
		name = st.En
	}
	return strconv.Itoa(st.Number) + " " + name
}

func stepOptions(lang string, selected int) ([]option, error) {
	steps, err := cpaudit.Steps()
	if err != nil {
		return nil, cpaudit.Internal("web.stepOptions", err)
	}
	opts := make([]option, len(steps))
	for i, st := range steps {
		opts[i] = option{Value: strconv.Itoa(st.Number), Label: stepLabel(lang, st), Selected: st.Number == selected}
	}
	return opts, nil
}

// pager is the paging bar under a list.
type pager struct {
	Page, Pages int
	Prev, Next  string // links, "" at either end
}

// newPager is the bar of the page at offset of a list of total items,
// limit a page, shown on this one; link makes the URL of an offset.
func newPager(offset, limit, shown, total int, link func(offset int) string) pager {
	p := pager{Page: offset/limit + 1, Pages: max(1, (total+limit-1)/limit)}
	if offset > 0 {
		p.Prev = link(max(0, offset-limit))
	}
	if offset+shown < total {
		p.Next = link(offset + limit)
	}
	return p
}

func (s *Handler) documentsPage(w http.ResponseWriter, r *http.Request) error {
	f, err := httpx.DocumentFilter(r.URL.Query())
	if err != nil {
		return err
	}
	docs, total, err := s.store.Documents(r.Context(), httpx.ActorOf(r), f)
	if err != nil {
		return err
	}
	audits, err := s.auditOptions(r.Context(), httpx.ActorOf(r), webOf(r).Lang, f.AuditID)
	if err != nil {
		return err
	}
	p := newPager(f.Offset, f.Limit, len(docs), total, func(offset int) string { return listURL(f, offset) })
	return s.render(w, r, http.StatusOK, "documents", map[string]any{
		"Docs": docs, "Total": total, "Pager": p, "Kinds": kindOptions(webOf(r).Lang, f.Kind),
		"Filtered": f.Kind != "" || f.AuditID != "", "Audits": audits, "FirstPage": listURL(f, 0),
	})
}

// listURL links to another page of the same filtered list.
func listURL(f cpaudit.DocumentFilter, offset int) string {
	q := url.Values{}
	if f.Kind != "" {
		q.Set("kind", string(f.Kind))
	}
	if f.AuditID != "" {
		q.Set("audit_id", f.AuditID)
	}
	if f.Limit != 20 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if len(q) == 0 {
		return "/documents"
	}
	return "/documents?" + q.Encode()
}

// uploadPage shows the upload form; audit_id (or audit) and step in the
// query fill it in, so other pages can link to an upload for a given step.
// The audit is picked by name among those the user may read.
func (s *Handler) uploadPage(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	q := r.URL.Query()
	step, _ := httpx.ParseStep(q.Get("step")) // a bad step just selects none
	steps, err := stepOptions(lang, step)
	if err != nil {
		return err
	}
	auditID := q.Get("audit_id")
	if auditID == "" {
		auditID = q.Get("audit")
	}
	a := httpx.ActorOf(r)
	var audits []option
	if a.Role == cpaudit.RoleExpert { // experts read every audit but upload to none
		audits, err = s.extraAudit(r.Context(), a, nil, auditID)
	} else {
		audits, err = s.auditOptions(r.Context(), a, lang, auditID)
	}
	if err != nil {
		return err
	}
	back := ""
	if auditID != "" {
		back = auditStepURL(auditID, step)
	}
	return s.render(w, r, http.StatusOK, "upload", map[string]any{
		"Kinds": kindOptions(lang, cpaudit.DocKind(q.Get("kind"))), "Steps": steps,
		"Audits": audits, "Back": back, "Limit": httpx.HumanBytes(s.MaxUpload()),
	})
}

// auditStepURL links to an audit's page, at its step when there is one.
func auditStepURL(auditID string, step int) string {
	u := "/audits/" + url.PathEscape(auditID)
	if step > 0 {
		u += "#step-" + strconv.Itoa(step)
	}
	return u
}

// logRow is one audit log entry as the document page shows it.
type logRow struct {
	At, Email, Role, Action, ClientAddr string
	Version                             int // of the document, from the entry's detail; 0 if none
}

func logRows(lang string, entries []cpaudit.LogEntry) []logRow {
	rows := make([]logRow, len(entries))
	for i, e := range entries {
		var detail struct {
			Version int `json:"version"`
		}
		json.Unmarshal([]byte(e.Detail), &detail) // best effort: the version is a hint
		rows[i] = logRow{
			At:         e.At.Local().Format("2006-01-02 15:04:05"),
			Email:      e.Email,
			Role:       translateOr(lang, "role."+string(e.Role), string(e.Role)),
			Action:     translateOr(lang, "action."+e.Action, e.Action),
			ClientAddr: e.ClientAddr,
			Version:    detail.Version,
		}
	}
	return rows
}

func (s *Handler) documentPage(w http.ResponseWriter, r *http.Request) error {
	a, lang := httpx.ActorOf(r), webOf(r).Lang
	d, err := s.store.Document(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	entries, err := s.store.ObjectLog(r.Context(), a, "document", d.ID, 100)
	if err != nil {
		return err
	}
	step := ""
	if d.Step != 0 {
		steps, err := cpaudit.Steps()
		if err != nil {
			return cpaudit.Internal("web.documentPage", err)
		}
		for _, st := range steps {
			if st.Number == d.Step {
				step = stepLabel(lang, st)
			}
		}
	}
	similar, err := s.store.SimilarDocuments(r.Context(), a, d.ID, cpaudit.SimilarDefault)
	if err != nil {
		return err
	}
	// The audit and its enterprise by name: whoever reads a document of
	// an audit may not see the audit (a guideline's reader, say), and is
	// then shown neither name nor link.
	enterprise := ""
	if d.AuditID != "" {
		ent, _, err := s.store.AuditParties(r.Context(), a, d.AuditID)
		switch {
		case cpaudit.ErrorKind(err) == cpaudit.KindNotFound:
		case err != nil:
			return err
		default:
			enterprise = ent.Name
		}
	}
	return s.render(w, r, http.StatusOK, "document", map[string]any{
		"Doc": d, "Step": step, "Enterprise": enterprise,
		"AuditURL": auditStepURL(d.AuditID, 0), "StepURL": auditStepURL(d.AuditID, d.Step),
		"EnterpriseURL": "/enterprises?" + url.Values{"q": {enterprise}}.Encode(), "Log": logRows(lang, entries), "Limit": httpx.HumanBytes(s.MaxUpload()),
		"Similar": similarRows(similar),
	})
}

// similarRow is a similar document as the document page lists it: its
// title (linked), never its id, and its similarity as a percentage.
type similarRow struct {
	ID, Title, Percent string
	SameIndustry       bool
}

func similarRows(docs []cpaudit.SimilarDocument) []similarRow {
	rows := make([]similarRow, len(docs))
	for i, d := range docs {
		rows[i] = similarRow{ID: d.DocumentID, Title: d.Title, SameIndustry: d.SameIndustry,
			Percent: strconv.FormatFloat(d.Similarity*100, 'f', 1, 64) + "%"}
	}
	return rows
}

// textPage shows the text extracted from a version, so people can see
// what search and the duplicate checks work on.
func (s *Handler) textPage(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	d, err := s.store.Document(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	version, err := httpx.VersionParam(r)
	if err != nil {
		return err
	}
	if version == 0 {
		version = d.Current.Number
	}
	t, err := s.store.DocumentText(r.Context(), a, d.ID, version)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	data := map[string]any{"Doc": d, "Version": version, "Text": t, "Query": q, "Segments": markedText(t.Text, q)}
	data["Passage"] = cpaudit.CitedPassage{}
	if q == "" {
		data["Segments"], data["Passage"] = passageSegments(t.Text, r.URL.Query())
	}
	if d.AuditID != "" && mayRecordFindings(a) && t.Status == cpaudit.TextDone && version == d.Current.Number {
		data["CiteAudit"] = d.AuditID // the passage form raises a finding on the document's audit
	}
	return s.render(w, r, http.StatusOK, "text", data)
}
