package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

func TestDocumentsAndVisibility(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")

	report := cpaudit.NewDocument{Kind: cpaudit.DocReport, Title: "中期审核报告", AuditID: f.audit.ID, Step: 22,
		Filename: "中期报告.txt", ContentType: "text/plain; charset=utf-8"}
	d, err := f.upload(t, f.consultant, report, "清洁生产审核中期报告正文")
	if err != nil {
		t.Fatal(err)
	}
	if d.Current.Number != 1 || d.Current.Size != int64(len("清洁生产审核中期报告正文")) || d.Current.TextStatus != cpaudit.TextPending || d.OrgID != f.cons.ID {
		t.Fatalf("created %+v", d)
	}

	// Who may read it: the firm, the audited enterprise, regulators,
	// experts, admins; not another firm, nor another tenant.
	for _, a := range []cpaudit.Actor{f.consultant, f.enterprise, f.regulator, f.expert, f.admin} {
		if _, err := s.Document(ctx, a, d.ID); err != nil {
			t.Errorf("%s cannot read: %v", a.Email, err)
		}
	}
	for _, a := range []cpaudit.Actor{f.other, f.publisher, f.unbound, g.admin, g.consultant} {
		_, err := s.Document(ctx, a, d.ID)
		mustKind(t, err, cpaudit.KindNotFound)
		_, _, err = s.OpenContent(ctx, a, d.ID, 0)
		mustKind(t, err, cpaudit.KindNotFound)
		docs, total, err := s.Documents(ctx, a, cpaudit.DocumentFilter{})
		if err != nil || total != 0 || len(docs) != 0 {
			t.Errorf("%s lists %d documents", a.Email, total)
		}
	}

	// Guidelines: only publishers publish; everyone reads.
	_, err = f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocGuideline, Filename: "g.txt"}, "指南")
	mustKind(t, err, cpaudit.KindConflict)
	gl, err := f.upload(t, f.publisher, cpaudit.NewDocument{Kind: cpaudit.DocGuideline, Filename: "印染行业指南.txt"}, "印染行业清洁生产审核指南")
	if err != nil {
		t.Fatal(err)
	}
	if gl.Title != "印染行业指南.txt" {
		t.Errorf("title defaults to the file name, got %q", gl.Title)
	}
	if _, err := s.Document(ctx, f.other, gl.ID); err != nil {
		t.Errorf("guideline not readable by another firm: %v", err)
	}
	_, err = f.upload(t, f.expert, cpaudit.NewDocument{Kind: cpaudit.DocOther, Filename: "x"}, "x")
	mustKind(t, err, cpaudit.KindConflict)

	// Uploading into an audit one cannot see is "not found".
	_, err = f.upload(t, f.other, report, "copy")
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = f.upload(t, g.consultant, report, "copy")
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocReport, Step: 36, Filename: "x"}, "x")
	mustKind(t, err, cpaudit.KindInvalid)

	// Versions: the firm adds one, the old one stays readable.
	st, _ := s.stage(strings.NewReader("第二版报告"), 1<<20)
	defer st.Close()
	_, err = s.AddVersion(ctx, f.other, d.ID, "v2.txt", "text/plain", st)
	mustKind(t, err, cpaudit.KindNotFound)
	_, err = s.AddVersion(ctx, f.enterprise, d.ID, "v2.txt", "text/plain", st)
	mustKind(t, err, cpaudit.KindConflict) // readable, but not theirs to replace
	d2, err := s.AddVersion(ctx, f.consultant, d.ID, "v2.txt", "text/plain", st)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Current.Number != 2 || len(d2.Versions) != 2 || d2.Versions[1].Number != 1 {
		t.Fatalf("versions: %+v", d2.Versions)
	}
	for v, want := range map[int]string{0: "第二版报告", 1: "清洁生产审核中期报告正文", 2: "第二版报告"} {
		_, rc, err := s.OpenContent(ctx, f.enterprise, d.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != want {
			t.Errorf("version %d: %q", v, b)
		}
	}
	_, _, err = s.OpenContent(ctx, f.enterprise, d.ID, 3)
	mustKind(t, err, cpaudit.KindNotFound)

	// Listing and paging.
	docs, total, err := s.Documents(ctx, f.regulator, cpaudit.DocumentFilter{Limit: 1})
	if err != nil || total != 2 || len(docs) != 1 || docs[0].ID != gl.ID {
		t.Fatalf("page 1: %d %v %v", total, docs, err)
	}
	docs, _, _ = s.Documents(ctx, f.regulator, cpaudit.DocumentFilter{Limit: 1, Offset: 1})
	if len(docs) != 1 || docs[0].ID != d.ID || docs[0].Current.Number != 2 {
		t.Fatalf("page 2: %+v", docs)
	}
	docs, total, _ = s.Documents(ctx, f.regulator, cpaudit.DocumentFilter{Kind: cpaudit.DocGuideline})
	if total != 1 || docs[0].ID != gl.ID {
		t.Fatalf("kind filter: %d", total)
	}

	// The audit trail has the upload, the new version and the downloads.
	log, err := s.ObjectLog(ctx, f.regulator, "document", d.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Email)
	}
	got := strings.Join(actions, ", ")
	for _, want := range []string{"document.upload zhang@lvyuan.cn", "document.version zhang@lvyuan.cn", "document.download wang@yinran.cn"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q: %s", want, got)
		}
	}
	if log[0].ClientAddr != "10.0.0.1" {
		t.Errorf("client address %q", log[0].ClientAddr)
	}
}

