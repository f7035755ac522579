// Command benchmemory measures the peak resident memory of a running
// cpaudit server (VmHWM of its process, reset between phases) while it
// extracts, indexes and analyses, through the HTTP API only:
//
//  1. text: one .txt of -text-mb MB of random Chinese characters (every
//     bigram distinct: the worst case for the index, as in issue 24);
//  2. reports: -reports ordinary report-like .txt files of about 30 KB;
//  3. bomb: a PDF of a few MB whose one FlateDecode stream inflates to
//     -bomb-mb MB, while /healthz is asked every 100 ms (its latency is
//     printed too).
//
// Each phase waits until GET /api/v1/status says nothing is pending. The
// server is stopped when its resident set passes -abort-mb (as a ulimit
// would end it): the phase then prints "> abort". With -baseline-bin, the
// same phases run first on that binary (scripts/bench-memory builds it
// from another commit), and ratios ours/baseline are printed.
//
// It is a benchmark, run by scripts/bench-memory, not a test.
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/scripts/internal/serverproc"
)

type config struct {
	bin, baseline, dir      string
	textMB, reports, bombMB int
	abortMB                 int
	phaseTimeout            time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "the cpaudit binary to measure")
	flag.StringVar(&c.baseline, "baseline-bin", "", "a cpaudit binary to measure first, as the baseline")
	flag.StringVar(&c.dir, "dir", "", "work directory")
	flag.IntVar(&c.textMB, "text-mb", 50, "size of the long text document, MB (0: skip the phase)")
	flag.IntVar(&c.reports, "reports", 2000, "ordinary reports to upload (0: skip the phase)")
	flag.IntVar(&c.bombMB, "bomb-mb", 2048, "what the PDF bomb's stream inflates to, MB (0: skip the phase)")
	flag.IntVar(&c.abortMB, "abort-mb", 4096, "stop the server when its resident set passes this, MiB")
	flag.DurationVar(&c.phaseTimeout, "timeout", 30*time.Minute, "longest wait for one phase")
	flag.Parse()
	if c.bin == "" || c.dir == "" {
		fmt.Fprintln(os.Stderr, "benchmemory: -bin and -dir are required")
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "benchmemory:", err)
		os.Exit(1)
	}
}

// phase is what one phase measured.
type phase struct {
	name     string
	peak     int64 // bytes; VmHWM of the server
	anon     int64 // largest RssAnon sampled
	file     int64 // largest RssFile sampled
	took     time.Duration
	aborted  bool
	note     string
	segs     segments        // the index's mapped segments when the sampled RSS was highest
	health   []time.Duration // /healthz latencies (bomb)
	healthKO int             // /healthz requests that failed or took over 5 s
}

