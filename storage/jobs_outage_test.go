package storage

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// outageBlobs is a blob store whose reads fail as S3's do in an outage:
// down, Open answers KindUnavailable; broken, the stream breaks off after
// a few bytes with a bare network error.
type outageBlobs struct {
	blob.Store
	down, broken atomic.Bool
}

func (o *outageBlobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	switch {
	case o.down.Load():
		return nil, &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: "test.Open", Message: "object storage is unreachable"}
	case o.broken.Load():
		return io.NopCloser(io.MultiReader(strings.NewReader("清洁"), iotest.ErrReader(errors.New("read tcp: connection reset by peer")))), nil
	}
	return o.Store.Open(ctx, key)
}

// TestJobsOutlastAnOutage (issue 25, item 2): a background job that cannot
// read its blob because the object store is down, or breaks off mid-read,
// is put back without counting the attempt, however long the outage: the
// version is neither marked failed nor its analysis given up, and once
// the store answers the job completes. Other failures still count.
func TestJobsOutlastAnOutage(t *testing.T) {
	ctx := context.Background()
	blobs := &outageBlobs{Store: blob.NewMem()}
	s := newTestStore(t, blobs)
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "现场照片.jpg", ContentType: "image/jpeg"}, "清洁生产审核现场照片")
	if err != nil {
		t.Fatal(err)
	}
	claimText := func(round int) cpaudit.TextJob {
		t.Helper()
		jobs, err := s.ClaimTextJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("round %d: claimed %d extraction jobs (%v); the outage gave the job up", round, len(jobs), err)
		}
		if jobs[0].Attempts != 1 {
			t.Errorf("round %d: attempt %d, want 1: the outage counted", round, jobs[0].Attempts)
		}
		return jobs[0]
	}

	// Down for three times the attempts a crashing parser gets, then
	// breaking off mid-read as often.
	for round := range 2 * MaxTextAttempts {
		blobs.down.Store(round < MaxTextAttempts)
		blobs.broken.Store(round >= MaxTextAttempts)
		j := claimText(round)
		rc, err := s.OpenJobContent(ctx, j)
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		if !cpaudit.IsKind(err, cpaudit.KindUnavailable) {
			t.Fatalf("round %d: reading the blob in an outage: %v, want KindUnavailable", round, err)
		}
		if err := s.RetryTextJob(ctx, j, err, 0); err != nil {
			t.Fatal(err)
		}
	}
	if doc, _ := s.Document(ctx, f.consultant, d.ID); doc.Current.TextStatus != cpaudit.TextPending {
		t.Fatalf("after the outage the text is %s, want pending", doc.Current.TextStatus)
	}

	// The store is back: the extraction completes.
	blobs.down.Store(false)
	blobs.broken.Store(false)
	j := claimText(2 * MaxTextAttempts)
	rc, err := s.OpenJobContent(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if err := s.CompleteTextJob(ctx, j, cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: string(b)}); err != nil {
		t.Fatal(err)
	}

	// The analysis reads the image the same way.
	claimAnalysis := func(round int) cpaudit.AnalysisJob {
		t.Helper()
		jobs, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("round %d: claimed %d analysis jobs (%v); the outage gave the job up", round, len(jobs), err)
		}
		if jobs[0].Attempts != 1 {
			t.Errorf("round %d: analysis attempt %d, want 1: the outage counted", round, jobs[0].Attempts)
		}
		return jobs[0]
	}
	for round := range 2 * MaxAnalysisAttempts {
		blobs.down.Store(round%2 == 0)
		blobs.broken.Store(round%2 == 1)
		j := claimAnalysis(round)
		rc, err := s.OpenAnalysisContent(ctx, j)
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		if !cpaudit.IsKind(err, cpaudit.KindUnavailable) {
			t.Fatalf("round %d: reading the image in an outage: %v, want KindUnavailable", round, err)
		}
		if gaveUp, err := s.RetryAnalysisJob(ctx, j, err, 0); err != nil || gaveUp {
			t.Fatalf("round %d: gave up %v (%v)", round, gaveUp, err)
		}
	}

	// Any other failure still counts, and is given up after its maximum.
	blobs.down.Store(false)
	blobs.broken.Store(false)
	for round := range MaxAnalysisAttempts {
		jobs, err := s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 10, time.Minute, 0)
		if err != nil || len(jobs) != 1 || jobs[0].Attempts != round+1 {
			t.Fatalf("round %d: %+v %v", round, jobs, err)
		}
		gaveUp, err := s.RetryAnalysisJob(ctx, jobs[0], errors.New("the detector panicked"), 0)
		if err != nil || gaveUp != (round == MaxAnalysisAttempts-1) {
			t.Fatalf("round %d: gave up %v (%v)", round, gaveUp, err)
		}
	}
}