func TestStageLimits(t *testing.T) {
	s := newTestStore(t, nil)
	_, err := s.stage(strings.NewReader(strings.Repeat("x", 101)), 100)
	mustKind(t, err, cpaudit.KindTooLarge)
	st, err := s.stage(strings.NewReader(strings.Repeat("x", 100)), 100)
	if err != nil || st.Size != 100 {
		t.Fatal(err)
	}
	st.Close()
	_, err = s.stage(io.MultiReader(strings.NewReader("half"), errReader{}), 100)
	mustKind(t, err, cpaudit.KindInvalid)
	assertNoSpool(t, s)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func assertNoSpool(t *testing.T, s *Store) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(s.dataDir, "tmp"))
	if len(entries) != 0 {
		t.Errorf("%d spool files left behind", len(entries))
	}
}

// failingBlobs fails every Put, like a full disk or an S3 outage.
type failingBlobs struct{ blob.Store }

func (failingBlobs) Put(context.Context, string, io.Reader, int64) error {
	return cpaudit.Internal("test", errors.New("disk full"))
}

func TestFailedBlobLeavesNoDocument(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, failingBlobs{blob.NewMem()})
	f := newFixture(t, s, "hebei")
	_, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "照片.jpg"}, "jpeg bytes")
	mustKind(t, err, cpaudit.KindInternal)
	_, total, _ := s.Documents(ctx, f.admin, cpaudit.DocumentFilter{})
	if total != 0 {
		t.Errorf("%d documents after a failed upload", total)
	}
	assertNoSpool(t, s)
}

func TestCollectGarbage(t *testing.T) {
	ctx := context.Background()
	blobs := blob.NewMem()
	s := newTestStore(t, blobs)
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "a.txt"}, "kept")
	if err != nil {
		t.Fatal(err)
	}
	orphan := blobKey("hebei", strings.Repeat("ab", 32))
	if err := blobs.Put(ctx, orphan, strings.NewReader("orphan"), 6); err != nil {
		t.Fatal(err)
	}
	// Young orphans survive (an upload may be between blob and row).
	if n, err := s.CollectGarbage(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("young: removed %d, %v", n, err)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if n, err := s.CollectGarbage(ctx, time.Hour); err != nil || n != 1 {
		t.Fatalf("old: removed %d, %v", n, err)
	}
	if _, err := blobs.Stat(ctx, orphan); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Error("orphan still there")
	}
	if _, err := blobs.Stat(ctx, blobKey("hebei", d.Current.SHA256)); err != nil {
		t.Errorf("referenced blob removed: %v", err)
	}
}

func TestUploadAdoptsStagedFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, Config{DataDir: dir, Blobs: blobs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "照片.txt"}, "现场照片说明")
	if err != nil {
		t.Fatal(err)
	}
	// The staged file became the blob: nothing left in the spool or in
	// the blob store's temporary directory.
	assertNoSpool(t, s)
	if entries, _ := os.ReadDir(filepath.Join(dir, "blobs", ".tmp")); len(entries) != 0 {
		t.Errorf("%d blob temp files", len(entries))
	}
	b, err := os.ReadFile(filepath.Join(dir, "blobs", "hebei", "sha256", d.Current.SHA256[:2], d.Current.SHA256))
	if err != nil || string(b) != "现场照片说明" {
		t.Fatalf("blob: %q %v", b, err)
	}
	// Adopt refuses a file whose size is not what the caller says.
	st, _ := s.stage(strings.NewReader("abc"), 10)
	defer st.Close()
	mustKind(t, blobs.Adopt(ctx, "hebei/x", st.file, 4), cpaudit.KindInvalid)

	// CleanTemp removes a stale spool file and keeps a fresh one.
	stale := filepath.Join(dir, "tmp", "upload-stale")
	os.WriteFile(stale, []byte("x"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	if err := s.CleanTemp(time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale spool file kept")
	}
	if _, err := os.Stat(st.file.Name()); err != nil {
		t.Error("fresh spool file removed")
	}
}
