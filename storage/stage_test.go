package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// chunkyReader returns at most n bytes per Read, like a network stream.
type chunkyReader struct {
	r io.Reader
	n int
}

func (c chunkyReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

func newLocalStore(t *testing.T, wrap func(*blob.Local) blob.Store) *Store {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	var bs blob.Store = blobs
	if wrap != nil {
		bs = wrap(blobs)
	}
	s, err := Open(context.Background(), Config{DataDir: dir, Blobs: bs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Stage hashes and writes every byte whatever the sizes of the reads and
// of the chunks it passes between its three goroutines: empty, smaller than
// a chunk, exactly chunks, and several chunks and a bit.
func TestStagePipeline(t *testing.T) {
	stores := map[string]*Store{"local (write-behind)": newLocalStore(t, nil), "memory": newTestStore(t, nil)}
	sizes := []int{0, 1, spoolChunk - 1, spoolChunk, 2 * spoolChunk, spoolDepth*spoolChunk*3 + 12345}
	for name, s := range stores {
		for _, size := range sizes {
			content := bytes.Repeat([]byte("清洁生产审核报告，"), size/27+1)[:size]
			for _, read := range []int{7777, 1 << 20} {
				st, err := s.stage(chunkyReader{bytes.NewReader(content), read}, int64(size)+1)
				if err != nil {
					t.Fatalf("%s: size %d: %v", name, size, err)
				}
				sum := sha256.Sum256(content)
				got, _ := os.ReadFile(st.file.Name())
				if st.Size != int64(size) || st.SHA256 != hex.EncodeToString(sum[:]) || !bytes.Equal(got, content) {
					t.Errorf("%s: size %d, reads of %d: staged %d bytes, sha %s", name, size, read, st.Size, st.SHA256)
				}
				st.Close()
			}
		}
		assertNoSpool(t, s)
	}
}

// The limit is checked on the stream, not on what the caller declared,
// also when it falls in the middle of a chunk.
func TestStageLimitMidChunk(t *testing.T) {
	s := newLocalStore(t, nil)
	max := int64(3*spoolChunk + 100)
	_, err := s.stage(chunkyReader{bytes.NewReader(make([]byte, max+1)), 5000}, max)
	mustKind(t, err, cpaudit.KindTooLarge)
	assertNoSpool(t, s)
}

// failingAdopt is a local store whose renames into place fail, like a
// full or read-only blob volume.
type failingAdopt struct{ *blob.Local }

func (failingAdopt) Adopt(context.Context, string, *os.File, int64) error {
	return cpaudit.Internal("test", errors.New("no space left on device"))
}

// On the local store the rows are written while the blob's fsync is in
// flight (commitUpload); a blob that does not become durable must roll
// them back, and both ways the upload lock must be released, or garbage
// collection would wait for ever.
func TestOverlappedCommitWaitsForBlob(t *testing.T) {
	ctx := context.Background()
	for name, wrap := range map[string]func(*blob.Local) blob.Store{
		"blob fails":    func(b *blob.Local) blob.Store { return failingAdopt{b} },
		"blob succeeds": nil,
	} {
		s := newLocalStore(t, wrap)
		f := newFixture(t, s, "hebei")
		_, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "监测报告.txt"}, "化学需氧量 COD 50 mg/L")
		_, total, _ := s.Documents(ctx, f.admin, cpaudit.DocumentFilter{})
		if wrap != nil {
			mustKind(t, err, cpaudit.KindInternal)
			if total != 0 {
				t.Errorf("%s: %d documents committed without their blob", name, total)
			}
		} else if err != nil || total != 1 {
			t.Fatalf("%s: %v, %d documents", name, err, total)
		}
		assertNoSpool(t, s)
		done := make(chan error, 1)
		go func() { _, err := s.CollectGarbage(ctx, time.Hour); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: garbage collection: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: garbage collection blocked: the upload lock was not released", name)
		}
	}
}

// Adopt places a new key before fsyncing it, but an existing key the
// careful way: a file left under the key by a crash between the rename
// and the fsync (here, wrong bytes of another length) is replaced, and
// uploads of the same bytes racing for one key all end with the key whole.
func TestAdoptReplacesWhatIsThere(t *testing.T) {
	ctx := context.Background()
	s := newLocalStore(t, nil)
	blobs := s.blobs.(*blob.Local)
	const content = "清洁生产审核报告：单位产品综合能耗 0.85 tce/t"
	sum := sha256.Sum256([]byte(content))
	key := blobKey("hebei", hex.EncodeToString(sum[:]))
	adopt := func() error {
		st, err := s.stage(strings.NewReader(content), 1<<20)
		if err != nil {
			return err
		}
		defer st.Close()
		return blobs.Adopt(ctx, key, st.file, st.Size)
	}
	read := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(s.dataDir, "blobs", filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	if err := adopt(); err != nil || read() != content {
		t.Fatalf("new key: %v, %q", err, read())
	}
	if err := os.WriteFile(filepath.Join(s.dataDir, "blobs", filepath.FromSlash(key)), []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := adopt(); err != nil || read() != content {
		t.Fatalf("over a half-written file: %v, %q", err, read())
	}

	if err := os.Remove(filepath.Join(s.dataDir, "blobs", filepath.FromSlash(key))); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() { errs <- adopt() }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if read() != content {
		t.Fatalf("after racing uploads: %q", read())
	}
	assertNoSpool(t, s)
}
