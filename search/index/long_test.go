package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLongTextsApart checks the index of chunked documents: a long text
// is kept there, not among whole documents; a document that grows long
// or shrinks moves between the two and is counted once; both survive a
// reopening; Delete reaches both.
func TestLongTextsApart(t *testing.T) {
	smallChunks(t)
	ix, dir := openTest(t)
	ctx := context.Background()
	short := "清洁生产审核报告"
	long := strings.Repeat("清洁生产审核", 40) // 240 runes: chunked
	count := func(q string) int {
		t.Helper()
		res, err := ix.Search(ctx, Query{Q: q, AllowAll: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	where := func() (whole, chunked uint64) {
		t.Helper()
		w, err := docCount(ix.b)
		if err != nil {
			t.Fatal(err)
		}
		c, err := docCount(ix.long)
		if err != nil {
			t.Fatal(err)
		}
		return w, c
	}
	if err := ix.Put(Doc{ID: "a", Text: long}, Doc{ID: "b", Text: short}); err != nil {
		t.Fatal(err)
	}
	if w, c := where(); w != 1 || c != 1 {
		t.Fatalf("whole %d, chunked %d; want 1 and 1", w, c)
	}
	if n := count("审核"); n != 2 {
		t.Fatalf("审核: %d documents, want 2", n)
	}
	// a shrinks, b grows: each moves.
	if err := ix.Put(Doc{ID: "a", Text: short}, Doc{ID: "b", Text: long}); err != nil {
		t.Fatal(err)
	}
	if w, c := where(); w != 1 || c != 1 {
		t.Fatalf("after the move: whole %d, chunked %d; want 1 and 1", w, c)
	}
	if n := count("审核"); n != 2 {
		t.Fatalf("after the move, 审核: %d documents, want 2", n)
	}
	if n, err := ix.DocCount(); err != nil || n != 2 {
		t.Fatalf("DocCount %d, %v; want 2", n, err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	var err error
	if ix, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if n := count("审核"); n != 2 {
		t.Fatalf("reopened, 审核: %d documents, want 2", n)
	}
	if err := ix.Delete("a", "b"); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.DocCount(); err != nil || n != 0 {
		t.Fatalf("after Delete: DocCount %d, %v; want 0", n, err)
	}
}

// TestPagesAcrossIndexes checks that the answers of the two indexes merge
// into one order: pages taken one after another are the whole list, by
// relevance (score, then id) and by date (newest, then id), with the
// exact total.
func TestPagesAcrossIndexes(t *testing.T) {
	smallChunks(t)
	ix, _ := openTest(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := range 30 {
		text := strings.Repeat("审核", 1+i%4) + "报告"
		if i%3 == 0 {
			text += strings.Repeat("清洁生产", 20) // chunked
		}
		docs = append(docs, Doc{ID: fmt.Sprintf("d%02d", i), Kind: "report", Text: text, UploadedAt: day.Add(time.Duration(i%7) * time.Hour)})
	}
	if err := ix.Put(docs...); err != nil {
		t.Fatal(err)
	}
	if _, c := ix.long.DocCount(); c != nil {
		t.Fatal(c)
	}
	for _, byDate := range []bool{false, true} {
		all, err := ix.Search(ctx, Query{Q: "审核", AllowAll: true, Limit: 100, SortByDate: byDate})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != len(docs) || len(all.Hits) != len(docs) {
			t.Fatalf("byDate=%v: total %d, %d hits; want %d", byDate, all.Total, len(all.Hits), len(docs))
		}
		ordered := slices.IsSortedFunc(all.Hits, func(x, y Hit) int {
			if byDate {
				return 0
			}
			if x.Score != y.Score {
				if x.Score > y.Score {
					return -1
				}
				return 1
			}
			return strings.Compare(x.ID, y.ID)
		})
		if !ordered {
			t.Fatalf("byDate=%v: hits not in order: %v", byDate, all.Hits)
		}
		var paged []Hit
		for off := 0; off < len(docs); off += 7 {
			page, err := ix.Search(ctx, Query{Q: "审核", AllowAll: true, Limit: 7, Offset: off, SortByDate: byDate})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(docs) {
				t.Fatalf("byDate=%v offset %d: total %d, want %d", byDate, off, page.Total, len(docs))
			}
			paged = append(paged, page.Hits...)
		}
		if !slices.Equal(paged, all.Hits) {
			t.Fatalf("byDate=%v: pages %v, want %v", byDate, paged, all.Hits)
		}
		if byDate {
			byID := map[string]Doc{}
			for _, d := range docs {
				byID[d.ID] = d
			}
			for i := 1; i < len(all.Hits); i++ {
				a, b := byID[all.Hits[i-1].ID], byID[all.Hits[i].ID]
				if a.UploadedAt.Before(b.UploadedAt) || a.UploadedAt.Equal(b.UploadedAt) && a.ID > b.ID {
					t.Fatalf("by date: %s (%v) before %s (%v)", a.ID, a.UploadedAt, b.ID, b.UploadedAt)
				}
			}
		}
	}
}
