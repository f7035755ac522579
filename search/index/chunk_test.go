package index

import (
	"context"
	"fmt"
	"github.com/blevesearch/bleve/v2"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// smallChunks makes the tests chunk texts of a few dozen runes, with an
// overlap that covers queries of up to 8 runes.
func smallChunks(t *testing.T) {
	t.Helper()
	oldRunes, oldOverlap, oldBatch, oldChunkBatch := chunkRunes, chunkOverlap, batchRunes, chunkBatchRunes
	chunkRunes, chunkOverlap, batchRunes, chunkBatchRunes = 32, 7, 100, 40
	t.Cleanup(func() {
		chunkRunes, chunkOverlap, batchRunes, chunkBatchRunes = oldRunes, oldOverlap, oldBatch, oldChunkBatch
	})
}

// TestParts checks that chunks start every chunkRunes runes, overlap by
// chunkOverlap, end with the text, and that every window of
// chunkOverlap+1 runes lies whole in one of them.
func TestParts(t *testing.T) {
	smallChunks(t)
	for n := 0; n < 200; n++ {
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = rune('一' + i)
		}
		text := string(rs)
		ps := parts(text)
		if n <= chunkRunes+chunkOverlap {
			if len(ps) != 1 || ps[0].text != text || ps[0].of != 1 {
				t.Fatalf("%d runes: %d parts", n, len(ps))
			}
			continue
		}
		covered := make([]bool, n)
		for k, p := range ps {
			if p.k != k || p.of != len(ps) {
				t.Fatalf("%d runes: part %d is %d of %d", n, k, p.k, p.of)
			}
			start := utf8.RuneCountInString(text[:strings.Index(text, p.text)])
			if start != k*chunkRunes {
				t.Fatalf("%d runes: chunk %d starts at %d", n, k, start)
			}
			end := start + utf8.RuneCountInString(p.text)
			if want := min(n, (k+1)*chunkRunes+chunkOverlap); end != want && k < len(ps)-1 || k == len(ps)-1 && end != n {
				t.Fatalf("%d runes: chunk %d ends at %d, want %d", n, k, end, want)
			}
			for i := start; i+chunkOverlap < end; i++ {
				covered[i] = true
			}
			if k == len(ps)-1 {
				for i := start; i < end; i++ {
					covered[i] = true
				}
			}
		}
		for i, c := range covered {
			if !c {
				t.Fatalf("%d runes: a window starting at %d is in no chunk", n, i)
			}
		}
		if last := ps[len(ps)-1]; len(ps) > 1 && utf8.RuneCountInString(last.text) <= chunkOverlap {
			t.Fatalf("%d runes: the last chunk only repeats its predecessor", n)
		}
	}
}

