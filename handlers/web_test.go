package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
)

// browser is a web client with a cookie jar that does not follow
// redirects, so tests see each answer the server gives.
type browser struct {
	t *testing.T
	e *testEnv
	c *http.Client
}

func (e *testEnv) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer, its body read.
type response struct {
	status int
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: resp.StatusCode, body: string(body), header: resp.Header}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.e.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) postForm(path string, form url.Values) response {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postUpload sends a multipart upload as upload.js does, with the CSRF
// token in X-CSRF-Token unless csrf is "".
func (b *browser) postUpload(path, csrf string, fields [][2]string, filename string, content []byte) response {
	b.t.Helper()
	body, ct := multipartBody(b.t, fields, filename, content)
	req, err := http.NewRequest("POST", b.e.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.do(req)
}

var (
	loginCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	dataCSRF       = regexp.MustCompile(`data-csrf="([^"]+)"`)
)

// loginForm fetches the login page and returns its CSRF token.
func (b *browser) loginForm() string {
	b.t.Helper()
	r := b.get("/login")
	m := loginCSRFField.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		b.t.Fatalf("login page: %d, csrf field found: %v", r.status, m != nil)
	}
	return m[1]
}

// login submits the login form as a browser would.
func (b *browser) login(tenant, email, password string) response {
	b.t.Helper()
	return b.postForm("/login", url.Values{"csrf": {b.loginForm()}, "tenant": {tenant}, "email": {email}, "password": {password}})
}

// mustLogin logs in and fails the test unless it worked.
func (b *browser) mustLogin(tenant, email string) {
	b.t.Helper()
	if r := b.login(tenant, email, testPassword); r.status != http.StatusSeeOther {
		b.t.Fatalf("login as %s: status %d: %s", email, r.status, r.body)
	}
}

// csrf reads the session's CSRF token from the upload form, as upload.js
// reads it from data-csrf.
func (b *browser) csrf() string {
	b.t.Helper()
	r := b.get("/upload")
	m := dataCSRF.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		b.t.Fatalf("upload page: %d, data-csrf found: %v", r.status, m != nil)
	}
	return m[1]
}

// page gets a page that must answer 200 with HTML.
func (b *browser) page(path string) string {
	b.t.Helper()
	r := b.get(path)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		b.t.Fatalf("GET %s: %d %s", path, r.status, r.header.Get("Content-Type"))
	}
	return r.body
}

// webWorld is a tenant "hebei" with a consultant of a consultancy; it
// returns the consultant's e-mail and API token.
func webWorld(t *testing.T) (*testEnv, string, string) {
	e := newTestEnv(t)
	a := e.tenant("hebei")
	cons := e.org(a, cpaudit.OrgConsultancy, "绿源环保咨询", "91110000600037341")
	const email = "zhang@lvyuan.cn"
	return e, email, e.user(a, email, cpaudit.RoleConsultant, cons.ID)
}

// apiUpload uploads through the API and returns the new document's id.
func (e *testEnv) apiUpload(token, kind, title, filename string, content []byte) string {
	e.t.Helper()
	status, out := e.upload(token, [][2]string{{"kind", kind}, {"title", title}}, filename, content)
	id, _ := out["id"].(string)
	if status != 201 || id == "" {
		e.t.Fatalf("upload %q: %d %v", title, status, out)
	}
	return id
}

func TestWebRequiresLogin(t *testing.T) {
	e, _, _ := webWorld(t)
	b := e.browser()
	for _, path := range []string{"/", "/documents", "/upload", "/documents/dnope", "/documents/dnope/content"} {
		r := b.get(path)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s without a session: %d to %q, want 303 to the login page", path, r.status, r.header.Get("Location"))
		}
	}
	// The upload script gets a problem it can show, not a redirect.
	r := b.postUpload("/upload", "x", [][2]string{{"kind", "report"}}, "a.txt", []byte("a"))
	if r.status != http.StatusUnauthorized {
		t.Errorf("POST /upload without a session: %d, want 401", r.status)
	}
	problemOf(t, r.status, []byte(r.body), r.header)
}

