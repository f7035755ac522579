package pipeline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// setup is a real store with one tenant and a consultant who uploads.
func setup(t *testing.T, blobs blob.Store) (*storage.Store, cpaudit.Actor) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if blobs == nil {
		local, err := blob.NewLocal(filepath.Join(dir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		blobs = local
	}
	s, err := storage.Open(ctx, storage.Config{DataDir: dir, Blobs: blobs, Passwords: storage.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tn, err := s.CreateTenant(ctx, "hebei", "河北")
	if err != nil {
		t.Fatal(err)
	}
	sys := cpaudit.SystemActor(tn.ID)
	u, err := s.CreateUser(ctx, sys, cpaudit.NewUser{Email: "zhang@lvyuan.cn", Role: cpaudit.RoleConsultant, Password: "一个足够长的密码abc"})
	if err != nil {
		t.Fatal(err)
	}
	return s, cpaudit.Actor{TenantID: tn.ID, UserID: u.ID, Email: u.Email, Role: u.Role}
}

func upload(t *testing.T, s *storage.Store, a cpaudit.Actor, name, content string) cpaudit.Document {
	t.Helper()
	st, err := s.Stage(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := s.CreateDocument(context.Background(), a, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: name, ContentType: "text/plain"}, st)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// upperExtractor stands in for the real extractor: it reads every byte
// through the ReaderAt it is given.
func upperExtractor(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string) cpaudit.ExtractedText {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return cpaudit.ExtractedText{Status: cpaudit.TextFailed, Reason: err.Error()}
	}
	return cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: strings.ToUpper(string(b)), Meta: map[string]string{"name": filename}}
}

func TestWorkerExtracts(t *testing.T) {
	for name, blobs := range map[string]blob.Store{"local": nil, "stream": blob.NewMem()} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, a := setup(t, blobs)
			d := upload(t, s, a, "报告.txt", "cod 排放 12 吨")
			w := pipeline.New(s, upperExtractor, pipeline.Config{TempDir: t.TempDir()})
			if n, err := w.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("RunOnce: %d %v", n, err)
			}
			txt, err := s.DocumentText(ctx, a, d.ID, 0)
			if err != nil || txt.Text != "COD 排放 12 吨" || txt.Meta["name"] != "报告.txt" {
				t.Fatalf("text %+v %v", txt, err)
			}
			if n, _ := s.PendingTextJobs(ctx, a.TenantID); n != 0 {
				t.Fatalf("%d pending", n)
			}
		})
	}
}

