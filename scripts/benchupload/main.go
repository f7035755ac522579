// Command benchupload measures cpaudit's upload path against writing the
// same bytes directly, in one run: N files of SIZE bytes uploaded one after
// another through the HTTP API (POST /api/v1/documents) of a real cpaudit
// server, once on the embedded store and once on MinIO; and the same bytes
// written straight to disk with fsync, and straight to MinIO with minio-go
// PutObject. It prints p50/p99 per path and the ratios ours/direct.
//
// On the embedded store a third server takes its turn too: the floor
// (floor.go), a bare HTTP server that does only what durability asks of
// any upload (receive, SHA-256, write, rename to the content address,
// fsync, commit one SQLite row). floor/direct shows how low the ratio can
// go on this machine, and ours/floor what cpaudit's own work costs.
//
// Then, on the embedded store, the same number of files is stored again
// by several clients at once (-clients, default 4), direct, floor and ours
// taking turns as before: it prints uploads per second, p50 and p99 for
// each, and ours/floor. No target is set for it; it shows how uploads
// queue when they meet.
//
// The ways take turns, a batch of files each, so that all see the
// same state of the machine: this VM's disk drifts over minutes and slows
// down for a while after a couple of GiB written (four back-to-back runs
// of 1,000 direct writes in a throwaway program, nothing else running:
// p50 1.3, 1.0, 3.9 and 3.3 ms), and
// a baseline measured all at once before or after ours carried that whole
// into the ratio. Before every batch the page cache is flushed and the
// machine left idle for a moment, so that no batch pays for writeback or
// background work left by the one before it.
//
// It is a benchmark, run by scripts/bench-upload, not a test. It imports
// minio-go and the SQLite driver itself (not through storage/) because
// the baselines are the bare client and the bare server.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/scripts/internal/serverproc"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	bin := flag.String("bin", "", "path to the cpaudit binary")
	n := flag.Int("n", 1000, "files per path")
	size := flag.Int("size", 1<<20, "bytes per file")
	batches := flag.Int("batches", 10, "turns each side takes per path")
	clients := flag.Int("clients", 4, "clients uploading at once in the concurrent run on the embedded store (1: none)")
	work := flag.String("dir", "", "work directory (a fresh temporary one by default)")
	floorAddr := flag.String("floor-serve", "", "run only the floor server, on this address, with its files under -dir")
	flag.Parse()
	if *floorAddr != "" {
		fmt.Fprintln(os.Stderr, "benchupload floor:", serveFloor(*floorAddr, *work))
		os.Exit(1)
	}
	if err := run(*bin, *n, *size, *batches, *clients, *work); err != nil {
		fmt.Fprintln(os.Stderr, "benchupload:", err)
		os.Exit(1)
	}
}

type s3env struct{ endpoint, access, secret string }

// writer stores file i and says how long it took.
type writer func(i int, b []byte) (time.Duration, error)

func run(bin string, n, size, batches, clients int, work string) error {
	if bin == "" {
		return fmt.Errorf("--bin is required")
	}
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "benchupload-*"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	s3 := s3env{os.Getenv("MINIO_ENDPOINT"), os.Getenv("MINIO_ACCESS_KEY"), os.Getenv("MINIO_SECRET_KEY")}
	files := make([][]byte, n)
	for i := range files {
		files[i] = make([]byte, size)
		rand.Read(files[i])
	}
	batches = max(1, min(batches, n))
	fmt.Printf("benchupload: %d files of %d KiB per path, sequential, one client, in %d alternating batches\n",
		n, size>>10, batches)

	api, err := startAPI(bin, filepath.Join(work, "embedded"), nil)
	if err != nil {
		return err
	}
	floor, err := startFloor(filepath.Join(work, "floor"))
	if err != nil {
		api.stop()
		return err
	}
	disk, err := directDisk(filepath.Join(work, "direct"))
	if err != nil {
		return err
	}
	lat, err := alternate(files, batches, disk, floor.upload, api.upload)
	if err == nil {
		direct, floorLat, ours := lat[0], lat[1], lat[2]
		report("embedded store", ours, "disk write+fsync", direct)
		reportFloor(floorLat, ours, direct)
		if clients > 1 {
			err = concurrent(files, batches, clients, []string{"direct, disk write+fsync", "floor", "cpaudit API, embedded"},
				disk, floor.upload, api.upload)
		}
	}
	api.stop()
	floor.stop()
	if err != nil {
		return err
	}
	if s3.endpoint == "" {
		fmt.Println("\nMinIO path skipped: MINIO_ENDPOINT not set (run through scripts/bench-upload)")
		return nil
	}
	put, err := directS3(s3)
	if err != nil {
		return err
	}
	if api, err = startAPI(bin, filepath.Join(work, "s3"), &s3); err != nil {
		return err
	}
	lat, err = alternate(files, batches, put, api.upload)
	api.stop()
	if err != nil {
		return err
	}
	report("MinIO store", lat[1], "minio-go PutObject", lat[0])
	return nil
}