func TestLoginPageLanguage(t *testing.T) {
	e, _, _ := webWorld(t)
	b := e.browser()
	zh := b.page("/login")
	if !strings.Contains(zh, `lang="zh-CN"`) || !strings.Contains(zh, "登录") || !strings.Contains(zh, "电子邮箱") {
		t.Errorf("login page is not Chinese by default:\n%s", zh)
	}
	en := b.page("/login?lang=en")
	if !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Log in") || strings.Contains(en, "电子邮箱") {
		t.Errorf("login page with ?lang=en is not English:\n%s", en)
	}
	// The choice is remembered in a cookie.
	if again := b.page("/login"); !strings.Contains(again, "Log in") {
		t.Error("the language choice was not remembered")
	}
	if back := b.page("/login?lang=zh"); !strings.Contains(back, "登录") {
		t.Error("could not switch back to Chinese")
	}
}

func TestLoginWrongPassword(t *testing.T) {
	e, email, _ := webWorld(t)
	b := e.browser()
	r := b.login("hebei", email, "not the password")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "邮箱或密码错误") {
		t.Errorf("wrong password: %d\n%s", r.status, r.body)
	}
	if !strings.Contains(r.body, `value="`+email+`"`) {
		t.Error("the form does not keep the e-mail address")
	}
	if r := b.login("nosuchtenant", email, testPassword); r.status != http.StatusUnauthorized {
		t.Errorf("unknown tenant: %d, want 401", r.status)
	}
	if r := b.get("/documents"); r.status != http.StatusSeeOther {
		t.Errorf("a failed login gave a session: GET /documents %d", r.status)
	}
}

func TestLoginCSRF(t *testing.T) {
	e, email, _ := webWorld(t)
	creds := url.Values{"tenant": {"hebei"}, "email": {email}, "password": {testPassword}}

	// Neither the field nor the cookie.
	b := e.browser()
	r := b.postForm("/login", creds)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "表单已过期") {
		t.Errorf("login without csrf: %d\n%s", r.status, r.body)
	}
	// The cookie (from the login page) but no field.
	b.loginForm()
	if r := b.postForm("/login", creds); r.status != http.StatusBadRequest {
		t.Errorf("login without the csrf field: %d, want 400", r.status)
	}
	// A field that does not match the cookie.
	b.loginForm()
	creds.Set("csrf", "forged")
	if r := b.postForm("/login", creds); r.status != http.StatusBadRequest {
		t.Errorf("login with a forged csrf field: %d, want 400", r.status)
	}
	// The field of another browser's form, without its cookie.
	creds.Set("csrf", e.browser().loginForm())
	if r := e.browser().postForm("/login", creds); r.status != http.StatusBadRequest {
		t.Errorf("login with another browser's csrf field: %d, want 400", r.status)
	}
	if r := b.get("/documents"); r.status != http.StatusSeeOther {
		t.Errorf("a refused login gave a session: GET /documents %d", r.status)
	}
}