func run(c config) error {
	fmt.Printf("machine: %d CPUs (GOMAXPROCS of the server), %s\n", cpus(), memTotal())
	in := inputs(c)
	var base []phase
	if c.baseline != "" {
		fmt.Printf("\n== baseline: %s\n", c.baseline)
		var err error
		if base, err = measure(c, c.baseline, filepath.Join(c.dir, "baseline"), in); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	fmt.Printf("\n== ours: %s\n", c.bin)
	ours, err := measure(c, c.bin, filepath.Join(c.dir, "ours"), in)
	if err != nil {
		return err
	}
	const target = 512 << 20
	fmt.Printf("\n%-8s %12s %12s %10s %10s  %s\n", "phase", "peak RSS", "baseline", "ours/base", "≤512 MiB", "detail")
	for i, p := range ours {
		b := "-"
		ratio := "-"
		if i < len(base) {
			b = mib(base[i])
			if !base[i].aborted && base[i].peak > 0 {
				ratio = fmt.Sprintf("%.2fx", float64(p.peak)/float64(base[i].peak))
			} else if base[i].aborted {
				ratio = fmt.Sprintf("<%.2fx", float64(p.peak)/float64(int64(c.abortMB)<<20))
			}
		}
		ok := "yes"
		if p.aborted || p.peak > target {
			ok = "NO"
		}
		fmt.Printf("%-8s %12s %12s %10s %10s  anon %d MiB, file %d MiB, %v%s\n", p.name, mib(p), b, ratio, ok,
			p.anon>>20, p.file>>20, p.took.Round(time.Second), p.note)
	}
	for i, p := range ours {
		if len(p.health) == 0 && p.healthKO == 0 {
			continue
		}
		line := fmt.Sprintf("/healthz during %s: %d requests, p50 %v, p99 %v, max %v, failed or >5 s: %d",
			p.name, len(p.health), benchstat.Percentile(p.health, 50), benchstat.Percentile(p.health, 99),
			benchstat.Percentile(p.health, 100), p.healthKO)
		if i < len(base) {
			bp := base[i]
			line += fmt.Sprintf(" (baseline: p50 %v, p99 %v, max %v, failed or >5 s: %d)", benchstat.Percentile(bp.health, 50),
				benchstat.Percentile(bp.health, 99), benchstat.Percentile(bp.health, 100), bp.healthKO)
		}
		fmt.Println(line)
	}
	return nil
}

func mib(p phase) string {
	if p.aborted {
		return fmt.Sprintf("> %d MiB", p.peak>>20)
	}
	return fmt.Sprintf("%d MiB", p.peak>>20)
}

// input is the files of the phases, generated once for both binaries.
type input struct {
	text    string // path
	reports [][]byte
	bomb    string // path
}

func inputs(c config) input {
	var in input
	r := rand.New(rand.NewPCG(24, 2))
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		panic(err)
	}
	if c.textMB > 0 {
		in.text = filepath.Join(c.dir, "long.txt")
		var b bytes.Buffer
		for b.Len() < c.textMB*1000*1000 {
			b.WriteRune(rune(0x4e00 + r.IntN(0x9fa5-0x4e00)))
		}
		must(os.WriteFile(in.text, b.Bytes(), 0o644))
		fmt.Printf("long text: %d bytes, %d characters of random Han\n", b.Len(), b.Len()/3)
	}
	for range c.reports {
		in.reports = append(in.reports, report(r))
	}
	if c.reports > 0 {
		total := 0
		for _, b := range in.reports {
			total += len(b)
		}
		fmt.Printf("reports: %d, %d bytes on average\n", c.reports, total/c.reports)
	}
	if c.bombMB > 0 {
		in.bomb = filepath.Join(c.dir, "bomb.pdf")
		b := flateBomb(c.bombMB << 20)
		must(os.WriteFile(in.bomb, b, 0o644))
		fmt.Printf("PDF bomb: %d bytes, one FlateDecode stream of %d MiB\n", len(b), c.bombMB)
	}
	return in
}

var (
	words = []string{"清洁生产", "审核", "节水量", "万元", "吨/年", "COD", "氨氮", "二氧化硫", "印染", "造纸", "制药", "废水",
		"回用", "能耗", "标准煤", "工艺", "设备", "改造", "生产", "中水", "锅炉", "脱硫", "方案", "实施", "效益", "企业",
		"审核小组", "预审核", "无/低费方案", "中/高费方案", "的", "了", "和", "在", "是", "对", "按", "及", "物料平衡",
		"水平衡", "单位产品", "综合能耗", "危险废物", "固体废物", "排放浓度", "达标", "监测", "污染物", "削减量"}
	places = []string{"河北省", "石家庄市", "保定", "唐山", "沧州", "浙江绍兴", "江苏苏州", "山东淄博", "广东佛山"}
	firms  = []string{"华北印染有限公司", "冀中造纸股份公司", "恒瑞制药", "绿源环保咨询", "鲁中化工集团", "南方纺织"}
)

// report is an ordinary report: about 30 KB of report-like Chinese with
// figures and tables.
func report(r *rand.Rand) []byte {
	var b bytes.Buffer
	firm := places[r.IntN(len(places))] + firms[r.IntN(len(firms))]
	fmt.Fprintf(&b, "%s清洁生产审核报告\n\n", firm)
	for b.Len() < 25000+r.IntN(10000) {
		if r.IntN(8) == 0 {
			fmt.Fprintf(&b, "%s | %d | %.2f | %s\n", words[r.IntN(len(words))], r.IntN(10000), r.Float64()*100, words[r.IntN(len(words))])
			continue
		}
		b.WriteString(firm)
		for range 4 + r.IntN(10) {
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "%d", r.IntN(100000))
			}
			if r.IntN(3) == 0 {
				b.WriteString("，")
			}
		}
		b.WriteString("。\n")
	}
	return b.Bytes()
}