// alternate stores every file each of the ways given, a batch at a time
// in turn, and returns the latencies by way and by batch.
func alternate(files [][]byte, batches int, ways ...writer) ([][][]time.Duration, error) {
	lat := make([][][]time.Duration, len(ways))
	for k := range batches {
		lo, hi := k*len(files)/batches, (k+1)*len(files)/batches
		for w, store := range ways {
			settle()
			var batch []time.Duration
			for i := lo; i < hi; i++ {
				d, err := store(i, files[i])
				if err != nil {
					return nil, err
				}
				batch = append(batch, d)
			}
			lat[w] = append(lat[w], batch)
		}
	}
	return lat, nil
}

// settle flushes the page cache and waits, so that a batch does not pay
// for writeback or background work (text extraction, indexing) left over
// from the batch before it.
func settle() {
	syscall.Sync()
	time.Sleep(time.Second)
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%7.2f ms", float64(d.Microseconds())/1000) }

func report(oursName string, ours [][]time.Duration, directName string, direct [][]time.Duration) {
	allOurs, allDirect := slices.Concat(ours...), slices.Concat(direct...)
	op50, op99 := percentile(allOurs, .50), percentile(allOurs, .99)
	dp50, dp99 := percentile(allDirect, .50), percentile(allDirect, .99)
	fmt.Printf("\n%-36s p50 %s   p99 %s\n", "cpaudit API, "+oursName, ms(op50), ms(op99))
	fmt.Printf("%-36s p50 %s   p99 %s\n", "direct, "+directName, ms(dp50), ms(dp99))
	fmt.Printf("%-36s p50 %6.2fx     p99 %6.2fx   (target p50 <= 1.5x)\n", "ratio ours/direct", float64(op50)/float64(dp50), float64(op99)/float64(dp99))
	// The spread across batches shows how much the machine moved.
	lo, hi := batchRatios(ours, direct)
	directs := make([]time.Duration, len(direct))
	for k := range direct {
		directs[k] = percentile(direct[k], .50)
	}
	fmt.Printf("%-36s p50 ratio %.2fx to %.2fx, direct p50 %s to %s\n", fmt.Sprintf("  by batch (%d)", len(ours)),
		lo, hi, strings.TrimSpace(ms(slices.Min(directs))), strings.TrimSpace(ms(slices.Max(directs))))
}

// reportFloor prints how the floor server (floor.go) did beside ours and
// direct: floor/direct is about the best any implementation of the upload
// API can reach on this machine.
func reportFloor(floor, ours, direct [][]time.Duration) {
	fp50, fp99 := percentile(slices.Concat(floor...), .50), percentile(slices.Concat(floor...), .99)
	op50, dp50 := percentile(slices.Concat(ours...), .50), percentile(slices.Concat(direct...), .50)
	fmt.Printf("%-36s p50 %s   p99 %s\n", "floor: bare server, same durability", ms(fp50), ms(fp99))
	fmt.Printf("%-36s p50 %6.2fx     (the least an upload costs here)\n", "ratio floor/direct", float64(fp50)/float64(dp50))
	fmt.Printf("%-36s p50 %6.2fx     (what cpaudit does beyond it)\n", "ratio ours/floor", float64(op50)/float64(fp50))
	lo, hi := batchRatios(floor, direct)
	fmt.Printf("%-36s p50 ratio floor/direct %.2fx to %.2fx\n", fmt.Sprintf("  by batch (%d)", len(floor)), lo, hi)
}

// batchRatios is the lowest and highest ratio of a's p50 to b's, batch by
// batch.
func batchRatios(a, b [][]time.Duration) (lo, hi float64) {
	ratios := make([]float64, len(a))
	for k := range a {
		ratios[k] = float64(percentile(a[k], .50)) / float64(percentile(b[k], .50))
	}
	return slices.Min(ratios), slices.Max(ratios)
}

// directDisk writes each file to its own path with fsync, as a baseline.
func directDisk(dir string) (writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return func(i int, b []byte) (time.Duration, error) {
		start := time.Now()
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%06d", i)))
		if err != nil {
			return 0, err
		}
		if _, err := f.Write(b); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		if err := f.Close(); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}, nil
}

// directS3 puts each file as an object of a fresh bucket, as a baseline.
func directS3(env s3env) (writer, error) {
	ctx := context.Background()
	c, err := minio.New(env.endpoint, &minio.Options{Creds: credentials.NewStaticV4(env.access, env.secret, ""), Secure: false})
	if err != nil {
		return nil, err
	}
	bucket := fmt.Sprintf("bench-direct-%d", time.Now().UnixNano())
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return nil, err
	}
	return func(i int, b []byte) (time.Duration, error) {
		start := time.Now()
		_, err := c.PutObject(ctx, bucket, fmt.Sprintf("f%05d", i), bytes.NewReader(b), int64(len(b)),
			minio.PutObjectOptions{ContentType: "application/octet-stream"})
		return time.Since(start), err
	}, nil
}

