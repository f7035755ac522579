package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// webKey is the context key of a page request's webInfo.
type webKey struct{}

const (
	sessionCookie = "cpaudit_session"
	loginCSRF     = "cpaudit_login_csrf"
	langCookie    = "cpaudit_lang"
)

// webInfo is what every page knows about its request.
type webInfo struct {
	Lang    string // "zh" or "en"
	User    *cpaudit.User
	Tenant  *cpaudit.Tenant
	CSRF    string // the token forms must send back
	cookie  string
	Path    string
	Request *http.Request
	// OtherLangURL is this page in the other language, keeping its query
	// (filters, paging, the login form's next).
	OtherLangURL string
	// Unread counts the user's unread notifications (the navigation's
	// badge); filled in by render.
	Unread int
}

// NeedsOrg reports whether the user is a consultant, enterprise or
// publisher not yet tied to an organisation, who sees nothing until an
// admin ties it (cpaudit user set-org): every page says so rather than
// showing empty lists without a reason.
func (wi *webInfo) NeedsOrg() bool {
	return wi.User != nil && wi.User.Role.NeedsOrg() && wi.User.OrgID == ""
}

func webOf(r *http.Request) *webInfo {
	wi, _ := r.Context().Value(webKey{}).(*webInfo)
	if wi == nil {
		return &webInfo{Lang: "zh"}
	}
	return wi
}

// parsePages parses every page once at start: each page template is the
// layout plus that page. A missing or broken page fails New.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		if name == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(fsys, "layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[strings.TrimSuffix(name, ".html")] = t
	}
	for _, required := range []string{"login", "error"} {
		if pages[required] == nil {
			return nil, fmt.Errorf("template %s.html is missing", required)
		}
	}
	return pages, nil
}

// render executes a page into a buffer, then writes it, so a template
// error yields a clean error page instead of half a page.
func (s *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) error {
	t, ok := s.pages[page]
	if !ok {
		return cpaudit.Internal("web.render", fmt.Errorf("no page %q", page))
	}
	if data == nil {
		data = map[string]any{}
	}
	wi := webOf(r)
	if wi.User != nil {
		// A failed count must not fail the page (an error page renders
		// through here too): the badge is left out.
		if n, err := s.store.UnreadNotifications(r.Context(), httpx.ActorOf(r)); err == nil {
			wi.Unread = n
		}
	}
	data["Web"] = wi
	data["T"] = translator(wi.Lang)
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return cpaudit.Internal("web.render "+page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// writeErrorPage answers a failed page request; 401 sends the browser to
// the login page instead.
func (s *Handler) writeErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := httpx.ErrorStatus(err)
	s.LogError(r, status, err)
	httpx.SetRetryAfter(w, status)
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	// The heading says what the status means; the detail, said by the
	// error's code in the page's language, is left out when it would only
	// say the same again.
	lang := webOf(r).Lang
	heading := fmt.Sprintf("error.%d", status)
	msg := refusalText(lang, err)
	if code, _ := httpx.ErrorCode(err); code == cpaudit.DefaultCode(cpaudit.ErrorKind(err)) {
		msg = ""
	}
	data := map[string]any{"Status": status, "Message": msg, "Heading": heading}
	if rerr := s.render(w, r, status, "error", data); rerr != nil {
		s.log.Error("error page failed", "err", rerr)
		http.Error(w, translator(lang)(heading), status)
	}
}

// pageFunc is a page handler: it renders or redirects, or returns an error.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Handler) page(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeErrorPage(w, r, err)
		}
	})
}

// webContext works out the language and, when the browser has a live
// session, the user, for every page.
func (s *Handler) webContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wi := &webInfo{Lang: "zh", Path: r.URL.Path, Request: r}
		if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
			wi.Lang = l
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
			wi.Lang = c.Value
		}
		q := r.URL.Query()
		q.Set("lang", map[string]string{"zh": "en", "en": "zh"}[wi.Lang])
		wi.OtherLangURL = r.URL.Path + "?" + q.Encode()
		if c, err := r.Cookie(sessionCookie); err == nil {
			sess, err := s.store.SessionByCookie(r.Context(), c.Value, s.idle)
			if err == nil {
				wi.User, wi.CSRF, wi.cookie = &sess.User, sess.CSRFToken, c.Value
				if t, err := s.store.TenantByID(r.Context(), sess.User.TenantID); err == nil {
					wi.Tenant = &t
				}
				r = httpx.WithActor(r, sess.User, s.ClientAddr(r))
			} else if !cpaudit.IsKind(err, cpaudit.KindUnauthenticated) {
				s.writeErrorPage(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), webKey{}, wi)))
	})
}