// TestSearchChunkedDocuments indexes texts most of which are split into
// chunks and checks every count against a substring scan of the whole
// texts: phrases across chunk boundaries, terms in different chunks of
// one document, exclusions found in another chunk, filters, paging, and
// replacing and deleting chunked documents.
func TestSearchChunkedDocuments(t *testing.T) {
	smallChunks(t)
	texts := testCorpus(150)
	chunked := 0
	for _, text := range texts {
		if len(parts(text)) > 1 {
			chunked++
		}
	}
	if chunked < 100 {
		t.Fatalf("only %d of %d texts chunked", chunked, len(texts))
	}
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	r := rand.New(rand.NewPCG(11, 11))
	queries := []string{"生", "生产", "审核小组", "清洁生产审核", "a", "cod", "0"}
	for range 300 {
		queries = append(queries, randomSubstring(r, texts, 8))
	}
	for range 150 {
		q := randomSubstring(r, texts, 6) + " " + randomSubstring(r, texts, 4)
		if r.IntN(2) == 0 {
			q += " -" + randomSubstring(r, texts, 5)
		}
		queries = append(queries, q)
	}
	checkCounts(t, ix, texts, queries)
	for _, q := range []Query{
		{Q: "生产", AllowAll: true, Limit: 7},
		{Q: "生", AllowAll: true, Limit: 9},
		{Q: "生产 -审核小组", AllowAll: true, Limit: 5, Kind: "report"},
	} {
		checkPages(t, ix, texts, q)
	}
	if n, err := ix.DocCount(); err != nil || n != uint64(len(texts)) {
		t.Fatalf("DocCount %d, %v; want %d", n, err, len(texts))
	}
	// A filter no document passes: chunks carry no fields, and none may
	// be counted for lack of them.
	res, err := ix.Search(context.Background(), Query{Q: "生", AllowAll: true, Kind: "guideline"})
	if err != nil || res.Total != 0 {
		t.Fatalf("kind filter: %d, %v", res.Total, err)
	}
	// Shorten some chunked documents, lengthen others, delete some: no
	// chunk of an old version may answer.
	for i := 0; i < len(texts); i += 3 {
		texts[i] = texts[(i+1)%len(texts)][:min(len(texts[(i+1)%len(texts)]), 20)]
		if err := ix.Put(Doc{ID: fmt.Sprintf("d%d", i), Kind: "report", Text: texts[i]}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < len(texts); i += 5 {
		texts[i] = texts[i] + texts[(i+2)%len(texts)]
		if err := ix.Put(Doc{ID: fmt.Sprintf("d%d", i), Kind: "report", Text: texts[i]}); err != nil {
			t.Fatal(err)
		}
	}
	var gone []string
	for i := 2; i < len(texts); i += 7 {
		gone = append(gone, fmt.Sprintf("d%d", i))
		texts[i] = ""
	}
	if err := ix.Delete(gone...); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, ix, texts, queries)
	if n, err := ix.DocCount(); err != nil || n != uint64(len(texts)-len(gone)) {
		t.Fatalf("after deletes: DocCount %d, %v; want %d", n, err, len(texts)-len(gone))
	}
}

// TestPutBatchesByRunes checks that Put hands scorch batches of at most
// batchRunes runes of whole documents, and of at most chunkBatchRunes of
// a long text's chunks (one part beyond when a part alone is larger),
// however many documents or runes it is given.
func TestPutBatchesByRunes(t *testing.T) {
	smallChunks(t)
	ix, _ := openTest(t)
	runesOf := func(docs []Doc) int {
		n := 0
		for _, d := range docs {
			for _, p := range parts(d.Text) {
				n += utf8.RuneCountInString(p.text)
			}
		}
		return n
	}
	put := func(docs []Doc) uint64 {
		t.Helper()
		before := batches(t, ix)
		if err := ix.Put(docs...); err != nil {
			t.Fatal(err)
		}
		return batches(t, ix) - before
	}
	// Whole documents of 30 runes, three to a batch of 100.
	var whole []Doc
	for i := range 40 {
		whole = append(whole, Doc{ID: fmt.Sprintf("w%d", i), Text: strings.Repeat("清洁生产审", 6)})
	}
	if got, runes := put(whole), runesOf(whole); got < uint64(runes/batchRunes) || got > uint64(len(whole)/3+1) {
		t.Errorf("%d runes of whole documents in %d batches: want batches of up to %d runes", runes, got, batchRunes)
	}
	// A long text's chunks of 39 runes, one to a batch of 40.
	long := []Doc{{ID: "long", Text: strings.Repeat("清洁生产审核", 100)}}
	if got, runes := put(long), runesOf(long); got < uint64(runes/chunkBatchRunes) {
		t.Errorf("%d runes of chunks in %d batches: more than %d runes in some batch", runes, got, chunkBatchRunes)
	}
}

// batches is how many batches scorch has taken, in both indexes.
func batches(t *testing.T, ix *Index) uint64 {
	t.Helper()
	var total uint64
	for _, b := range []bleve.Index{ix.b, ix.long} {
		idx, _ := b.StatsMap()["index"].(map[string]any)
		n, ok := idx["TotBatches"].(uint64)
		if !ok {
			t.Fatalf("no TotBatches in %v", idx)
		}
		total += n
	}
	return total
}

// TestPutLongTextBoundedMemory indexes one text of a million random Han
// characters (every bigram distinct, the worst case: indexed whole it took
// 850 bytes of memory per rune) and checks that the heap stays within a
// bound that does not depend on the text's length.
func TestPutLongTextBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes a million runes")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for range 1_000_000 {
		b.WriteRune(rune(0x4e00 + r.IntN(6000)))
	}
	text := b.String()
	ix, _ := openTest(t)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	peak := base
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}()
	err := ix.Put(Doc{ID: "long", Kind: "report", Text: text})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	const bound = 192 << 20
	t.Logf("heap in use: %d MiB before, %d MiB at most while indexing", base>>20, peak>>20)
	if peak-base > bound {
		t.Errorf("indexing a text of a million runes took %d MiB of heap, more than %d MiB", (peak-base)>>20, bound>>20)
	}
	at := 1 << 16 // where the first chunk ends, as chunked now
	probe := string([]rune(text)[at-3 : at+5])
	if got := count(t, ix, probe); got != 1 {
		t.Errorf("%q across a chunk boundary: %d documents", probe, got)
	}
}