// apiServer is a real cpaudit server with a tenant, a consultant and
// the consultant's API token, made with the real command line.
type apiServer struct {
	cmd    *exec.Cmd
	base   string
	token  string
	client *http.Client
	// bodies are reused from one upload to the next (one per client): a
	// fresh MiB per request kept the client's garbage collector busy on
	// the CPUs the server shares, which a browser or curl would not do.
	bodies sync.Pool
}

// startAPI starts cpaudit on dataDir (blobs in S3 when env is given).
func startAPI(bin, dataDir string, s3 *s3env) (*apiServer, error) {
	environ := append(os.Environ(), "CPAUDIT_DATA="+dataDir, "CPAUDIT_LOG_LEVEL=warn")
	if s3 != nil {
		environ = append(environ, "CPAUDIT_S3_ENDPOINT="+s3.endpoint, "CPAUDIT_S3_ACCESS_KEY="+s3.access,
			"CPAUDIT_S3_SECRET_KEY="+s3.secret, "CPAUDIT_S3_SECURE=false",
			fmt.Sprintf("CPAUDIT_S3_BUCKET=bench-cpaudit-%d", time.Now().UnixNano()))
	}
	token, err := benchstat.Provision(bin, dataDir, environ, "consultant")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	server := exec.Command(bin, "serve", "--addr", addr)
	server.Env = environ
	server.Stderr = os.Stderr
	if err := server.Start(); err != nil {
		return nil, err
	}
	a := &apiServer{cmd: server, base: "http://" + addr, token: token,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	if err := waitReady(a.base); err != nil {
		a.stop()
		return nil, err
	}
	return a, nil
}

func (a *apiServer) stop() {
	a.cmd.Process.Signal(os.Interrupt)
	a.cmd.Wait()
}

// upload sends file i as evidence and times the request, from sending it
// to reading the whole response.
func (a *apiServer) upload(i int, b []byte) (time.Duration, error) {
	body, _ := a.bodies.Get().(*bytes.Buffer)
	if body == nil {
		body = new(bytes.Buffer)
	}
	defer a.bodies.Put(body)
	body.Reset()
	mw := multipart.NewWriter(body)
	mw.WriteField("kind", "evidence")
	fw, _ := mw.CreateFormFile("file", fmt.Sprintf("证据%05d.bin", i))
	fw.Write(b)
	mw.Close()
	req, _ := http.NewRequest("POST", a.base+"/api/v1/documents", body)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return timedPost(a.client, req, i)
}

// timedPost sends upload i and times it, from sending the request to
// reading the whole response; anything but 201 is an error.
func timedPost(c *http.Client, req *http.Request, i int) (time.Duration, error) {
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("%s upload %d: status %d", req.URL, i, resp.StatusCode)
	}
	return d, nil
}

// floorProc is the floor server (floor.go), running in a child process
// as cpaudit does.
type floorProc struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client
}

func startFloor(dir string) (*floorProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-floor-serve", addr, "-dir", dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &floorProc{cmd: cmd, base: "http://" + addr, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	if err := waitReady(p.base); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *floorProc) stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// upload sends file i as the raw body and times the request.
func (p *floorProc) upload(i int, b []byte) (time.Duration, error) {
	req, err := http.NewRequest("POST", p.base+"/upload", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	return timedPost(p.client, req, i)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(base string) error { return serverproc.WaitReady(base, 30*time.Second) }