// requireSession lets only logged-in browsers through, and checks the CSRF
// token of every state-changing request (form field csrf or header
// X-CSRF-Token, for uploads sent by script).
func (s *Handler) requireSession(h pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		wi := webOf(r)
		if wi.User == nil {
			return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" {
				// Only url-encoded forms are parsed here; multipart uploads
				// send the header, so their bodies stay unread.
				if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
					if err := httpx.LimitBody(w, r, 1<<20, "the form"); err != nil {
						return err
					}
					sent = r.PostFormValue("csrf")
				}
			}
			if subtle.ConstantTimeCompare([]byte(sent), []byte(wi.CSRF)) != 1 {
				return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormExpired, "the form has expired; reload the page and try again")
			}
		}
		return h(w, r)
	}
}

// crossOrigin refuses cross-site state-changing requests by their
// Sec-Fetch-Site and Origin headers, a second line behind the tokens.
func (s *Handler) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeErrorPage(w, r, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeCrossSite, "cross-site request refused"))
	}))
	return cop.Handler(next)
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeNext returns next if it is a path on this site, else "/", so the
// login form cannot be used to redirect to another site. The check is
// made on what the browser will make of the Location header, not on what
// the string looks like: browsers drop tabs and newlines anywhere in a URL
// and spaces and control characters at its ends, and read a backslash as
// a slash, so "/\t/evil.example" and "/\\evil.example" both lead to
// //evil.example, another host. Any such byte is refused outright, as is
// non-UTF-8; what is left must be a single "/" then a path that
// net/url finds no scheme or host in.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || !utf8.ValidString(next) {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}

func (s *Handler) loginPage(w http.ResponseWriter, r *http.Request) error {
	if webOf(r).User != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.renderLogin(w, r, http.StatusOK, "", r.URL.Query().Get("tenant"), "")
}

// renderLogin shows the login form with a fresh double-submit CSRF token
// (there is no session yet to hold one).
func (s *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, errMsg, tenant, email string) error {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRF, Value: token, Path: "/login", MaxAge: 3600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return s.render(w, r, status, "login", map[string]any{
		"Error": errMsg, "Tenant": tenant, "Email": email, "LoginCSRF": token, "Next": safeNext(r.FormValue("next")),
	})
}

func (s *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.LimitBody(w, r, 64<<10, "the login form"); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormUnreadable, "the login form could not be read")
	}
	T := translator(webOf(r).Lang)
	slug := strings.TrimSpace(r.PostFormValue("tenant"))
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	c, err := r.Cookie(loginCSRF)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		return s.renderLogin(w, r, http.StatusBadRequest, T("login.expired"), slug, email)
	}
	addr := s.ClientAddr(r)
	if wait := s.throttle.Admit(addr, slug, email); wait > 0 {
		// Refused before the password is looked at: a guess made too
		// soon learns nothing.
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		msg := fmt.Sprintf(T("login.wait.seconds"), secs)
		if secs > 90 {
			msg = fmt.Sprintf(T("login.wait.minutes"), (secs+59)/60)
		}
		return s.renderLogin(w, r, http.StatusTooManyRequests, msg, slug, email)
	}
	// One call, so that an unknown tenant costs a password hash as a known
	// one does and timing does not tell them apart.
	u, err := s.store.Login(r.Context(), slug, email, r.PostFormValue("password"))
	if cpaudit.IsKind(err, cpaudit.KindUnauthenticated) {
		return s.renderLogin(w, r, http.StatusUnauthorized, T("login.wrong"), slug, email)
	}
	if err != nil {
		return err
	}
	s.throttle.Succeeded(addr, slug, email)
	// A session the browser already holds ends here, whoever's it is: the
	// login gets a new id, and a cookie planted before it (session
	// fixation) or left from another user is worth nothing afterwards.
	if old := webOf(r).cookie; old != "" {
		if err := s.store.DeleteSession(r.Context(), httpx.ActorOf(r), old); err != nil {
			return err
		}
	}
	cookie, sess, err := s.store.CreateSession(r.Context(), u, addr, s.ttl)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: loginCSRF, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

func (s *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteSession(r.Context(), httpx.ActorOf(r), webOf(r).cookie); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

var templateFuncs = template.FuncMap{
	"datetime": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") },
	"bytes":    httpx.HumanBytes,
	"add":      func(a, b int) int { return a + b },
}

func (s *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	err := cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodePageNotFound, "no such page: %s", r.URL.Path)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.WriteProblem(w, r, err)
		return
	}
	s.writeErrorPage(w, r, err)
}
