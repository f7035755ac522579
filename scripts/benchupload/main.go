// Command benchupload measures cpaudit's upload path against writing the
// same bytes directly, in one run: N files of SIZE bytes uploaded one after
// another through the HTTP API (POST /api/v1/documents) of a real cpaudit
// server, once on the embedded store and once on MinIO; and the same bytes
// written straight to disk with fsync, and straight to MinIO with minio-go
// PutObject. It prints p50/p99 per path and ours/direct ratios.
//
// It is a benchmark, run by scripts/bench-upload, not a test. It imports
// minio-go itself (not through storage/) because the point is to measure
// the bare client as the baseline.
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
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	bin := flag.String("bin", "", "path to the cpaudit binary")
	n := flag.Int("n", 1000, "files per path")
	size := flag.Int("size", 1<<20, "bytes per file")
	work := flag.String("dir", "", "work directory (a fresh temporary one by default)")
	flag.Parse()
	if err := run(*bin, *n, *size, *work); err != nil {
		fmt.Fprintln(os.Stderr, "benchupload:", err)
		os.Exit(1)
	}
}

type s3env struct{ endpoint, access, secret string }

func run(bin string, n, size int, work string) error {
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
	fmt.Printf("benchupload: %d files of %d KiB per path, sequential, one client\n\n", n, size>>10)

	direct, err := directDisk(filepath.Join(work, "direct"), files)
	if err != nil {
		return err
	}
	ours, err := throughAPI(bin, filepath.Join(work, "embedded"), nil, files)
	if err != nil {
		return err
	}
	report("embedded store", ours, "disk write+fsync", direct)
	if s3.endpoint == "" {
		fmt.Println("\nMinIO path skipped: MINIO_ENDPOINT not set (run through scripts/bench-upload)")
		return nil
	}
	direct, err = directS3(s3, files)
	if err != nil {
		return err
	}
	ours, err = throughAPI(bin, filepath.Join(work, "s3"), &s3, files)
	if err != nil {
		return err
	}
	report("MinIO store", ours, "minio-go PutObject", direct)
	return nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%7.2f ms", float64(d.Microseconds())/1000) }

func report(oursName string, ours []time.Duration, directName string, direct []time.Duration) {
	op50, op99 := percentile(ours, .50), percentile(ours, .99)
	dp50, dp99 := percentile(direct, .50), percentile(direct, .99)
	fmt.Printf("\n%-36s p50 %s   p99 %s\n", "cpaudit API, "+oursName, ms(op50), ms(op99))
	fmt.Printf("%-36s p50 %s   p99 %s\n", "direct, "+directName, ms(dp50), ms(dp99))
	fmt.Printf("%-36s p50 %6.2fx     p99 %6.2fx   (target p50 <= 1.5x)\n", "ratio ours/direct", float64(op50)/float64(dp50), float64(op99)/float64(dp99))
}

// directDisk writes each file to its own path with fsync, as a baseline.
func directDisk(dir string, files [][]byte) ([]time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lat := make([]time.Duration, len(files))
	for i, b := range files {
		start := time.Now()
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%05d", i)))
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(b); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		lat[i] = time.Since(start)
	}
	return lat, nil
}

func directS3(env s3env, files [][]byte) ([]time.Duration, error) {
	ctx := context.Background()
	c, err := minio.New(env.endpoint, &minio.Options{Creds: credentials.NewStaticV4(env.access, env.secret, ""), Secure: false})
	if err != nil {
		return nil, err
	}
	bucket := fmt.Sprintf("bench-direct-%d", time.Now().UnixNano())
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return nil, err
	}
	lat := make([]time.Duration, len(files))
	for i, b := range files {
		start := time.Now()
		_, err := c.PutObject(ctx, bucket, fmt.Sprintf("f%05d", i), bytes.NewReader(b), int64(len(b)),
			minio.PutObjectOptions{ContentType: "application/octet-stream"})
		if err != nil {
			return nil, err
		}
		lat[i] = time.Since(start)
	}
	return lat, nil
}

// throughAPI starts a real cpaudit server on dataDir (blobs in S3 when env
// is given), creates a tenant, a consultant and a token with the real
// command line, and uploads every file through the API.
func throughAPI(bin, dataDir string, s3 *s3env, files [][]byte) ([]time.Duration, error) {
	environ := append(os.Environ(), "CPAUDIT_DATA="+dataDir, "CPAUDIT_LOG_LEVEL=warn")
	if s3 != nil {
		environ = append(environ, "CPAUDIT_S3_ENDPOINT="+s3.endpoint, "CPAUDIT_S3_ACCESS_KEY="+s3.access,
			"CPAUDIT_S3_SECRET_KEY="+s3.secret, "CPAUDIT_S3_SECURE=false",
			fmt.Sprintf("CPAUDIT_S3_BUCKET=bench-cpaudit-%d", time.Now().UnixNano()))
	}
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("cpaudit %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := cli("tenant", "create", "bench", "--name", "基准测试"); err != nil {
		return nil, err
	}
	if _, err := cli("user", "create", "--tenant", "bench", "--email", "bench@example.cn", "--role", "consultant", "--password", "benchmark-password"); err != nil {
		return nil, err
	}
	token, err := cli("token", "create", "--tenant", "bench", "--email", "bench@example.cn")
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
	defer func() {
		server.Process.Signal(os.Interrupt)
		server.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	lat := make([]time.Duration, len(files))
	for i, b := range files {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("kind", "evidence")
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("证据%05d.bin", i))
		fw.Write(b)
		mw.Close()
		req, _ := http.NewRequest("POST", base+"/api/v1/documents", &body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat[i] = time.Since(start)
		if resp.StatusCode != 201 {
			return nil, fmt.Errorf("upload %d: status %d", i, resp.StatusCode)
		}
	}
	return lat, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready after 30 s", base)
}