func TestWorkerSurvivesPanics(t *testing.T) {
	ctx := context.Background()
	s, a := setup(t, nil)
	d := upload(t, s, a, "炸弹.docx", "boom")
	var calls atomic.Int32
	panicky := func(ctx context.Context, r io.ReaderAt, size int64, ct, fn string) cpaudit.ExtractedText {
		calls.Add(1)
		panic("malformed input")
	}
	w := pipeline.New(s, panicky, pipeline.Config{Backoff: time.Nanosecond})
	for i := 0; i < storage.MaxTextAttempts; i++ {
		time.Sleep(time.Millisecond)
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != storage.MaxTextAttempts {
		t.Fatalf("%d attempts", calls.Load())
	}
	txt, err := s.DocumentText(ctx, a, d.ID, 0)
	if err != nil || txt.Status != cpaudit.TextFailed || !strings.Contains(txt.Reason, "malformed input") {
		t.Fatalf("after panics: %+v %v", txt, err)
	}
}

func TestWorkerRunStops(t *testing.T) {
	s, a := setup(t, nil)
	d := upload(t, s, a, "a.txt", "abc")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := pipeline.New(s, upperExtractor, pipeline.Config{Poll: 10 * time.Millisecond})
	go func() { w.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		doc, _ := s.Document(context.Background(), a, d.ID)
		if doc.Current.TextStatus == cpaudit.TextDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running worker did not extract the upload")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestWorkerWithRealExtractor runs the production extractor over a GBK
// text file end to end: upload, queue, extraction, stored text.
func TestWorkerWithRealExtractor(t *testing.T) {
	ctx := context.Background()
	s, a := setup(t, nil)
	gbk := "\xc7\xe5\xbd\xe0\xc9\xfa\xb2\xfa\r\n\xc9\xf3\xba\xcb" // 清洁生产\r\n审核 in GBK
	d := upload(t, s, a, "审核.txt", gbk)
	w := pipeline.New(s, pipeline.ExtractWith(slog.New(slog.DiscardHandler), extract.DefaultLimits()), pipeline.Config{})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	txt, err := s.DocumentText(ctx, a, d.ID, 0)
	if err != nil || txt.Status != cpaudit.TextDone || txt.Text != "清洁生产审核" {
		t.Fatalf("text %+v %v", txt, err)
	}
}

// TestWorkerKeepsTables: the tables the production extractor reads with
// a .docx's text reach the analysis with it.
func TestWorkerKeepsTables(t *testing.T) {
	ctx := context.Background()
	s, a := setup(t, nil)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl>` +
		`<w:tr><w:tc><w:p><w:r><w:t>方案</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>节水量（吨/年）</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>F1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>11000</w:t></w:r></w:p></w:tc></w:tr>` +
		`</w:tbl></w:body></w:document>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	d := upload(t, s, a, "节水台账.docx", buf.String())
	if _, err := pipeline.New(s, pipeline.ExtractWith(slog.New(slog.DiscardHandler), extract.DefaultLimits()), pipeline.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimAnalysisJobs(ctx, a.TenantID, 10, time.Minute, 0)
	if err != nil || len(jobs) != 1 || jobs[0].Source.DocumentID != d.ID {
		t.Fatalf("analysis jobs %+v %v", jobs, err)
	}
	want := []cpaudit.Table{{Name: "表1", Rows: [][]string{{"方案", "节水量(吨/年)"}, {"F1", "11000"}}}}
	if got := jobs[0].Source.Tables; !reflect.DeepEqual(got, want) {
		t.Errorf("tables %q, want %q", got, want)
	}
}

// TestWorkerHandsBackJobAtShutdown: when the server stops in the middle
// of an extraction, the job is handed back, due at once and with no
// attempt counted, and nothing is logged as a failure.
func TestWorkerHandsBackJobAtShutdown(t *testing.T) {
	s, a := setup(t, nil)
	d := upload(t, s, a, "报告.txt", "节水量一万二千吨")
	ctx, stop := context.WithCancel(context.Background())
	stopping := func(ctx context.Context, r io.ReaderAt, size int64, ct, fn string) cpaudit.ExtractedText {
		stop() // SIGTERM arrives while the text is being extracted
		return upperExtractor(ctx, r, size, ct, fn)
	}
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if _, err := pipeline.New(s, stopping, pipeline.Config{Logger: log}).RunOnce(ctx); err == nil {
		t.Fatal("RunOnce finished the job after its context ended")
	}
	if logged.Len() > 0 {
		t.Fatalf("logged at shutdown: %s", logged.String())
	}
	// The lease (10 minutes by default) is not waited out.
	if n, err := pipeline.New(s, upperExtractor, pipeline.Config{}).RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("after restart: %d %v", n, err)
	}
	txt, err := s.DocumentText(context.Background(), a, d.ID, 0)
	if err != nil || txt.Status != cpaudit.TextDone {
		t.Fatalf("text %+v %v", txt, err)
	}
}

// stoppingClaim is a store where the server is told to stop right after
// index jobs are claimed.
type stoppingClaim struct {
	*storage.Store
	stop context.CancelFunc
}

func (s stoppingClaim) ClaimIndexJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.IndexJob, error) {
	jobs, err := s.Store.ClaimIndexJobs(ctx, tenantID, limit, lease, maxText)
	s.stop()
	return jobs, err
}

// TestIndexerRecordsWorkDoneAtShutdown: documents indexed while the
// server is stopping are recorded as indexed, not left leased.
func TestIndexerRecordsWorkDoneAtShutdown(t *testing.T) {
	s, a := setup(t, nil)
	upload(t, s, a, "报告.txt", "节水量一万二千吨")
	if _, err := pipeline.New(s, upperExtractor, pipeline.Config{}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	set := index.NewSet(func(ctx context.Context, tenantID string) (string, error) { return filepath.Join(dir, tenantID), nil })
	defer set.Close()
	ctx, stop := context.WithCancel(context.Background())
	pipeline.NewIndexer(stoppingClaim{s, stop}, set, pipeline.Config{}).RunOnce(ctx)
	if st, err := s.SearchStatus(context.Background(), a.TenantID); err != nil || st.IndexPending != 0 {
		t.Fatalf("after indexing at shutdown: %+v %v", st, err)
	}
}
