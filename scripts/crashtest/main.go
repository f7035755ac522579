// Command crashtest proves that cpaudit loses nothing it acknowledged when
// its process is killed (issue 25, item 1). On one data directory it
// starts a real `cpaudit serve`, has -clients clients upload -n documents
// through the API (.txt, .docx, .xlsx, .pdf, .jpg, of a few KB to 20 MiB,
// generated from -seed: corpus.go), and kills the server with SIGKILL at
// -kills moments drawn from the seed, starting it again each time. A
// client whose upload got no 201 (the connection died with the server, or
// the server was starting) sends the same file again, as a real client
// would. Then it checks:
//
//   - every upload acknowledged with 201 downloads with its SHA-256 (lost
//     counts those that do not: it must be 0);
//   - GET /api/v1/status (index_pending counts the extraction and OCR
//     jobs as well as the index jobs; analysis_pending the analysis jobs)
//     reaches 0 within -drain of the last restart or of the last
//     acknowledged upload, whichever is later (a job held by a killed
//     server is freed at the next start, not when its lease runs out);
//   - `cpaudit verify`, run after a clean stop, finds no problem: no
//     document row lacks its blob, no blob differs from its SHA-256, and
//     the audit log chains are whole.
//
// It runs on the embedded store, then on MinIO when MINIO_ENDPOINT,
// MINIO_ACCESS_KEY and MINIO_SECRET_KEY are set (scripts/crash-test starts
// a throwaway one), and prints per store: acknowledged, lost, time to
// drain. It exits non-zero when any check fails.
//
// It is a test program run by scripts/crash-test, not a benchmark; it
// is CPU-heavy for minutes, so run it under the benchmark lock.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type config struct {
	bin, dir string
	n        int
	clients  int
	kills    int
	seed     uint64
	drain    time.Duration
	stores   string
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "the cpaudit binary")
	flag.StringVar(&c.dir, "dir", "", "work directory (a data directory per store is made in it)")
	flag.IntVar(&c.n, "n", 2000, "documents to upload")
	flag.IntVar(&c.clients, "clients", 8, "clients uploading at once")
	flag.IntVar(&c.kills, "kills", 5, "times the server is killed (SIGKILL) and started again")
	flag.Uint64Var(&c.seed, "seed", 25, "seed of the corpus and of the moments of the kills")
	flag.DurationVar(&c.drain, "drain", time.Minute, "longest the queues may take to drain after the last restart")
	flag.StringVar(&c.stores, "stores", "embedded,minio", "stores to run against, comma-separated (minio needs MINIO_ENDPOINT)")
	flag.Parse()
	if c.bin == "" || c.dir == "" || c.n < 1 || c.clients < 1 || c.kills < 0 {
		fmt.Fprintln(os.Stderr, "crashtest: -bin and -dir are required; -n and -clients at least 1")
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	fmt.Printf("crashtest: %d documents, %d clients, %d kills (SIGKILL), seed %d\n", c.n, c.clients, c.kills, c.seed)
	summarize(c)
	var results []result
	failed := false
	for _, store := range strings.Split(c.stores, ",") {
		environ := append(os.Environ(), "CPAUDIT_DATA="+filepath.Join(c.dir, store), "CPAUDIT_LOG_LEVEL=warn")
		switch store {
		case "embedded":
		case "minio":
			endpoint := os.Getenv("MINIO_ENDPOINT")
			if endpoint == "" {
				return fmt.Errorf("store minio: MINIO_ENDPOINT not set (run through scripts/crash-test, which starts MinIO)")
			}
			environ = append(environ, "CPAUDIT_S3_ENDPOINT="+endpoint, "CPAUDIT_S3_ACCESS_KEY="+os.Getenv("MINIO_ACCESS_KEY"),
				"CPAUDIT_S3_SECRET_KEY="+os.Getenv("MINIO_SECRET_KEY"), "CPAUDIT_S3_SECURE=false",
				fmt.Sprintf("CPAUDIT_S3_BUCKET=crashtest-%d", time.Now().UnixNano()))
		default:
			return fmt.Errorf("unknown store %q (embedded or minio)", store)
		}
		fmt.Printf("\n== %s store\n", store)
		r, err := runStore(c, store, environ)
		if err != nil {
			return fmt.Errorf("%s: %w", store, err)
		}
		results = append(results, r)
		failed = failed || !r.ok(c)
	}
	fmt.Printf("\n%-9s %6s %12s %5s %9s %9s %16s %16s  %s\n", "store", "kills", "acknowledged", "lost",
		"retried", "extra", "drain/restart", "drain/upload", "verify")
	for _, r := range results {
		fmt.Printf("%-9s %6d %12d %5d %9d %9d %16s %16s  %s\n", r.store, r.kills, r.acked, r.lost, r.retried,
			r.stored-r.acked, r.drainRestart.Round(100*time.Millisecond), r.drainUpload.Round(100*time.Millisecond), r.verify)
	}
	fmt.Println("(extra: documents stored whose 201 the client never got, because the server died first; the client sent them again)")
	if failed {
		return fmt.Errorf("FAILED: see above")
	}
	fmt.Println("PASS")
	return nil
}

