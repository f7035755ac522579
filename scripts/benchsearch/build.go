package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cpaudit/cpaudit/search/index"
)

// built is what building one engine's index measured.
type built struct {
	took, cpu           time.Duration // loading every document
	compact, compactCPU time.Duration // ours: the final merge into one segment
	peak, anon, base    int64         // peak RSS, peak anonymous memory, RSS before
	reused              bool          // -keep found it built by an earlier run
}

// keepMark names the file that says, under -keep, which corpus the
// indexes in the work directory hold; it is written once both are built.
const keepMark = "keep.txt"

func keepKey(c config) string { return fmt.Sprintf("n=%d mean=%d seed=%d\n", c.n, c.mean, c.seed) }

// reusable reports whether -keep may reuse the indexes in c.dir.
func reusable(c config) bool {
	b, err := os.ReadFile(filepath.Join(c.dir, keepMark))
	return c.keep && err == nil && string(b) == keepKey(c)
}

// buildOurs indexes docs with cpaudit's index from c.writers goroutines at
// once, as cpaudit's indexer does (scorch builds concurrent batches'
// segments in parallel), then compacts it as cpaudit reindex does.
func buildOurs(ctx context.Context, c config, docs []corpusDoc) (*index.Index, built, error) {
	dir := filepath.Join(c.dir, "ours")
	if reusable(c) {
		ix, err := index.Open(dir)
		return ix, built{reused: true}, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, built{}, err
	}
	os.Remove(filepath.Join(c.dir, keepMark))
	var b built
	settle()
	b.base = resetPeak()
	anon := sampleAnon()
	stopProfile := startProfile(c.profile, "index.pprof")
	defer stopProfile()
	t0, cpu0 := time.Now(), cpuTime()
	ix, err := index.Open(dir)
	if err != nil {
		return nil, b, err
	}
	batches := make(chan []index.Doc)
	errs := make(chan error, c.writers)
	var wg sync.WaitGroup
	for range c.writers {
		wg.Go(func() {
			for batch := range batches {
				if err := ix.Put(batch...); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := 0; i < len(docs); i += c.batch {
		var batch []index.Doc
		for k, d := range docs[i:min(len(docs), i+c.batch)] {
			batch = append(batch, index.Doc{ID: d.id, Kind: d.kind, AuditID: d.audit, EnterpriseID: d.ent,
				ConsultancyID: d.cons, Step: d.step, UploadedAt: time.Unix(1767225600+int64(i+k), 0), Text: d.text})
		}
		batches <- batch
	}
	close(batches)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		ix.Close()
		return nil, b, err
	}
	b.took, b.cpu = time.Since(t0), cpuTime()-cpu0
	b.peak = peak()
	if n, err := ix.DocCount(); err != nil || n != uint64(len(docs)) {
		ix.Close()
		return nil, b, fmt.Errorf("ours holds %d documents (%v), want %d", n, err, len(docs))
	}
	// Every document is searchable and on disk now; a bulk load then
	// merges the index into one segment (what cpaudit reindex does), which
	// also stops background merges from competing with the queries.
	t0, cpu0 = time.Now(), cpuTime()
	if err := ix.Compact(ctx); err != nil {
		ix.Close()
		return nil, b, err
	}
	b.compact, b.compactCPU = time.Since(t0), cpuTime()-cpu0
	b.peak = max(b.peak, peak())
	b.anon = anon()
	return ix, b, nil
}

// buildFTS loads docs into the FTS5 baseline, one transaction per batch.
// Under -keep it then marks both indexes reusable.
func buildFTS(c config, docs []corpusDoc) (*fts, built, error) {
	file := filepath.Join(c.dir, "fts.db")
	if reusable(c) {
		f, err := openFTS(file)
		return f, built{reused: true}, err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(file + suffix)
	}
	var b built
	settle()
	b.base = resetPeak()
	anon := sampleAnon()
	t0, cpu0 := time.Now(), cpuTime()
	f, err := openFTS(file)
	if err != nil {
		return nil, b, err
	}
	for i := 0; i < len(docs); i += c.batch {
		var texts []string
		for _, d := range docs[i:min(len(docs), i+c.batch)] {
			texts = append(texts, d.text)
		}
		if err := f.put(texts); err != nil {
			f.close()
			return nil, b, err
		}
	}
	b.took, b.cpu = time.Since(t0), cpuTime()-cpu0
	b.peak = peak()
	b.anon = anon()
	if c.keep {
		if err := os.WriteFile(filepath.Join(c.dir, keepMark), []byte(keepKey(c)), 0o644); err != nil {
			f.close()
			return nil, b, err
		}
	}
	return f, b, nil
}
