// Command loadtest drives a real cpaudit server on the loopback interface
// with many concurrent users for a bounded time and prints what it saw:
// throughput, p50/p99 per kind of request, errors, and the server's
// resident memory once warm and at the end.
//
//  1. It readies a data directory through the cpaudit binary (tenant
//     "bench", one admin per user, each with an API token), starts
//     `cpaudit serve` on 127.0.0.1, creates -audits enterprises and audits
//     and uploads -docs small report-like Chinese documents through the
//     API (every -dup-every-th a copy of another for another enterprise, so
//     there are duplicate_file flags to list), and waits until
//     GET /api/v1/status says nothing is pending. With -reuse the seeded
//     directory of an earlier run (-dir) is used as it is.
//  2. -users users, half of them on the web with a session cookie (they
//     log in through the login form), half on the API with their token,
//     each sending one request after another with no pause: searches,
//     uploads, downloads, dashboards, flags and page views (see kinds).
//     The first -warmup is not measured; the resident set (VmRSS) of the
//     server is read when it ends and again after -duration.
//
// It is a benchmark run by scripts/load, not a test.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/scripts/internal/serverproc"
)

type config struct {
	bin, dir                 string
	reuse                    bool
	docs, audits, dupEvery   int
	users                    int
	warmup, duration, settle time.Duration
	seed                     uint64
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "the cpaudit binary")
	flag.StringVar(&c.dir, "dir", "", "work directory (its data/ is the server's data directory)")
	flag.BoolVar(&c.reuse, "reuse", false, "use the data directory an earlier run seeded in -dir as it is")
	flag.IntVar(&c.docs, "docs", 20000, "documents to seed")
	flag.IntVar(&c.audits, "audits", 200, "enterprises and audits to seed (documents are spread over them)")
	flag.IntVar(&c.dupEvery, "dup-every", 500, "every n-th seeded document is a copy of another for another enterprise (0: none)")
	flag.IntVar(&c.users, "users", 50, "concurrent users, half on the web and half on the API")
	flag.DurationVar(&c.warmup, "warmup", 10*time.Second, "load before measuring starts")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "measured load")
	flag.DurationVar(&c.settle, "seed-timeout", 20*time.Minute, "longest wait for the seeded documents to be indexed and analysed")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the generated data and of the users' choices")
	flag.Parse()
	if c.bin == "" || c.dir == "" || c.users < 2 || c.docs < 1 || c.audits < 1 {
		fmt.Fprintln(os.Stderr, "loadtest: -bin and -dir are required; -users ≥ 2, -docs and -audits ≥ 1")
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

const (
	tenant   = "bench"
	password = "benchmark-password"
)

// seeded is what the load needs to know of the data: the users' tokens
// and the seeded documents' ids, saved as seeded.json beside the data
// directory so -reuse finds them.
type seeded struct {
	Tokens  []string `json:"tokens"` // users[i] is user i's
	Emails  []string `json:"emails"`
	DocIDs  []string `json:"doc_ids"`
	Audits  []string `json:"audit_ids"`
	SeedFor string   `json:"seed_took"`
}

func run(c config) error {
	data := filepath.Join(c.dir, "data")
	state := filepath.Join(c.dir, "seeded.json")
	environ := append(os.Environ(), "CPAUDIT_DATA="+data, "CPAUDIT_LOG_LEVEL=warn")
	var sd seeded
	fresh := !c.reuse
	if c.reuse {
		b, err := os.ReadFile(state)
		if err != nil {
			return fmt.Errorf("-reuse: %w", err)
		}
		if err := json.Unmarshal(b, &sd); err != nil {
			return fmt.Errorf("-reuse: %s: %w", state, err)
		}
		if len(sd.Tokens) < c.users {
			return fmt.Errorf("-reuse: %s has %d users, -users is %d", state, len(sd.Tokens), c.users)
		}
	} else {
		if _, err := os.Stat(data); err == nil {
			return fmt.Errorf("%s exists: remove it or pass -reuse", data)
		}
		var err error
		if sd, err = provision(c, data, environ); err != nil {
			return err
		}
	}

	srv, err := start(c.bin, environ)
	if err != nil {
		return err
	}
	defer srv.stop()
	api := &client{base: srv.base, http: newHTTP(nil)}
	if fresh {
		t0 := time.Now()
		if err := seed(c, api, &sd); err != nil {
			return err
		}
		uploaded := time.Since(t0)
		if err := api.waitIdle(sd.Tokens[0], c.settle); err != nil {
			return err
		}
		sd.SeedFor = fmt.Sprintf("uploaded in %s, indexed and analysed %s later", uploaded.Round(time.Second), (time.Since(t0) - uploaded).Round(time.Second))
		b, _ := json.Marshal(sd)
		if err := os.WriteFile(state, b, 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("seeded: %d documents over %d audits (%s)\n", len(sd.DocIDs), len(sd.Audits), sd.SeedFor)

	users, err := login(c, srv.base, sd)
	if err != nil {
		return err
	}
	res := load(c, users, sd, srv)
	report(c, res, srv)
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed", res.errors())
	}
	return nil
}

// provision makes the data directory, the tenant and one admin with a
// token per user, through the cpaudit commands.
func provision(c config, data string, environ []string) (seeded, error) {
	var sd seeded
	if err := os.MkdirAll(data, 0o750); err != nil {
		return sd, err
	}
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(c.bin, args...)
		cmd.Env = environ
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("cpaudit %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := cli("tenant", "create", tenant, "--name", "负载测试"); err != nil {
		return sd, err
	}
	for i := range c.users {
		email := fmt.Sprintf("user%02d@example.cn", i)
		if _, err := cli("user", "create", "--tenant", tenant, "--email", email, "--role", "admin", "--password", password); err != nil {
			return sd, err
		}
		token, err := cli("token", "create", "--tenant", tenant, "--email", email)
		if err != nil {
			return sd, err
		}
		sd.Tokens, sd.Emails = append(sd.Tokens, token), append(sd.Emails, email)
	}
	return sd, nil
}

// server is the cpaudit process under load.
type server struct {
	cmd  *exec.Cmd
	base string
}

func start(bin string, environ []string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = environ
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	if err := serverproc.WaitReady(s.base, 60*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) stop() { serverproc.Stop(s.cmd) }

// rss is the server's resident set now, in bytes.
func (s *server) rss() int64 {
	return benchstat.StatusOf(strconv.Itoa(s.cmd.Process.Pid), "VmRSS:")
}

// rssSample says the server's resident set at time at of the measured
// load, with its anonymous and file-backed parts (the search index's
// segments are mapped files).
func (s *server) rssSample(at time.Duration) string {
	pid := strconv.Itoa(s.cmd.Process.Pid)
	return fmt.Sprintf("%ds %d (%d+%d)", int(at.Round(time.Second).Seconds()), benchstat.StatusOf(pid, "VmRSS:")>>20,
		benchstat.StatusOf(pid, "RssAnon:")>>20, benchstat.StatusOf(pid, "RssFile:")>>20)
}

func newHTTP(jar http.CookieJar) *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Jar: jar,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8},
		// A page answering a redirect (the login) is checked as it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// client sends requests to the server, with a token or a session cookie.
type client struct {
	base  string
	http  *http.Client
	token string // empty for a web user
}

// do sends a request and reads the whole answer; it fails unless the
// status is want.
func (c *client) do(method, path, contentType string, body io.Reader, want int) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: %d, want %d: %.200s", method, path, resp.StatusCode, want, b)
	}
	return b, nil
}