// flateBomb is a one-page PDF whose content stream inflates to n bytes of
// valid content ("0 0 m ").
func flateBomb(n int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	chunk := bytes.Repeat([]byte("0 0 m "), 1<<20/6)
	for written := 0; written < n; written += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n")
	var offs []int
	obj := func(body string) {
		offs = append(offs, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>")
	obj(fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return out.Bytes()
}

// server is a running cpaudit.
type server struct {
	cmd    *exec.Cmd
	base   string
	token  string
	client *http.Client

	mu  sync.Mutex
	ids []string // of the documents uploaded
}

func measure(c config, bin, dataDir string, in input) ([]phase, error) {
	var out []phase
	type step struct {
		name string
		do   func(s *server, p *phase) error
	}
	var steps []step
	if in.text != "" {
		steps = append(steps, step{"text", func(s *server, p *phase) error {
			b, err := os.ReadFile(in.text)
			if err != nil {
				return err
			}
			return s.upload("long.txt", "report", b)
		}})
	}
	if len(in.reports) > 0 {
		steps = append(steps, step{"reports", func(s *server, p *phase) error {
			return s.uploadAll(in.reports)
		}})
	}
	if in.bomb != "" {
		steps = append(steps, step{"bomb", func(s *server, p *phase) error {
			b, err := os.ReadFile(in.bomb)
			if err != nil {
				return err
			}
			return s.upload("bomb.pdf", "evidence", b)
		}})
	}
	// Each phase on a server of its own, so that one aborted phase does
	// not hide the others and each starts from the same state.
	for i, st := range steps {
		s, err := start(bin, filepath.Join(dataDir, strconv.Itoa(i)))
		if err != nil {
			return nil, err
		}
		p := phase{name: st.name}
		err = s.phase(c, &p, st.do, st.name == "bomb")
		s.stop()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
		fmt.Printf("%-8s peak %s (anon %d MiB, file %d MiB) in %v%s\n", p.name, mib(p), p.anon>>20, p.file>>20, p.took.Round(time.Second), p.note)
		out = append(out, p)
	}
	return out, nil
}

// phase resets the server's peak, runs do, and waits until nothing is
// pending, sampling the server's memory (and /healthz when asked).
func (s *server) phase(c config, p *phase, do func(*server, *phase) error, health bool) error {
	pid := s.cmd.Process.Pid
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	aborted := false
	var highest int64
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			anon, file := procStatus(pid, "RssAnon:"), procStatus(pid, "RssFile:")
			mu.Lock()
			if anon+file > highest {
				// Where the file part is: the search index's segments,
				// mapped by scorch (one read of smaps, only at a new high).
				highest, p.segs = anon+file, zapSegments(pid)
			}
			p.anon, p.file = max(p.anon, anon), max(p.file, file)
			if peak := procStatus(pid, "VmHWM:"); peak > 0 {
				p.peak = peak
			}
			if anon+file > int64(c.abortMB)<<20 {
				aborted = true
				s.cmd.Process.Kill()
				mu.Unlock()
				return
			}
			mu.Unlock()
		}
	})
	if health {
		wg.Go(func() {
			hc := &http.Client{Timeout: 30 * time.Second}
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				t0 := time.Now()
				resp, err := hc.Get(s.base + "/healthz")
				d := time.Since(t0)
				mu.Lock()
				if err != nil || resp.StatusCode != 200 || d > 5*time.Second {
					p.healthKO++
				} else {
					p.health = append(p.health, d)
				}
				mu.Unlock()
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	err := do(s, p)
	for err == nil {
		mu.Lock()
		ab := aborted
		mu.Unlock()
		if ab {
			break
		}
		var st struct {
			Index    int `json:"index_pending"`
			Analysis int `json:"analysis_pending"`
		}
		if st, err = s.status(); err != nil {
			mu.Lock()
			ab := aborted
			mu.Unlock()
			if ab {
				err = nil
			}
			break
		}
		if st.Index == 0 && st.Analysis == 0 {
			break
		}
		if time.Since(start) > c.phaseTimeout {
			err = fmt.Errorf("still pending after %v: %+v", c.phaseTimeout, st)
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	p.took = time.Since(start)
	close(stop)
	wg.Wait()
	if peak := procStatus(pid, "VmHWM:"); peak > 0 {
		p.peak = peak
	}
	p.aborted = aborted
	if aborted {
		p.note = fmt.Sprintf(", server stopped past %d MiB", c.abortMB)
		return nil
	}
	if p.segs.count > 0 {
		p.note += fmt.Sprintf(", index segments at the peak: %d MiB in %d files, the largest %d MiB",
			p.segs.rss>>20, p.segs.count, p.segs.largest>>20)
	}
	if err == nil && health {
		p.note += ", " + s.statuses()
	}
	return err
}

// segments sums the resident pages of the index's segment files (*.zap)
// mapped by a process.
type segments struct {
	rss, largest int64
	count        int
}

// zapSegments reads /proc/PID/smaps for the mapped segment files.
func zapSegments(pid int) segments {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return segments{}
	}
	var out segments
	inZap := false
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			// A mapping's header line (address range, ..., and a path
			// when it maps a file).
			inZap = len(fields) >= 6 && strings.HasSuffix(fields[len(fields)-1], ".zap")
		case inZap && len(fields) == 3 && fields[0] == "Rss:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			out.rss += kb << 10
			out.largest = max(out.largest, kb<<10)
			out.count++
		}
	}
	return out
}

func (s *server) status() (struct {
	Index    int `json:"index_pending"`
	Analysis int `json:"analysis_pending"`
}, error) {
	var st struct {
		Index    int `json:"index_pending"`
		Analysis int `json:"analysis_pending"`
	}
	req, _ := http.NewRequest("GET", s.base+"/api/v1/status", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return st, fmt.Errorf("status: %d", resp.StatusCode)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// statuses says what became of the documents uploaded last (the bomb).
func (s *server) statuses() string {
	var parts []string
	for _, id := range s.ids {
		req, _ := http.NewRequest("GET", s.base+"/api/v1/documents/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		resp, err := s.client.Do(req)
		if err != nil {
			continue
		}
		var d map[string]any
		json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		parts = append(parts, fmt.Sprintf("text_status %v", d["text_status"]))
	}
	return strings.Join(parts, "; ")
}

func start(bin, dataDir string) (*server, error) {
	environ := append(os.Environ(), "CPAUDIT_DATA="+dataDir, "CPAUDIT_LOG_LEVEL=warn")
	token, err := benchstat.Provision(bin, dataDir, environ, "admin")
	if err != nil {
		return nil, err
	}
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
	s := &server{cmd: cmd, base: "http://" + addr, token: token,
		client: &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	if err := serverproc.WaitReady(s.base, 30*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) stop() { serverproc.Stop(s.cmd) }

func (s *server) upload(name, kind string, b []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(b)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1/documents", &body)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload %s: %d %s", name, resp.StatusCode, msg)
	}
	var d struct {
		ID string `json:"id"`
	}
	json.Unmarshal(msg, &d)
	s.mu.Lock()
	s.ids = append(s.ids, d.ID)
	s.mu.Unlock()
	return nil
}

// uploadAll uploads the reports from two clients at once.
func (s *server) uploadAll(reports [][]byte) error {
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for c := range 2 {
		wg.Go(func() {
			for i := c; i < len(reports); i += 2 {
				if err := s.upload(fmt.Sprintf("报告%05d.txt", i), "report", reports[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	s.ids = nil // statuses only for single uploads
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func procStatus(pid int, field string) int64 {
	return benchstat.StatusOf(strconv.Itoa(pid), field)
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

func must(err error) {
	if err != nil {
		panic(err)
	}
}
