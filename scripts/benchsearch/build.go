package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/cpaudit/cpaudit/search/index"
)

// Each engine builds its index in a child process of its own (this
// program run with -child), reading the corpus from a file batch by
// batch, so that both are measured the same way: the wall time of the
// load and of the final merge (our compaction, FTS5's 'optimize'), and
// from the kernel's rusage of the child, its CPU time (user+system, every
// thread) and its peak resident set. Neither child holds the corpus in
// memory, so the peak is the indexer's own.

// built is what building one engine's index measured.
type built struct {
	Load, LoadCPU     time.Duration // loading every document (child's wall time, and its CPU)
	Finish, FinishCPU time.Duration // the final merge into one segment
	Anon              int64         // peak anonymous resident memory (sampled every 20 ms)
	cpu               time.Duration // the whole child: user+system CPU time (rusage)
	peak              int64         // the whole child: peak resident set (ru_maxrss)
	reused            bool          // -keep found it built by an earlier run
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

// corpusFile is where the parent writes the corpus for the children.
func corpusFile(dir string) string { return filepath.Join(dir, "corpus.bin") }

// buildBoth builds both indexes, ours first, each in its child process.
func buildBoth(c config, docs []corpusDoc) (ours, fb built, err error) {
	if reusable(c) {
		return built{reused: true}, built{reused: true}, nil
	}
	os.Remove(filepath.Join(c.dir, keepMark))
	if err := writeCorpus(corpusFile(c.dir), docs); err != nil {
		return ours, fb, err
	}
	defer os.Remove(corpusFile(c.dir))
	if ours, err = buildChild(c, "ours"); err != nil {
		return ours, fb, err
	}
	if fb, err = buildChild(c, "fts"); err != nil {
		return ours, fb, err
	}
	if c.keep {
		err = os.WriteFile(filepath.Join(c.dir, keepMark), []byte(keepKey(c)), 0o644)
	}
	return ours, fb, err
}

// buildChild runs this program with -child engine and reads what it
// measured, adding its rusage.
func buildChild(c config, engine string) (built, error) {
	exe, err := os.Executable()
	if err != nil {
		return built{}, err
	}
	args := []string{"-child", engine, "-dir", c.dir, "-batch", strconv.Itoa(c.batch), "-writers", strconv.Itoa(c.writers)}
	if c.profile != "" {
		args = append(args, "-profile", c.profile)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return built{}, fmt.Errorf("building %s: %w", engine, err)
	}
	var b built
	if err := json.Unmarshal(out, &b); err != nil {
		return built{}, fmt.Errorf("building %s: %w: %q", engine, err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return built{}, errors.New("no rusage for the child")
	}
	b.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	b.peak = ru.Maxrss << 10 // kB on Linux
	return b, nil
}

// child builds one engine's index in c.dir from the corpus file and
// prints what it measured as JSON.
func child(c config, engine string, out io.Writer) error {
	var b built
	var err error
	switch engine {
	case "ours":
		b, err = childOurs(c)
	case "fts":
		b, err = childFTS(c)
	default:
		err = fmt.Errorf("-child %q: ours or fts", engine)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(b)
}

// childOurs indexes the corpus with cpaudit's index from c.writers
// goroutines at once, as cpaudit's indexer does (scorch builds concurrent
// batches' segments in parallel), then compacts it as cpaudit reindex
// does.
func childOurs(c config) (built, error) {
	var b built
	dir := filepath.Join(c.dir, "ours")
	if err := os.RemoveAll(dir); err != nil {
		return b, err
	}
	anon := sampleAnon()
	stopProfile := startProfile(c.profile, "index.pprof")
	t0, cpu0 := time.Now(), cpuTime()
	ix, err := index.Open(dir)
	if err != nil {
		return b, err
	}
	defer ix.Close()
	batches := make(chan []index.Doc)
	errs := make(chan error, c.writers+1)
	var wg sync.WaitGroup
	for range c.writers {
		wg.Go(func() {
			for batch := range batches {
				if err := ix.Put(batch...); err != nil {
					errs <- err
					for range batches { // drain
					}
					return
				}
			}
		})
	}
	n, err := readCorpus(corpusFile(c.dir), c.batch, func(first int, docs []corpusDoc) {
		batch := make([]index.Doc, len(docs))
		for k, d := range docs {
			batch[k] = index.Doc{ID: d.id, Kind: d.kind, AuditID: d.audit, EnterpriseID: d.ent,
				ConsultancyID: d.cons, Step: d.step, UploadedAt: time.Unix(1767225600+int64(first+k), 0), Text: d.text}
		}
		batches <- batch
	})
	close(batches)
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	if err != nil {
		return b, err
	}
	b.Load, b.LoadCPU = time.Since(t0), cpuTime()-cpu0
	if got, err := ix.DocCount(); err != nil || got != uint64(n) {
		return b, fmt.Errorf("ours holds %d documents (%v), want %d", got, err, n)
	}
	// Every document is searchable and on disk now; a bulk load then
	// merges the index into one segment (what cpaudit reindex does), which
	// also stops background merges from competing with the queries.
	t0, cpu0 = time.Now(), cpuTime()
	if err := ix.Compact(context.Background()); err != nil {
		return b, err
	}
	if err := ix.Close(); err != nil {
		return b, err
	}
	b.Finish, b.FinishCPU = time.Since(t0), cpuTime()-cpu0
	stopProfile()
	b.Anon = anon()
	return b, nil
}

// childFTS loads the corpus into the FTS5 baseline, one transaction per
// batch, then optimises it.
func childFTS(c config) (built, error) {
	var b built
	file := filepath.Join(c.dir, "fts.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(file + suffix)
	}
	anon := sampleAnon()
	t0, cpu0 := time.Now(), cpuTime()
	f, err := openFTS(file)
	if err != nil {
		return b, err
	}
	defer f.close()
	var perr error
	_, err = readCorpus(corpusFile(c.dir), c.batch, func(first int, docs []corpusDoc) {
		if perr != nil {
			return
		}
		texts := make([]string, len(docs))
		for k, d := range docs {
			texts[k] = d.text
		}
		perr = f.put(int64(first+1), texts)
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return b, err
	}
	b.Load, b.LoadCPU = time.Since(t0), cpuTime()-cpu0
	t0, cpu0 = time.Now(), cpuTime()
	if err := f.optimize(); err != nil {
		return b, err
	}
	if err := f.close(); err != nil {
		return b, err
	}
	b.Finish, b.FinishCPU = time.Since(t0), cpuTime()-cpu0
	b.Anon = anon()
	return b, nil
}

// writeCorpus writes docs to file: per document its fields, each a
// uvarint length and the bytes (step as a decimal string).
func writeCorpus(file string, docs []corpusDoc) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n [binary.MaxVarintLen64]byte
	for _, d := range docs {
		for _, s := range [...]string{d.id, d.kind, d.audit, d.ent, d.cons, strconv.Itoa(d.step), d.text} {
			w.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
			w.WriteString(s)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readCorpus reads the documents writeCorpus wrote and hands them to fn
// in batches of size, with the number of the batch's first document; it
// returns how many it read.
func readCorpus(file string, size int, fn func(first int, docs []corpusDoc)) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	field := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return "", err
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return string(b), err
	}
	total := 0
	var batch []corpusDoc
	for {
		var fs [7]string
		i := 0
		for ; i < len(fs); i++ {
			if fs[i], err = field(); err != nil {
				break
			}
		}
		if i == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, err
		}
		step, _ := strconv.Atoi(fs[5])
		batch = append(batch, corpusDoc{id: fs[0], kind: fs[1], audit: fs[2], ent: fs[3], cons: fs[4], step: step, text: fs[6]})
		if len(batch) == size {
			fn(total, batch)
			total += len(batch)
			batch = nil
		}
	}
	if len(batch) > 0 {
		fn(total, batch)
		total += len(batch)
	}
	return total, nil
}