// summarize prints what the corpus holds, by format.
func summarize(c config) {
	count, bytes := map[string]int{}, map[string]int{}
	largest := 0
	for i := range c.n {
		d, _ := generate(c.seed, i)
		count[d.ext]++
		bytes[d.ext] += d.size
		largest = max(largest, d.size)
	}
	var parts []string
	total := 0
	for _, ext := range []string{"txt", "docx", "xlsx", "pdf", "jpg"} {
		parts = append(parts, fmt.Sprintf("%d .%s (%.1f MB)", count[ext], ext, float64(bytes[ext])/1e6))
		total += bytes[ext]
	}
	fmt.Printf("corpus: %s; %.1f MB in all, the largest %.1f MB\n", strings.Join(parts, ", "), float64(total)/1e6, float64(largest)/1e6)
}

// result is what one store's run found.
type result struct {
	store         string
	kills         int
	acked, lost   int
	retried       int // uploads sent again after getting no 201
	stored        int // documents the tenant holds at the end
	serverErrors  int // answers 5xx other than 503 (a bug, whatever the moment)
	drainRestart  time.Duration
	drainUpload   time.Duration
	drained       bool
	textStatus    map[string]int
	verify        string
	verifyOK      bool
	lostExamples  []string
	drainedWithin bool
}

func (r result) ok(c config) bool {
	return r.lost == 0 && r.acked == c.n && r.drained && r.drainedWithin && r.verifyOK && r.serverErrors == 0
}