func (c *client) postJSON(path string, in, out any) error {
	b, _ := json.Marshal(in)
	ans, err := c.do("POST", path, "application/json", bytes.NewReader(b), http.StatusCreated)
	if err != nil {
		return err
	}
	return json.Unmarshal(ans, out)
}

// upload posts one document through the API and returns its id.
func (c *client) upload(name, kind, auditID string, content []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	if auditID != "" {
		mw.WriteField("audit_id", auditID)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	ans, err := c.do("POST", "/api/v1/documents", mw.FormDataContentType(), &body, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var d struct{ ID string }
	err = json.Unmarshal(ans, &d)
	return d.ID, err
}

func (c *client) waitIdle(token string, limit time.Duration) error {
	t := &client{base: c.base, http: c.http, token: token}
	deadline := time.Now().Add(limit)
	for {
		ans, err := t.do("GET", "/api/v1/status", "", nil, 200)
		if err != nil {
			return err
		}
		var st struct {
			Index    int `json:"index_pending"`
			Analysis int `json:"analysis_pending"`
			OCR      int `json:"ocr_pending"`
		}
		json.Unmarshal(ans, &st)
		if st.Index == 0 && st.Analysis == 0 && st.OCR == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still pending after %s: %+v", limit, st)
		}
		time.Sleep(time.Second)
	}
}

// Vocabulary of the generated documents: report-like terms, each in many
// documents (broad searches), and a number unique to each (narrow ones).
var (
	words = []string{"清洁生产", "审核", "节能", "降耗", "减污", "增效", "废水", "回用率", "能源审计", "物料平衡",
		"水平衡", "单位产品", "综合能耗", "危险废物", "固体废物", "排放浓度", "达标", "监测", "污染物", "削减量",
		"余热回收", "中水回用", "变频改造", "照明改造", "蒸汽冷凝水", "清污分流", "源头削减", "过程控制", "末端治理", "无组织排放",
		"挥发性有机物", "化学需氧量", "氨氮", "二氧化硫", "氮氧化物", "颗粒物", "用水定额", "取水量", "耗电量", "标准煤"}
	places = []string{"石家庄", "唐山", "秦皇岛", "邯郸", "邢台", "保定", "张家口", "承德", "沧州", "廊坊", "衡水"}
	trades = []string{"印染", "造纸", "制药", "化工", "钢铁", "水泥", "纺织", "电镀", "食品", "玻璃"}
)

// document is one small generated document (about 1-2 KB of Chinese):
// sentences of random terms with figures, and its own number 编号N.
func document(r *rand.Rand, n int, firm string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s清洁生产审核材料 编号%06d\n", firm, n)
	for b.Len() < 900+r.IntN(900) {
		for range 3 + r.IntN(6) {
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "%d", r.IntN(100000))
			}
		}
		b.WriteString("。")
	}
	return b.Bytes()
}

