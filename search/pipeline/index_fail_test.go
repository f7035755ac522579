package pipeline_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
)

// unindexable hands the indexer one document it cannot index (an upload
// date bleve cannot represent stands in for any document the index
// refuses).
type unindexable struct {
	*storage.Store
	docID string
}

func (u unindexable) ClaimIndexJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.IndexJob, error) {
	jobs, err := u.Store.ClaimIndexJobs(ctx, tenantID, limit, lease, maxText)
	for i := range jobs {
		if jobs[i].Source.DocumentID == u.docID {
			jobs[i].Source.UploadedAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	return jobs, err
}

// TestIndexerFailsWhatItCannotIndex: a document the index refuses is left
// out and its text marked failed with a reason, while the others of its
// batch are indexed and no job is left to come back every lease.
func TestIndexerFailsWhatItCannotIndex(t *testing.T) {
	ctx := context.Background()
	s, a := setup(t, nil)
	good := upload(t, s, a, "报告.txt", "节水量一万二千吨")
	bad := upload(t, s, a, "台账.txt", "用水台账二〇二五年")
	if _, err := pipeline.New(s, upperExtractor, pipeline.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	set := index.NewSet(func(ctx context.Context, tenantID string) (string, error) { return filepath.Join(dir, tenantID), nil })
	defer set.Close()
	if _, err := pipeline.NewIndexer(unindexable{s, bad.ID}, set, pipeline.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := s.SearchStatus(ctx, a.TenantID); err != nil || st.IndexPending != 0 {
		t.Fatalf("after indexing: %+v %v", st, err)
	}
	for id, want := range map[string]cpaudit.TextStatus{good.ID: cpaudit.TextDone, bad.ID: cpaudit.TextFailed} {
		d, err := s.Document(ctx, a, id)
		if err != nil || d.Current.TextStatus != want {
			t.Errorf("%s: %s %v, want %s", id, d.Current.TextStatus, err, want)
		}
	}
	txt, err := s.DocumentText(ctx, a, bad.ID, 0)
	if err != nil || txt.Reason == "" {
		t.Errorf("the failed text says why: %+v %v", txt, err)
	}
	ix, err := set.For(ctx, a.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ix.DocCount(); err != nil || n != 1 {
		t.Errorf("%d documents in the index, want the good one alone (%v)", n, err)
	}
}