func runStore(c config, store string, environ []string) (result, error) {
	res := result{store: store, textStatus: map[string]int{}}
	data := filepath.Join(c.dir, store)
	if err := os.MkdirAll(data, 0o750); err != nil {
		return res, err
	}
	admin, consultant, audits, srv, err := provision(c.bin, data, environ)
	if err != nil {
		return res, err
	}

	// The moments of the kills, on a scale of progress from 0 to 2: below
	// 1, the share of the uploads acknowledged; above, the share of the
	// documents through extraction, indexing and analysis, which go on
	// long after the last upload. Each falls anywhere in its request
	// (a delay of up to half a second follows the mark). The last always
	// falls among the last few jobs (0.5% to 3% of the documents left),
	// so that the drain measured after it is the time the jobs a killed
	// server held take to come back, not the backlog's: seconds when the
	// next server frees them at start, 10 minutes if they waited for
	// their lease to run out.
	r := rand.New(rand.NewPCG(c.seed, 0xc4a5))
	var at []float64
	for k := range c.kills {
		if k == c.kills-1 {
			at = append(at, 1.97+0.025*r.Float64())
		} else {
			at = append(at, 0.05+1.85*r.Float64())
		}
	}
	slices.Sort(at)
	delays := make([]time.Duration, len(at))
	for k := range delays {
		delays[k] = time.Duration(r.IntN(500)) * time.Millisecond
	}

	up := newUploads(c, consultant, audits)
	start := time.Now()
	up.start()
	var lastRestart, lastUpload time.Time
	uploadsDone := make(chan error, 1)
	go func() { uploadsDone <- up.wait() }()
	for k, p := range at {
		var where string
		if p < 1 {
			up.waitAcked(int(p * float64(c.n)))
			where = fmt.Sprintf("after %d acknowledged uploads", up.ackedCount())
		} else {
			if lastUpload.IsZero() {
				if err := <-uploadsDone; err != nil {
					return res, err
				}
				lastUpload = time.Now()
			}
			left := waitProcessed(admin, c.n-int((p-1)*float64(c.n)))
			where = fmt.Sprintf("with %d documents left to extract, index or analyse", left)
		}
		time.Sleep(delays[k])
		if err := srv.kill(); err != nil {
			return res, err
		}
		killed := time.Now()
		if err := srv.start(); err != nil {
			return res, err
		}
		lastRestart = time.Now()
		res.kills++
		fmt.Printf("kill %d %s (+%v): down and up again in %v\n", k+1, where, delays[k], lastRestart.Sub(killed).Round(time.Millisecond))
	}
	if lastUpload.IsZero() {
		if err := <-uploadsDone; err != nil {
			return res, err
		}
		lastUpload = time.Now()
	}
	res.acked, res.retried, res.serverErrors = len(up.acked), up.retried, up.serverErrors
	fmt.Printf("uploads: %d acknowledged in %v, %d sent again after no 201, %d answers 5xx other than 503\n",
		res.acked, up.finished.Sub(start).Round(time.Second), res.retried, res.serverErrors)
	if lastRestart.IsZero() {
		lastRestart = start
	}

	// The queues drain. Past a lease (10 minutes) a job held by a killed
	// server would come back by itself; the wait stops before that.
	deadline := lastRestart.Add(max(c.drain, 9*time.Minute))
	for {
		st, err := status(admin)
		if err == nil && st.Index == 0 && st.Analysis == 0 && st.OCR == 0 {
			now := time.Now()
			res.drained = true
			res.drainRestart, res.drainUpload = now.Sub(lastRestart), now.Sub(lastUpload)
			res.drainedWithin = res.drainRestart <= c.drain
			break
		}
		if time.Now().After(deadline) {
			fmt.Printf("queues not drained %v after the last restart: %+v (%v)\n", time.Since(lastRestart).Round(time.Second), st, err)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res.drained {
		fmt.Printf("queues drained %v after the last restart (limit %v), %v after the last acknowledged upload\n",
			res.drainRestart.Round(100*time.Millisecond), c.drain, res.drainUpload.Round(100*time.Millisecond))
	}

	// Every acknowledged upload downloads with its SHA-256.
	res.lost, res.lostExamples = checkDownloads(consultant, up.acked, res.textStatus)
	fmt.Printf("downloads: %d of %d acknowledged documents intact, %d lost %v\n", res.acked-res.lost, res.acked, res.lost, res.lostExamples)
	fmt.Printf("text_status of the acknowledged documents: %v\n", res.textStatus)
	var list struct{ Total int }
	if err := admin.call("GET", "/api/v1/documents?limit=1", nil, &list, 200); err != nil {
		return res, err
	}
	res.stored = list.Total

	if err := srv.stop(); err != nil {
		return res, err
	}
	out, err := cli(c.bin, environ, "verify")
	res.verify, res.verifyOK = lastLine(out), err == nil && strings.Contains(out, " 0 problems")
	fmt.Printf("cpaudit verify: %s\n", strings.TrimSpace(out))
	if err != nil {
		fmt.Println(err)
	}
	return res, nil
}

// provision makes the tenant, its admin, a consultancy, four enterprises
// and an audit of each run by the consultancy, and a consultant of the
// consultancy, through the command line and the API as an operator
// would, and leaves the server running.
func provision(bin, data string, environ []string) (admin, consultant api, audits []string, srv *server, err error) {
	if _, err = cli(bin, environ, "tenant", "create", "crash", "--name", "河北省（崩溃测试）"); err != nil {
		return
	}
	if _, err = cli(bin, environ, "user", "create", "--tenant", "crash", "--email", "admin@crash.cn", "--role", "admin", "--password", "崩溃测试的管理员密码"); err != nil {
		return
	}
	adminToken, err := cli(bin, environ, "token", "create", "--tenant", "crash", "--email", "admin@crash.cn")
	if err != nil {
		return
	}
	if srv, err = newServer(bin, filepath.Join(data, "..", filepathBase(data)+"-server.log"), environ); err != nil {
		return
	}
	if err = srv.start(); err != nil {
		return
	}
	admin = api{base: srv.base(), token: adminToken, client: httpClient()}
	code := func(k int) string {
		first17 := fmt.Sprintf("9113010%010d", k)
		return first17 + string(creditCheck(first17))
	}
	var firm struct{ ID string }
	if err = admin.call("POST", "/api/v1/consultancies", map[string]string{"name": "石家庄绿源环保咨询有限公司", "credit_code": code(1)}, &firm, 201); err != nil {
		return
	}
	for k, name := range enterprises {
		var e, a struct{ ID string }
		if err = admin.call("POST", "/api/v1/enterprises", map[string]string{"name": name, "credit_code": code(10 + k),
			"industry": "C1713", "region": "130100"}, &e, 201); err != nil {
			return
		}
		if err = admin.call("POST", "/api/v1/audits", map[string]string{"enterprise_id": e.ID, "consultancy_id": firm.ID}, &a, 201); err != nil {
			return
		}
		audits = append(audits, a.ID)
	}
	if _, err = cli(bin, environ, "user", "create", "--tenant", "crash", "--email", "zhang@lvyuan.cn", "--role", "consultant",
		"--password", "崩溃测试的咨询师密码", "--org", firm.ID); err != nil {
		return
	}
	token, err := cli(bin, environ, "token", "create", "--tenant", "crash", "--email", "zhang@lvyuan.cn")
	if err != nil {
		return
	}
	consultant = api{base: srv.base(), token: token, client: httpClient()}
	return
}

func filepathBase(p string) string { return filepath.Base(p) }

// creditCheck is the check character of a unified social credit code
// (GB 32100-2015) of 17 characters.
func creditCheck(first17 string) byte {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, first17[i]) * weights[i]
	}
	return chars[(31-sum%31)%31]
}