func firmName(i int) string {
	return fmt.Sprintf("%s%s%s有限公司%d", places[i%len(places)], []string{"华北", "冀中", "燕山", "渤海"}[i%4], trades[i%len(trades)], i)
}

// seed creates the enterprises and audits and uploads the documents from
// four clients at once.
func seed(c config, api *client, sd *seeded) error {
	admin := &client{base: api.base, http: api.http, token: sd.Tokens[0]}
	regions := []string{"130102", "130202", "130302", "130402", "130502", "130602", "130702", "130802", "130902", "131002", "131102"}
	for i := range c.audits {
		first17 := fmt.Sprintf("91130100MA%07d", i)
		ent := map[string]string{"name": firmName(i), "credit_code": first17 + string(cpaudit.CreditCodeCheck(first17)),
			"industry": "C2710", "region": regions[i%len(regions)]}
		var e, a struct{ ID string }
		if err := admin.postJSON("/api/v1/enterprises", ent, &e); err != nil {
			return err
		}
		if err := admin.postJSON("/api/v1/audits", map[string]string{"enterprise_id": e.ID}, &a); err != nil {
			return err
		}
		sd.Audits = append(sd.Audits, a.ID)
	}
	// The documents are generated first, so the four clients upload the
	// same bytes whatever their order.
	r := rand.New(rand.NewPCG(c.seed, 1))
	type doc struct {
		name, kind, audit string
		content           []byte
	}
	docs := make([]doc, c.docs)
	for i := range docs {
		a := i % len(sd.Audits)
		kind := "evidence"
		if i%10 == 0 {
			kind = "report"
		}
		docs[i] = doc{fmt.Sprintf("材料%06d.txt", i), kind, sd.Audits[a], document(r, i, firmName(a))}
		if c.dupEvery > 0 && i > 0 && i%c.dupEvery == 0 {
			docs[i].content = docs[i-1].content // the previous one's bytes, for another enterprise
		}
	}
	ids := make([]string, len(docs))
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	start := time.Now()
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(docs) {
					return
				}
				id, err := admin.upload(docs[i].name, docs[i].kind, docs[i].audit, docs[i].content)
				if err != nil {
					errs <- err
					return
				}
				ids[i] = id
				if (i+1)%5000 == 0 {
					fmt.Printf("  %d documents uploaded (%s)\n", i+1, time.Since(start).Round(time.Second))
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	sd.DocIDs = ids
	return nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login gives every other user a web session through the login form (one
// after another, as people arrive) and the rest their token.
func login(c config, base string, sd seeded) ([]*client, error) {
	users := make([]*client, c.users)
	for i := range users {
		if i%2 == 1 {
			users[i] = &client{base: base, http: newHTTP(nil), token: sd.Tokens[i]}
			continue
		}
		jar, _ := cookiejar.New(nil)
		u := &client{base: base, http: newHTTP(jar)}
		page, err := u.do("GET", "/login", "", nil, 200)
		if err != nil {
			return nil, err
		}
		m := csrfField.FindSubmatch(page)
		if m == nil {
			return nil, errors.New("the login page has no csrf field")
		}
		form := url.Values{"tenant": {tenant}, "email": {sd.Emails[i]}, "password": {password}, "csrf": {string(m[1])}}
		if _, err := u.do("POST", "/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), http.StatusSeeOther); err != nil {
			return nil, fmt.Errorf("login of %s: %w", sd.Emails[i], err)
		}
		users[i] = u
	}
	return users, nil
}

// kind is one kind of request a user sends, with its share of the mix.
type kind struct {
	name   string
	weight int
	do     func(u *client, r *rand.Rand, sd seeded, n int) error
}

// The mix: mostly reading (searches, documents, lists), some uploads and
// downloads, dashboards and flags, as a province's users would.
var apiKinds = []kind{
	{"api search (broad)", 15, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		_, err := u.do("GET", "/api/v1/search?q="+url.QueryEscape(words[r.IntN(len(words))]+" "+words[r.IntN(len(words))]), "", nil, 200)
		return err
	}},
	{"api search (one doc)", 10, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		ans, err := u.do("GET", "/api/v1/search?q="+url.QueryEscape(fmt.Sprintf("编号%06d", r.IntN(len(sd.DocIDs)))), "", nil, 200)
		if err == nil && !bytes.Contains(ans, []byte(`"total":`)) {
			err = fmt.Errorf("search answer without total: %.200s", ans)
		}
		return err
	}},
	{"api upload", 10, func(u *client, r *rand.Rand, sd seeded, n int) error {
		_, err := u.upload(fmt.Sprintf("负载%06d.txt", n), "evidence", sd.Audits[r.IntN(len(sd.Audits))], document(r, 900000+n, "负载测试企业"))
		return err
	}},
	{"api download", 15, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		_, err := u.do("GET", "/api/v1/documents/"+sd.DocIDs[r.IntN(len(sd.DocIDs))]+"/content", "", nil, 200)
		return err
	}},
	{"api document", 15, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		_, err := u.do("GET", "/api/v1/documents/"+sd.DocIDs[r.IntN(len(sd.DocIDs))], "", nil, 200)
		return err
	}},
	{"api dashboard", 5, func(u *client, _ *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/api/v1/dashboard", "", nil, 200)
		return err
	}},
	{"api flags", 5, func(u *client, _ *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/api/v1/flags", "", nil, 200)
		return err
	}},
}

