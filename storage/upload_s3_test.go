package storage

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
)

// An upload to a store on S3 goes through PutSHA256 and lands whole under
// its content address, leaving no spool file.
func TestUploadToS3(t *testing.T) {
	ctx := context.Background()
	b := blobtest.Bucket(t)
	blobs, err := blob.NewS3(ctx, blob.S3Config{Endpoint: b.Endpoint, AccessKey: b.AccessKey, SecretKey: b.SecretKey, Bucket: b.Bucket, Prefix: b.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingS3{S3: blobs}
	s, err := Open(ctx, Config{DataDir: t.TempDir(), Blobs: counted, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := newFixture(t, s, "hebei")
	content := strings.Repeat("单位产品取水量 3.2 m³/t；", 4000)
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "取水台账.txt"}, content)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := blobs.Open(ctx, blobKey("hebei", d.Current.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != content {
		t.Fatalf("blob of %d bytes, want the %d uploaded", len(got), len(content))
	}
	if n := counted.hashed.Load(); n != 1 {
		t.Errorf("%d uploads sent with their SHA-256, want 1", n)
	}
	assertNoSpool(t, s)
}

// countingS3 counts the uploads that go through PutSHA256.
type countingS3 struct {
	*blob.S3
	hashed atomic.Int32
}

func (c *countingS3) PutSHA256(ctx context.Context, key string, r io.ReaderAt, size int64, sha256Hex string) error {
	c.hashed.Add(1)
	return c.S3.PutSHA256(ctx, key, r, size, sha256Hex)
}