type queues struct {
	Index    int `json:"index_pending"`
	Analysis int `json:"analysis_pending"`
	OCR      int `json:"ocr_pending"`
}

// waitProcessed waits until at most left documents wait for extraction,
// indexing or analysis, and says how many do. A server starting (or not
// answering) is asked again.
func waitProcessed(a api, left int) int {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		st, err := status(a)
		if n := max(st.Index, st.Analysis); err == nil && n <= left || time.Now().After(deadline) {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func status(a api) (queues, error) {
	var q queues
	err := a.call("GET", "/api/v1/status", nil, &q, 200)
	return q, err
}

// checkDownloads downloads every acknowledged document and compares its
// SHA-256; it counts the text statuses on the way.
func checkDownloads(a api, acked map[string]ack, statuses map[string]int) (lost int, examples []string) {
	for id, k := range acked {
		req, _ := newRequest(a, "GET", "/api/v1/documents/"+id+"/content")
		resp, err := a.client.Do(req)
		ok := false
		if err == nil {
			h := sha256.New()
			_, err = io.Copy(h, resp.Body)
			resp.Body.Close()
			ok = err == nil && resp.StatusCode == 200 && [32]byte(h.Sum(nil)) == k.sum
		}
		if !ok {
			lost++
			if len(examples) < 5 {
				examples = append(examples, fmt.Sprintf("%s (file %d)", id, k.i))
			}
		}
		var meta struct {
			TextStatus string `json:"text_status"`
		}
		if err := a.call("GET", "/api/v1/documents/"+id, nil, &meta, 200); err != nil {
			statuses["error"]++
		} else {
			statuses[meta.TextStatus]++
		}
	}
	return lost, examples
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