var webKinds = []kind{
	{"web search page", 15, func(u *client, r *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/search?q="+url.QueryEscape(words[r.IntN(len(words))]), "", nil, 200)
		return err
	}},
	{"web document page", 20, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		_, err := u.do("GET", "/documents/"+sd.DocIDs[r.IntN(len(sd.DocIDs))], "", nil, 200)
		return err
	}},
	{"web download", 10, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		_, err := u.do("GET", "/documents/"+sd.DocIDs[r.IntN(len(sd.DocIDs))]+"/content", "", nil, 200)
		return err
	}},
	{"web documents list", 10, func(u *client, _ *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/documents", "", nil, 200)
		return err
	}},
	{"web home", 10, func(u *client, _ *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/", "", nil, 200)
		return err
	}},
	{"web dashboard page", 5, func(u *client, _ *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/dashboard", "", nil, 200)
		return err
	}},
	{"web flags page", 5, func(u *client, _ *rand.Rand, _ seeded, _ int) error {
		_, err := u.do("GET", "/flags", "", nil, 200)
		return err
	}},
	{"web audit page", 5, func(u *client, r *rand.Rand, sd seeded, _ int) error {
		_, err := u.do("GET", "/audits/"+sd.Audits[r.IntN(len(sd.Audits))], "", nil, 200)
		return err
	}},
}

func pick(kinds []kind, r *rand.Rand) kind {
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	n := r.IntN(total)
	for _, k := range kinds {
		if n < k.weight {
			return k
		}
		n -= k.weight
	}
	return kinds[len(kinds)-1]
}

