package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func TestValidKey(t *testing.T) {
	for _, key := range []string{"a", "hebei/sha256/ab/" + strings.Repeat("ab", 32), "A-Z_0.9", "..a/a..", strings.Repeat("x", 512)} {
		if err := ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v", key, err)
		}
	}
	for _, key := range []string{"", "/a", "a/", "a//b", ".", "..", "../x", "a/./b", "a/..", "a b", "a+b", "é", strings.Repeat("x", 513)} {
		wantBlobKind(t, "ValidKey("+key+")", ValidKey(key), cpaudit.KindInvalid)
	}
	for _, prefix := range []string{"", "a", "a/", "hebei/sha256/a"} {
		if err := validPrefix(prefix); err != nil {
			t.Errorf("validPrefix(%q) = %v", prefix, err)
		}
	}
	for _, prefix := range []string{"/", "a//", "../", "a/../", "a b/"} {
		wantBlobKind(t, "validPrefix("+prefix+")", validPrefix(prefix), cpaudit.KindInvalid)
	}
}

func TestMem(t *testing.T) {
	testStore(t, func(t *testing.T) Store { return NewMem() })
}

func TestLocal(t *testing.T) {
	testStore(t, func(t *testing.T) Store { return newTestLocal(t) })
}

func newTestLocal(t *testing.T) *Local {
	t.Helper()
	s, err := NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLocalFailedPutsLeaveNoTemp checks that every way a Put can
// fail removes its temporary file.
func TestLocalFailedPutsLeaveNoTemp(t *testing.T) {
	s := newTestLocal(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	midway, cancelMidway := context.WithCancel(ctx)
	defer cancelMidway()
	fails := []struct {
		name string
		ctx  context.Context
		r    io.Reader
		size int64
	}{
		{"failing reader", ctx, failAfter(randomBlob(3 << 20)), 4 << 20},
		{"short", ctx, strings.NewReader("short"), 100},
		{"long", ctx, strings.NewReader("too long"), 3},
		{"cancelled", cancelled, strings.NewReader("x"), 1},
		{"cancelled midway", midway, &cancellingReader{r: bytes.NewReader(randomBlob(3 << 20)), after: 1 << 20, cancel: cancelMidway}, 3 << 20},
	}
	for _, f := range fails {
		if err := s.Put(f.ctx, "t/x", f.r, f.size); err == nil {
			t.Errorf("%s: Put succeeded", f.name)
		}
		if n := countFiles(t, s.tmp); n != 0 {
			t.Errorf("%s: %d temporary files left", f.name, n)
		}
	}
	putBlob(t, s, "t/ok", []byte("ok"))
	if n := countFiles(t, s.tmp); n != 0 {
		t.Errorf("a successful Put left %d temporary files", n)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestLocalCleanTemp(t *testing.T) {
	s := newTestLocal(t)
	stale := filepath.Join(s.tmp, "put-crashed")
	fresh := filepath.Join(s.tmp, "put-in-progress")
	for _, name := range []string{stale, fresh} {
		if err := os.WriteFile(name, []byte("half a blob"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if err := s.CleanTemp(time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept (%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file removed: %v", err)
	}
}

// TestLocalLayout checks where blobs go on disk, that the
// temporary directory is neither a key nor listed, and that files that are
// no valid key are not listed.
func TestLocalLayout(t *testing.T) {
	s := newTestLocal(t)
	ctx := context.Background()
	putBlob(t, s, "hebei/sha256/ab/abcd", []byte("河北"))
	if b, err := os.ReadFile(filepath.Join(s.root, "hebei", "sha256", "ab", "abcd")); err != nil || string(b) != "河北" {
		t.Errorf("file of the blob: %q, %v", b, err)
	}
	rc, err := s.Open(ctx, "hebei/sha256/ab/abcd")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.(*os.File); !ok {
		t.Errorf("Open returned a %T, want an *os.File", rc)
	}
	rc.Close()

	for _, key := range []string{".tmp", ".tmp/x"} {
		wantBlobKind(t, "Put("+key+")", s.Put(ctx, key, strings.NewReader("x"), 1), cpaudit.KindInvalid)
		_, err := s.Open(ctx, key)
		wantBlobKind(t, "Open("+key+")", err, cpaudit.KindInvalid)
	}
	if err := os.WriteFile(filepath.Join(s.tmp, "put-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.root, "hebei", "not a key"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := listKeys(t, s, "", nil); strings.Join(got, " ") != "hebei/sha256/ab/abcd" {
		t.Errorf("List() = %v, want only the blob", got)
	}
}

func TestLocalPingFails(t *testing.T) {
	s := newTestLocal(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(s.root); err != nil {
		t.Fatal(err)
	}
	wantBlobKind(t, "Ping of a removed directory", s.Ping(context.Background()), cpaudit.KindUnavailable)
}

// TestSizedReader checks, without S3, what keeps an S3 upload of the wrong
// length from completing: the body never hands over all size bytes unless
// the source ends right there.
func TestSizedReader(t *testing.T) {
	cases := []struct {
		name     string
		src      string
		size     int64
		ok       bool
		maxBytes int64 // the most the body may hand over
	}{
		{"exact", "abcdef", 6, true, 6},
		{"long", "abcdefg", 6, false, 5},
		{"short", "abcde", 6, false, 5},
		{"empty but announced", "", 1, false, 0},
		{"unknown size", "abcdefg", -1, true, 7},
	}
	for _, c := range cases {
		for _, seekable := range []bool{true, false} {
			var r io.Reader = strings.NewReader(c.src)
			if !seekable {
				r = onlyReader{r}
			}
			src, body := newSizedBody(r, c.size)
			if _, ok := body.(io.Seeker); ok != (seekable && c.size > 0) {
				t.Errorf("%s: body seekable = %v", c.name, ok)
			}
			// One byte at a time, the hardest case for holding back the last.
			n, err := io.CopyBuffer(io.Discard, onlyReader{body}, make([]byte, 1))
			if (err == nil) != c.ok || n > c.maxBytes {
				t.Errorf("%s (seekable %v): handed over %d bytes, error %v", c.name, seekable, n, err)
			}
			err = src.complete("test")
			if c.ok && err != nil {
				t.Errorf("%s: complete() = %v", c.name, err)
			}
			if !c.ok {
				wantBlobKind(t, c.name+": complete()", err, cpaudit.KindInvalid)
			}
		}
	}

	// minio-go rewinds before each attempt; a rewind after the source
	// proved wrong fails, which ends its retries.
	src, body := newSizedBody(strings.NewReader("abcdef"), 6)
	seeker := body.(io.Seeker)
	for range 2 {
		if _, err := seeker.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(body); string(b) != "abcdef" || err != nil {
			t.Fatalf("after a rewind: %q, %v", b, err)
		}
	}
	if err := src.complete("test"); err != nil {
		t.Fatal(err)
	}
	_, body = newSizedBody(strings.NewReader("abc"), 6)
	io.ReadAll(body)
	if _, err := body.(io.Seeker).Seek(0, io.SeekStart); !errors.Is(err, errSizeMismatch) {
		t.Errorf("rewind after a short source = %v", err)
	}
}

// testS3Config is a bucket of the test's own on the test MinIO.
func testS3Config(t *testing.T) S3Config {
	b := blobtest.Bucket(t)
	return S3Config{Endpoint: b.Endpoint, AccessKey: b.AccessKey, SecretKey: b.SecretKey, Bucket: b.Bucket, Prefix: b.Prefix}
}

// newTestS3 is a store on the test MinIO, in a bucket of its own.
func newTestS3(t *testing.T) *S3 {
	t.Helper()
	s, err := NewS3(context.Background(), testS3Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestS3 runs the contract against MinIO: one bucket for the run
// (created by NewS3), a fresh prefix for each subtest.
func TestS3(t *testing.T) {
	cfg := testS3Config(t)
	ctx := context.Background()
	if _, err := NewS3(ctx, cfg); err != nil {
		t.Fatalf("creating the bucket: %v", err)
	}
	testStore(t, func(t *testing.T) Store {
		c := cfg
		c.Prefix = cfg.Prefix + randomHex(4)
		s, err := NewS3(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestS3Retry drops the connection of the first upload half-way:
// minio-go must rewind a seekable body and send it again whole, and must
// not retry a stream, which cannot rewind.
func TestS3Retry(t *testing.T) {
	cfg := testS3Config(t)
	ctx := context.Background()
	if _, err := NewS3(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	base, err := minio.DefaultTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyTransport{base: base}
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Transport: flaky})
	if err != nil {
		t.Fatal(err)
	}
	s := &S3{client: client, bucket: cfg.Bucket, prefix: "retry/", timeout: DefaultS3Timeout}
	data := randomBlob(1 << 20)

	if err := s.Put(ctx, "t/seekable", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put after a dropped connection: %v", err)
	}
	if flaky.drops.Load() != 1 {
		t.Fatalf("%d uploads dropped, want 1", flaky.drops.Load())
	}
	if got := readBlob(t, s, "t/seekable"); !bytes.Equal(got, data) {
		t.Fatalf("after a retry: read back %d bytes that differ", len(got))
	}

	flaky.drops.Store(0)
	sum := sha256.Sum256(data)
	if err := s.PutSHA256(ctx, "t/hashed", bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:])); err != nil {
		t.Fatalf("PutSHA256 after a dropped connection: %v", err)
	}
	if flaky.drops.Load() != 1 {
		t.Fatalf("PutSHA256: %d uploads dropped, want 1", flaky.drops.Load())
	}
	if got := readBlob(t, s, "t/hashed"); !bytes.Equal(got, data) {
		t.Fatalf("PutSHA256 after a retry: read back %d bytes that differ", len(got))
	}

	flaky.drops.Store(0)
	err = s.Put(ctx, "t/stream", onlyReader{bytes.NewReader(data)}, int64(len(data)))
	wantBlobKind(t, "Put of a stream whose connection drops", err, cpaudit.KindUnavailable)
	_, err = s.Stat(ctx, "t/stream")
	wantBlobKind(t, "Stat after a dropped stream", err, cpaudit.KindNotFound)
}

// flakyTransport fails the first object upload after sending part of its
// body, as a connection reset would.
type flakyTransport struct {
	base  http.RoundTripper
	drops atomic.Int32
}

func (f *flakyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.Body != nil && f.drops.CompareAndSwap(0, 1) {
		io.CopyN(io.Discard, req.Body, 64<<10)
		req.Body.Close()
		return nil, &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return f.base.RoundTrip(req)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestS3Prefix checks that the prefix is where objects go, that
// List hides it, and that stores with different prefixes share a bucket
// without seeing each other's blobs.
func TestS3Prefix(t *testing.T) {
	cfg := testS3Config(t)
	ctx := context.Background()
	cfg.Prefix = "/shared/cpaudit" // slashes around it are optional
	s, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Prefix = ""
	whole, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Prefix = "other"
	other, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	putBlob(t, s, "hebei/x", []byte("河北"))
	putBlob(t, other, "hebei/y", []byte("y"))
	if _, err := s.client.StatObject(ctx, s.bucket, "shared/cpaudit/hebei/x", minio.StatObjectOptions{}); err != nil {
		t.Errorf("object not under the prefix: %v", err)
	}
	// Objects under the prefix that are no valid key are not listed.
	if _, err := s.client.PutObject(ctx, s.bucket, "shared/cpaudit/hebei/not a key", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := listKeys(t, s, "", nil); strings.Join(got, " ") != "hebei/x" {
		t.Errorf("List with a prefix = %v, want [hebei/x]", got)
	}
	if got := listKeys(t, whole, "", nil); strings.Join(got, " ") != "other/hebei/y shared/cpaudit/hebei/x" {
		t.Errorf("List without a prefix = %v", got)
	}
	if _, err := other.Stat(ctx, "hebei/x"); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("a store sees another prefix's blob: %v", err)
	}
}

// TestS3CreatesBucketOnce starts servers at once on a bucket that
// does not exist yet: all must start, whichever creates it.
func TestS3CreatesBucketOnce(t *testing.T) {
	cfg := testS3Config(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := NewS3(context.Background(), cfg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestS3Refused(t *testing.T) {
	cfg := testS3Config(t)
	ctx := context.Background()
	bad := cfg
	bad.SecretKey = "not-the-secret"
	_, err := NewS3(ctx, bad)
	wantBlobKind(t, "wrong secret key", err, cpaudit.KindUnavailable)

	// A bucket that disappears (or was never made): unavailable, not
	// internal and not "not found", which would read as missing data.
	s, err := newS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantBlobKind(t, "Ping without the bucket", s.Ping(ctx), cpaudit.KindUnavailable)
	_, err = s.Stat(ctx, "t/x")
	wantBlobKind(t, "Stat without the bucket", err, cpaudit.KindUnavailable)
	wantBlobKind(t, "Put without the bucket", s.Put(ctx, "t/x", strings.NewReader("x"), 1), cpaudit.KindUnavailable)
}

// TestS3Unreachable needs no MinIO: nothing listens on port 1.
func TestS3Unreachable(t *testing.T) {
	cfg := S3Config{Endpoint: "127.0.0.1:1", AccessKey: "a", SecretKey: "b", Bucket: "cpaudit"}
	s, err := newS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(context.Context) error{
		"Ping":  s.Ping,
		"NewS3": func(ctx context.Context) error { _, err := NewS3(ctx, cfg); return err },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		start := time.Now()
		err := call(ctx)
		cancel()
		wantBlobKind(t, name, err, cpaudit.KindUnavailable)
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s took %v with a 3 s deadline", name, d)
		}
	}
}

func TestNewS3InvalidConfig(t *testing.T) {
	good := S3Config{Endpoint: "127.0.0.1:9000", AccessKey: "a", SecretKey: "b", Bucket: "cpaudit"}
	bad := map[string]func(c *S3Config){
		"no endpoint":       func(c *S3Config) { c.Endpoint = "" },
		"scheme not secure": func(c *S3Config) { c.Endpoint = "https://127.0.0.1:9000" },
		"endpoint path":     func(c *S3Config) { c.Endpoint = "127.0.0.1:9000/path" },
		"no bucket":         func(c *S3Config) { c.Bucket = "" },
		"bucket too short":  func(c *S3Config) { c.Bucket = "x" },
		"bucket with slash": func(c *S3Config) { c.Bucket = "bad/bucket" },
		"prefix escapes":    func(c *S3Config) { c.Prefix = "../x" },
		"prefix characters": func(c *S3Config) { c.Prefix = "a b" },
		"prefix too long":   func(c *S3Config) { c.Prefix = strings.Repeat("p", 512) },
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		_, err := newS3(cfg)
		wantBlobKind(t, name, err, cpaudit.KindInvalid)
	}
	for prefix, want := range map[string]string{"": "", "cpaudit": "cpaudit/", "/a/b/": "a/b/"} {
		cfg := good
		cfg.Prefix = prefix
		s, err := newS3(cfg)
		if err != nil {
			t.Errorf("prefix %q: %v", prefix, err)
		} else if s.prefix != want {
			t.Errorf("prefix %q became %q, want %q", prefix, s.prefix, want)
		}
	}
}

// PutSHA256 sends the caller's SHA-256 with the body: MinIO stores the
// bytes when they match it and refuses them whole when they do not.
func TestS3PutSHA256(t *testing.T) {
	ctx := context.Background()
	s := newTestS3(t)
	data := []byte(strings.Repeat("清洁生产审核报告，", 50000))
	sum := sha256.Sum256(data)
	if err := s.PutSHA256(ctx, "hebei/report", bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, s, "hebei/report"); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes that differ", len(got))
	}

	other := sha256.Sum256([]byte("另一份文件"))
	err := s.PutSHA256(ctx, "hebei/tampered", bytes.NewReader(data), int64(len(data)), hex.EncodeToString(other[:]))
	if err == nil {
		t.Fatal("bytes that do not match their SHA-256 were stored")
	}
	_, err = s.Stat(ctx, "hebei/tampered")
	wantBlobKind(t, "Stat after a refused body", err, cpaudit.KindNotFound)

	err = s.PutSHA256(ctx, "hebei/big", bytes.NewReader(nil), SinglePutLimit+1, hex.EncodeToString(sum[:]))
	wantBlobKind(t, "PutSHA256 beyond its limit", err, cpaudit.KindInvalid)
	err = s.PutSHA256(ctx, "hebei/x", bytes.NewReader(data), int64(len(data)), "not-a-hash")
	wantBlobKind(t, "PutSHA256 with a malformed hash", err, cpaudit.KindInvalid)
}