func TestLoginSuccess(t *testing.T) {
	e, email, _ := webWorld(t)
	b := e.browser()
	r := b.postForm("/login", url.Values{"csrf": {b.loginForm()}, "tenant": {"hebei"}, "email": {strings.ToUpper(email)},
		"password": {testPassword}, "next": {"/upload"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/upload" {
		t.Fatalf("login: %d to %q, want 303 to /upload", r.status, r.header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "cpaudit_session" {
			session = c
		}
	}
	if session == nil || session.Value == "" {
		t.Fatal("no session cookie")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Lax, /", session.HttpOnly, session.SameSite, session.Path)
	}
	if page := b.page("/documents"); !strings.Contains(page, email) {
		t.Error("the documents page does not show who is logged in")
	}
	// Logged in, the login page sends the browser on.
	if r := b.get("/login?next=/upload"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/upload" {
		t.Errorf("login page when logged in: %d to %q", r.status, r.header.Get("Location"))
	}

	// next never leads to another site.
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`,
		"/\t/evil.example/", "/ /evil.example/", "/\x0b/evil.example/"} { // issue 24: browsers drop the tab
		b := e.browser()
		r := b.postForm("/login", url.Values{"csrf": {b.loginForm()}, "tenant": {"hebei"}, "email": {email},
			"password": {testPassword}, "next": {next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Errorf("login with next=%q: %d to %q, want 303 to /", next, r.status, r.header.Get("Location"))
		}
	}
}

// TestLoginThrottle: failed logins slow down the address and account
// they came from, with growing delays, and lock nobody out (issue 24: five
// failures used to lock the account for fifteen minutes, whoever made
// them, and twenty from one address locked out everyone behind it).
func TestLoginThrottle(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e := newTestEnv(t, func(c *handlers.Config) { c.TrustProxy = true; c.Now = clock.now })
	a := e.tenant("hebei")
	cons := e.org(a, cpaudit.OrgConsultancy, "绿源环保咨询", "91110000600037341")
	const email = "zhang@lvyuan.cn"
	e.user(a, email, cpaudit.RoleConsultant, cons.ID)
	attacker, owner := e.browser(), e.browser()
	const evil, office = "203.0.113.7", "198.51.100.20"

	for i := 1; i <= 3; i++ {
		if r := attacker.loginFrom(evil, "hebei", email, "wrong password"); r.status != http.StatusUnauthorized {
			t.Fatalf("failed login %d: %d, want 401", i, r.status)
		}
	}
	// The fourth try, made at once, is refused, with the time to wait in
	// the page's language.
	r := attacker.loginFrom(evil, "hebei", email, "wrong password")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" || !strings.Contains(r.body, "登录尝试过于频繁，请 1 秒后再试") {
		t.Errorf("4th login at once: %d, Retry-After %q, want 429 after 1 s with the reason\n%s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// Hops the client puts before the proxy's own do not make it someone
	// else: the proxy appends the address it saw, and that one counts.
	if r := attacker.loginFrom("192.0.2.99, "+evil, "hebei", email, "wrong password"); r.status != http.StatusTooManyRequests {
		t.Errorf("a spoofed first hop escaped the throttle: %d, want 429", r.status)
	}
	// Even with the right password: the password is not looked at.
	if r := attacker.loginFrom(evil, "hebei", email, testPassword); r.status != http.StatusTooManyRequests {
		t.Errorf("right password while throttled: %d, want 429", r.status)
	}
	// The owner, from the office, is not held up by the attacker.
	if r := owner.loginFrom(office, "hebei", email, testPassword); r.status != http.StatusSeeOther {
		t.Errorf("owner from another address: %d, want 303", r.status)
	}
	// The delay doubles with each failure, never a lockout.
	for _, want := range []int{1, 2, 4, 8, 16} {
		r := attacker.loginFrom(evil, "hebei", email, "wrong password")
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != strconv.Itoa(want) {
			t.Fatalf("throttled login: %d, Retry-After %q, want 429 after %d s", r.status, r.header.Get("Retry-After"), want)
		}
		clock.advance(time.Duration(want) * time.Second)
		if r := attacker.loginFrom(evil, "hebei", email, "wrong password"); r.status != http.StatusUnauthorized {
			t.Fatalf("login after waiting %d s: %d, want 401", want, r.status)
		}
	}
	// In English, the English words; long waits in minutes.
	for range 5 {
		clock.advance(15 * time.Minute) // the longest delay
		if r := attacker.loginFrom(evil, "hebei", email, "wrong password"); r.status != http.StatusUnauthorized {
			t.Fatalf("login after waiting 15 minutes: %d, want 401", r.status)
		}
	}
	attacker.get("/login?lang=en")
	r = attacker.loginFrom(evil, "hebei", email, "wrong password")
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many login attempts; please try again in 15 minutes") ||
		strings.Contains(r.body, "登录尝试过于频繁") {
		t.Errorf("English throttled login: %d\n%s", r.status, r.body)
	}
	// Waiting it out, the right password works and the count starts over.
	clock.advance(15 * time.Minute)
	if r := attacker.loginFrom(evil, "hebei", email, testPassword); r.status != http.StatusSeeOther {
		t.Errorf("right password after the wait: %d, want 303", r.status)
	}
	if r := e.browser().loginFrom(evil, "hebei", email, "wrong password"); r.status != http.StatusUnauthorized {
		t.Errorf("first failure after a good login: %d, want 401", r.status)
	}

	// One address trying account after account meets a looser bound,
	// which holds it up but nobody else.
	const spray = "192.0.2.99"
	b := e.browser()
	for i := range 30 {
		if r := b.loginFrom(spray, "hebei", fmt.Sprintf("user%d@lvyuan.cn", i), "wrong password"); r.status != http.StatusUnauthorized {
			t.Fatalf("spray %d: %d, want 401", i, r.status)
		}
	}
	if r := b.loginFrom(spray, "hebei", "another@lvyuan.cn", "wrong password"); r.status != http.StatusTooManyRequests {
		t.Errorf("31st account from one address: %d, want 429", r.status)
	}
	if r := e.browser().loginFrom(office, "hebei", email, testPassword); r.status != http.StatusSeeOther {
		t.Errorf("owner while another address sprays: %d, want 303", r.status)
	}
}

// fakeClock is a settable clock for handlers.Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// loginFrom logs in as a browser at addr would, behind a proxy that sets
// X-Forwarded-For (the server must trust it).
func (b *browser) loginFrom(addr, tenant, email, password string) response {
	b.t.Helper()
	form := url.Values{"csrf": {b.loginForm()}, "tenant": {tenant}, "email": {email}, "password": {password}}
	req, err := http.NewRequest("POST", b.e.srv.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	return b.do(req)
}

func TestDocumentsPage(t *testing.T) {
	e, email, token := webWorld(t)
	b := e.browser()
	b.mustLogin("hebei", email)

	empty := b.page("/documents")
	if !strings.Contains(empty, "共 0 个文档") || !strings.Contains(empty, "还没有文档") {
		t.Errorf("empty list:\n%s", empty)
	}

	const title = "石家庄化工有限公司清洁生产审核报告"
	id := e.apiUpload(token, "report", title, "审核报告.txt", []byte("清洁生产审核报告正文"))
	page := b.page("/documents")
	for _, want := range []string{title, `href="/documents/` + id + `"`, "共 1 个文档", "报告", "审核报告.txt", "v1", email, "待提取"} {
		if !strings.Contains(page, want) {
			t.Errorf("documents page lacks %q", want)
		}
	}
	en := b.page("/documents?lang=en")
	for _, want := range []string{title, "Documents in all: 1", "Report", "Pending", "Uploaded by"} {
		if !strings.Contains(en, want) {
			t.Errorf("English documents page lacks %q", want)
		}
	}
	b.get("/documents?lang=zh")

	// The kind filter.
	if page := b.page("/documents?kind=evidence"); !strings.Contains(page, "共 0 个文档") || strings.Contains(page, title) ||
		!strings.Contains(page, "没有符合筛选条件的文档") || !strings.Contains(page, `<option value="evidence" selected>`) {
		t.Errorf("filtered by evidence:\n%s", page)
	}
	if page := b.page("/documents?kind=report"); !strings.Contains(page, title) {
		t.Error("filtered by report: the report is missing")
	}
	if r := b.get("/documents?kind=poem"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "poem") {
		t.Errorf("unknown kind: %d", r.status)
	}

	// Paging: 23 documents are two pages of 20.
	for i := 0; i < 22; i++ {
		e.apiUpload(token, "evidence", "证据材料", "evidence.txt", []byte{byte(i)})
	}
	rows := regexp.MustCompile(`<a href="/documents/d[0-9a-z]+">`)
	first := b.page("/documents")
	if n := len(rows.FindAllString(first, -1)); n != 20 || !strings.Contains(first, "共 23 个文档") ||
		!strings.Contains(first, "第 1 / 2 页") || !strings.Contains(first, `href="/documents?offset=20"`) || strings.Contains(first, `rel="prev"`) {
		t.Errorf("first page: %d rows\n%s", n, first)
	}
	second := b.page("/documents?offset=20")
	if n := len(rows.FindAllString(second, -1)); n != 3 || !strings.Contains(second, "第 2 / 2 页") ||
		!strings.Contains(second, `href="/documents"`) || strings.Contains(second, `rel="next"`) || !strings.Contains(second, title) {
		t.Errorf("second page: %d rows\n%s", n, second)
	}
	// Links keep the filter.
	if page := b.page("/documents?kind=evidence&limit=10"); !strings.Contains(page, `href="/documents?kind=evidence&amp;limit=10&amp;offset=10"`) {
		t.Errorf("the next link loses the filter:\n%s", page)
	}
	if page := b.page("/documents?offset=100"); !strings.Contains(page, "本页没有文档") {
		t.Error("a page past the end does not say so")
	}
}

func TestWebUpload(t *testing.T) {
	e, email, token := webWorld(t)
	b := e.browser()
	b.mustLogin("hebei", email)

	form := b.page("/upload")
	for _, want := range []string{`id="upload-form"`, `src="/static/upload.js"`, "<progress", "1 取得领导支持", "35 ",
		`<option value="report">报告</option>`, "<noscript>"} {
		if !strings.Contains(form, want) {
			t.Errorf("upload page lacks %q", want)
		}
	}
	if en := b.page("/upload?lang=en"); !strings.Contains(en, "1 Obtain management commitment") {
		t.Error("English upload page lacks the English step names")
	}
	b.get("/upload?lang=zh")
	csrf := b.csrf()
	fields := [][2]string{{"kind", "report"}, {"title", "第一版报告"}, {"step", "1"}}
	content := []byte("清洁生产审核报告 第一版")

	count := func() int {
		var out struct{ Total int }
		if status := e.getJSON("/api/v1/documents", token, &out); status != 200 {
			t.Fatalf("list: %d", status)
		}
		return out.Total
	}
	for name, sent := range map[string]string{"no token": "", "a wrong token": "forged", "a token of another session": func() string {
		other := e.browser()
		other.mustLogin("hebei", email)
		return other.csrf()
	}()} {
		r := b.postUpload("/upload", sent, fields, "report.txt", content)
		if r.status != http.StatusBadRequest {
			t.Errorf("upload with %s: %d, want 400", name, r.status)
		}
		problemOf(t, r.status, []byte(r.body), r.header)
	}
	if n := count(); n != 0 {
		t.Fatalf("refused uploads stored %d documents", n)
	}

	r := b.postUpload("/upload", csrf, fields, "report.txt", content)
	var doc struct {
		ID, SHA256 string
		Size       int64
	}
	if err := json.Unmarshal([]byte(r.body), &doc); r.status != http.StatusCreated || err != nil || doc.ID == "" || doc.Size != int64(len(content)) {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if n := count(); n != 1 {
		t.Errorf("%d documents after one upload", n)
	}

	// Bad input comes back as a problem the script can show.
	r = b.postUpload("/upload", csrf, [][2]string{{"kind", "guideline"}}, "g.txt", []byte("g"))
	if detail := problemOf(t, r.status, []byte(r.body), r.header); r.status != http.StatusConflict || !strings.Contains(detail, "只有指南发布单位可以发布行业指南") ||
		!strings.Contains(r.body, `"code":"upload_guideline_publisher_only"`) {
		t.Errorf("guideline by a consultant: %d %q", r.status, detail)
	}
	r = b.postUpload("/upload", csrf, [][2]string{{"kind", "report"}, {"step", "36"}}, "s.txt", []byte("s"))
	if r.status != http.StatusBadRequest {
		t.Errorf("step 36: %d, want 400", r.status)
	}
	problemOf(t, r.status, []byte(r.body), r.header)

	page := b.page("/documents/" + doc.ID)
	for _, want := range []string{"第一版报告", "1 取得领导支持", doc.SHA256, "report.txt", "text/plain",
		`href="/documents/` + doc.ID + `/content"`, `href="/documents/` + doc.ID + `/versions/1/content"`,
		`action="/documents/` + doc.ID + `/versions"`, "上传", email, "咨询机构人员", "127.0.0.1"} {
		if !strings.Contains(page, want) {
			t.Errorf("document page lacks %q", want)
		}
	}

	// A new version, then downloads of both through the session.
	v2 := []byte("清洁生产审核报告 第二版")
	if r := b.postUpload("/documents/"+doc.ID+"/versions", "", nil, "report-v2.txt", v2); r.status != http.StatusBadRequest {
		t.Errorf("new version without the token: %d, want 400", r.status)
	}
	if r := b.postUpload("/documents/"+doc.ID+"/versions", csrf, nil, "report-v2.txt", v2); r.status != http.StatusCreated || !strings.Contains(r.body, doc.ID) {
		t.Fatalf("new version: %d %s", r.status, r.body)
	}
	for path, want := range map[string][]byte{
		"/documents/" + doc.ID + "/content":            v2,
		"/documents/" + doc.ID + "/versions/1/content": content,
		"/documents/" + doc.ID + "/versions/2/content": v2,
	} {
		r := b.get(path)
		if r.status != 200 || r.body != string(want) || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("GET %s: %d %q", path, r.status, r.body)
		}
	}
	if r := b.get("/documents/" + doc.ID + "/versions/3/content"); r.status != http.StatusNotFound {
		t.Errorf("version 3: %d, want 404", r.status)
	}
	page = b.page("/documents/" + doc.ID)
	for _, want := range []string{"report-v2.txt", "v2", "上传新版本", "下载"} {
		if !strings.Contains(page, want) {
			t.Errorf("document page after a new version and downloads lacks %q", want)
		}
	}
	if en := b.page("/documents/" + doc.ID + "?lang=en"); !strings.Contains(en, "uploaded a new version") ||
		!strings.Contains(en, "downloaded") || !strings.Contains(en, "1 Obtain management commitment") {
		t.Error("English document page lacks translated actions or the step")
	}
}

func TestWebTenantIsolation(t *testing.T) {
	e, email, _ := webWorld(t)
	other := e.tenant("beijing")
	oc := e.org(other, cpaudit.OrgConsultancy, "北京咨询", "91110108MA0BBBBB2")
	otherToken := e.user(other, "liu@bj.cn", cpaudit.RoleConsultant, oc.ID)
	id := e.apiUpload(otherToken, "report", "北京的审核报告", "bj.txt", []byte("北京"))

	b := e.browser()
	b.mustLogin("hebei", email)
	r := b.get("/documents/" + id)
	if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(r.body, "出错了") || strings.Contains(r.body, "北京的审核报告") {
		t.Errorf("another tenant's document: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, path := range []string{"/documents/" + id + "/content", "/documents/" + id + "/versions/1/content"} {
		if r := b.get(path); r.status != http.StatusNotFound || strings.Contains(r.body, "北京") {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	r = b.postUpload("/documents/"+id+"/versions", b.csrf(), nil, "x.txt", []byte("x"))
	if r.status != http.StatusNotFound {
		t.Errorf("new version of another tenant's document: %d, want 404", r.status)
	}
	problemOf(t, r.status, []byte(r.body), r.header)
	if page := b.page("/documents"); strings.Contains(page, "北京的审核报告") || !strings.Contains(page, "共 0 个文档") {
		t.Error("the list shows another tenant's document")
	}
}

// TestHostileStrings feeds markup, template syntax and SQL through titles
// and file names and checks every page shows them escaped, as text.
func TestHostileStrings(t *testing.T) {
	e, email, token := webWorld(t)
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`{{.}}`,
		`'; DROP TABLE documents;--`,
	}
	var ids []string
	for _, s := range hostile {
		ids = append(ids, e.apiUpload(token, "report", s, s, []byte(s)))
	}
	b := e.browser()
	b.mustLogin("hebei", email)
	csrf := b.csrf()
	for _, id := range ids { // a second version and a download, for the log
		b.postUpload("/documents/"+id+"/versions", csrf, nil, hostile[1], []byte("v2"))
		b.get("/documents/" + id + "/content")
	}

	raw := []string{"<script>alert", "<img src=x", "onerror=alert(1)>", `"><img`}
	escaped := []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "{{.}}", "&#39;; DROP TABLE documents;--"}
	check := func(path, page string, wantAll bool) {
		t.Helper()
		for _, r := range raw {
			if strings.Contains(page, r) {
				t.Errorf("%s contains raw %q", path, r)
			}
		}
		if strings.Contains(page, "<script>") {
			t.Errorf("%s contains a raw script tag", path)
		}
		for _, esc := range escaped {
			if wantAll && !strings.Contains(page, esc) {
				t.Errorf("%s lacks the escaped title %q", path, esc)
			}
		}
	}
	for _, lang := range []string{"zh", "en"} {
		check("/documents", b.page("/documents?lang="+lang), true)
		for i, id := range ids {
			page := b.page("/documents/" + id + "?lang=" + lang)
			check("/documents/"+id, page, false)
			if !strings.Contains(page, escaped[i]) {
				t.Errorf("document page %d lacks its escaped title %q", i, escaped[i])
			}
		}
	}
	// The error page echoes the path it did not find, escaped.
	r := b.get("/no/" + url.PathEscape(hostile[0]))
	check("404 page", r.body, false)
	if r.status != http.StatusNotFound {
		t.Errorf("unknown page: %d", r.status)
	}
	// The SQL did nothing: all four documents are still there.
	if page := b.page("/documents?lang=zh"); !strings.Contains(page, "共 4 个文档") {
		t.Error("documents are missing after the SQL title")
	}
}

func TestLogout(t *testing.T) {
	e, email, _ := webWorld(t)
	b := e.browser()
	b.mustLogin("hebei", email)
	page := b.page("/documents")
	m := loginCSRFField.FindStringSubmatch(page) // the logout form's hidden field
	if m == nil {
		t.Fatal("no logout form with a csrf field")
	}
	session := ""
	u, _ := url.Parse(e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "cpaudit_session" {
			session = c.Value
		}
	}

	if r := b.postForm("/logout", url.Values{}); r.status != http.StatusBadRequest {
		t.Errorf("logout without csrf: %d, want 400", r.status)
	}
	if r := b.postForm("/logout", url.Values{"csrf": {"forged"}}); r.status != http.StatusBadRequest {
		t.Errorf("logout with a forged csrf: %d, want 400", r.status)
	}
	b.page("/documents") // still logged in

	r := b.postForm("/logout", url.Values{"csrf": {m[1]}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("logout: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := b.get("/documents"); r.status != http.StatusSeeOther {
		t.Errorf("after logout GET /documents: %d, want a redirect to the login page", r.status)
	}
	// The session is gone on the server too, not just the cookie.
	req, _ := http.NewRequest("GET", e.srv.URL+"/documents", nil)
	req.AddCookie(&http.Cookie{Name: "cpaudit_session", Value: session})
	resp, err := (&http.Client{CheckRedirect: b.c.CheckRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the old session cookie still works after logout: %d", resp.StatusCode)
	}
}

// TestPageWords checks that every page speaks its language: no message
// key shows instead of a word, and English pages hold no Chinese.
func TestPageWords(t *testing.T) {
	e := newTestEnv(t)
	tn, err := e.store.CreateTenant(context.Background(), "demo", "Demo Bureau")
	if err != nil {
		t.Fatal(err)
	}
	a := cpaudit.SystemActor(tn.ID)
	cons := e.org(a, cpaudit.OrgConsultancy, "Green Consulting", "91110000600037341")
	token := e.user(a, "ann@green.example", cpaudit.RoleConsultant, cons.ID)
	status, out := e.upload(token, [][2]string{{"kind", "evidence"}, {"title", "Water meter photos"}, {"step", "5"}}, "meter.txt", []byte("m"))
	if status != 201 {
		t.Fatalf("upload: %d %v", status, out)
	}
	id := out["id"].(string)
	b := e.browser()
	b.mustLogin("demo", "ann@green.example")
	b.get("/documents/" + id + "/content")

	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	key := regexp.MustCompile(`\b(app|nav|lang|login|error|role|kind|text|docs|col|upload|doc|log|action)\.[a-zA-Z.]+`)
	for _, lang := range []string{"zh", "en"} {
		for _, path := range []string{"/login", "/documents", "/documents?kind=report", "/upload", "/documents/" + id} {
			client, sep := b, "?"
			if path == "/login" {
				client = e.browser() // logged in, the login page redirects
			}
			if strings.Contains(path, "?") {
				sep = "&"
			}
			r := client.get(path + sep + "lang=" + lang)
			if r.status != 200 {
				t.Fatalf("GET %s in %s: %d", path, lang, r.status)
			}
			text := tags.ReplaceAllString(r.body, " ")
			if k := key.FindString(text); k != "" {
				t.Errorf("%s in %s shows the message key %q", path, lang, k)
			}
			if lang == "en" {
				text = strings.ReplaceAll(text, "中文", "") // the language switch
				if i := strings.IndexFunc(text, func(r rune) bool { return unicode.Is(unicode.Han, r) }); i >= 0 {
					t.Errorf("English %s holds Chinese: %q", path, text[max(0, i-40):min(len(text), i+40)])
				}
			}
		}
	}
}

// TestStaticScript checks the upload script is served as JavaScript from
// our own origin (the CSP allows no inline script).
func TestStaticScript(t *testing.T) {
	e := newTestEnv(t)
	r := e.browser().get("/static/upload.js")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") ||
		!strings.Contains(r.body, "X-CSRF-Token") {
		t.Errorf("upload.js: %d %q", r.status, r.header.Get("Content-Type"))
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	// Over plain HTTP there is no HSTS (cmd/cpaudit tests it under TLS).
	if h := r.header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("Strict-Transport-Security %q without TLS", h)
	}
	// issue 24: the directory is not listed.
	for _, path := range []string{"/static/", "/static/?C=M;O=D"} {
		if r := e.browser().get(path); r.status != http.StatusNotFound || strings.Contains(r.body, "upload.js") {
			t.Errorf("GET %s: %d, want 404 without a listing\n%s", path, r.status, r.body)
		}
	}
	if r := e.browser().get("/static/app.css"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("app.css: %d %q", r.status, r.header.Get("Content-Type"))
	}
}