// results are the measured requests of each kind.
type results struct {
	mu       sync.Mutex
	lat      map[string][]time.Duration
	errs     map[string]int
	samples  []string // the first few errors, as they were
	took     time.Duration
	rssStart int64
	rssEnd   int64
	rssMax   int64
	trace    []string // the resident set every 10 s of the measured time
}

func (r *results) errors() int {
	n := 0
	for _, e := range r.errs {
		n += e
	}
	return n
}

// load runs the users for warmup+duration, measuring after warmup.
func load(c config, users []*client, sd seeded, srv *server) *results {
	res := &results{lat: map[string][]time.Duration{}, errs: map[string]int{}}
	var measuring atomic.Bool
	var uploads atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, u := range users {
		kinds := apiKinds
		if u.token == "" {
			kinds = webKinds
		}
		wg.Go(func() {
			r := rand.New(rand.NewPCG(c.seed, uint64(100+i)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				k := pick(kinds, r)
				t0 := time.Now()
				err := k.do(u, r, sd, int(uploads.Add(1)))
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				res.mu.Lock()
				if err != nil {
					res.errs[k.name]++
					if len(res.samples) < 5 {
						res.samples = append(res.samples, err.Error())
					}
				} else {
					res.lat[k.name] = append(res.lat[k.name], d)
				}
				res.mu.Unlock()
			}
		})
	}
	fmt.Printf("load: %d users (%d web, %d API), %s warm-up, then %s measured\n", len(users), (len(users)+1)/2, len(users)/2, c.warmup, c.duration)
	time.Sleep(c.warmup)
	res.rssStart = srv.rss()
	measuring.Store(true)
	t0 := time.Now()
	res.rssMax = res.rssStart
	res.trace = append(res.trace, srv.rssSample(0))
	for i := 1; time.Since(t0) < c.duration; i++ {
		time.Sleep(time.Second)
		res.rssMax = max(res.rssMax, srv.rss())
		if i%10 == 0 {
			res.trace = append(res.trace, srv.rssSample(time.Since(t0)))
		}
	}
	measuring.Store(false)
	res.took = time.Since(t0)
	res.rssEnd = srv.rss()
	close(stop)
	wg.Wait()
	return res
}

func report(c config, res *results, srv *server) {
	names := slices.Collect(func(yield func(string) bool) {
		for _, k := range append(slices.Clone(apiKinds), webKinds...) {
			if !yield(k.name) {
				return
			}
		}
	})
	total := 0
	for _, l := range res.lat {
		total += len(l)
	}
	total += res.errors()
	fmt.Printf("\n%-22s %8s %8s %10s %10s %10s %6s\n", "kind", "requests", "per s", "p50", "p99", "max", "errors")
	var all []time.Duration
	for _, n := range names {
		l := res.lat[n]
		all = append(all, l...)
		mx := time.Duration(0)
		if len(l) > 0 {
			mx = slices.Max(l)
		}
		fmt.Printf("%-22s %8d %8.1f %10s %10s %10s %6d\n", n, len(l)+res.errs[n], float64(len(l)+res.errs[n])/res.took.Seconds(),
			ms(benchstat.Percentile(l, 50)), ms(benchstat.Percentile(l, 99)), ms(mx), res.errs[n])
	}
	fmt.Printf("%-22s %8d %8.1f %10s %10s %10s %6d\n", "all", total, float64(total)/res.took.Seconds(),
		ms(benchstat.Percentile(all, 50)), ms(benchstat.Percentile(all, 99)), ms(slices.Max(append(all, 0))), res.errors())
	sort.Strings(res.samples)
	for _, s := range res.samples {
		fmt.Println("error:", s)
	}
	growth := float64(res.rssEnd)/float64(max(res.rssStart, 1)) - 1
	fmt.Printf("\nserver RSS: %d MiB once warm (after %s), %d MiB at the end, %+.1f%% (target ≤ +20%%); highest sampled %d MiB\n",
		res.rssStart>>20, c.warmup, res.rssEnd>>20, growth*100, res.rssMax>>20)
	fmt.Printf("server RSS during the measured time, MiB (anonymous+file): %s\n", strings.Join(res.trace, ", "))
	fmt.Printf("errors: %d (target 0)\n", res.errors())
	fmt.Printf("machine: %d CPUs, %s, load average at the end %s\n", cpus(), memTotal(), loadavg())
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func cpus() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.Join(strings.Fields(line), " ")
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
