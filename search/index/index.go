// Package index owns the full-text index of one tenant: a bleve (scorch)
// index whose answers are exact, so that a regulator's spot check finds
// every document containing a phrase and counts them exactly, and fast.
//
// How exactness is kept. The indexed text is the normalised extracted
// text (extract.Normalize), folded to lower case rune by rune; a query
// term is normalised and folded the same way (ParseQuery). One field
// holds the text's bigrams, a term at every rune offset, and for the
// bigrams at even offsets (the tiles) their positions and the two runes
// on either side (see gramField). A term of one or two runes is answered
// from the dictionary and the postings alone; a longer one by finding,
// for either parity of its start, tiles at the right distances whose
// surrounding runes are the term's (see substringQuery). Every rune of the
// term is compared, so a match is a substring match: there is no
// tokenisation to disagree with a substring scan, and nothing to verify
// against the text afterwards. Spaces, digits, punctuation and Latin
// letters are runes like any other.
//
// Filters (kind, audit, enterprise, consultancy, industry, region, step,
// upload date) and the caller's visibility are keyword and numeric fields
// of the same document, applied as bleve filters, so Total counts only
// what the caller may read. Nothing but the document id is stored: the
// text for fragments comes from the caller (see Fragments).
//
// Nothing is registered in bleve's global registries: the text field is
// built by our own document.Field and queried by our own query type.
// Only package search/... imports bleve.
package index

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	bleveindex "github.com/blevesearch/bleve_index_api"
	zapx "github.com/blevesearch/zapx/v17"

	"github.com/cpaudit/cpaudit"
)

// format names the way documents are encoded into fields. An index written
// with another format cannot answer correctly and must be rebuilt
// (cpaudit reindex).
const format = "cpaudit-grams-8"

// formatKey is where the format is kept, in bleve's internal storage.
const formatKey = "cpaudit_format"

// Index is one tenant's full-text index. It is safe for concurrent use.
//
// It is two bleve indexes: whole documents in dir, and the chunked ones
// (see chunk.go) in dir/long, which scorch merges only into segments of
// at most longSegmentChunks chunks. Scorch's merge policy caps a merged
// segment by its number of documents, not by bytes: in one index, the
// chunks of a 50 MB text of random characters were merged with each
// other into segments of up to 136 MiB whose merging kept some 500 MiB of
// segment files mapped at once (issue 24). Apart, ordinary documents
// still merge into few large segments (fast searches), and long texts into
// segments of about a million runes each. A search asks both and merges
// the answers.
type Index struct {
	b         bleve.Index // whole documents
	long      bleve.Index // chunked documents
	closeOnce sync.Once
	closeErr  error
}

// longDir is the directory of the index of chunked documents, in the
// index's own: renaming the index (Rebuild) moves both.
const longDir = "long"

// longSegmentChunks is the largest merged segment of the index of
// chunked documents, in chunks (about chunkRunes runes each).
const longSegmentChunks = 16

// Doc is what the index knows of one document: its id, what filters and
// visibility need, and its normalised text (extract.Normalize).
type Doc struct {
	ID            string
	Kind          string // report, evidence, guideline, other
	AuditID       string
	EnterpriseID  string // the audit's enterprise
	ConsultancyID string // the audit's consultancy
	OrgID         string // the organisation that uploaded the document
	CreatedByID   string // the user who uploaded it
	Industry      string
	Region        string // indexed with the divisions above it (cpaudit.RegionAncestors)
	Step          int    // 1..35, 0 when none
	Phase         string // P1..P7, "" when none
	UploadedAt    time.Time
	Text          string
}

// Open opens the index in dir, creating it if dir holds none. It returns
// a KindConflict error when dir holds an index of another format.
func Open(dir string) (*Index, error) {
	tuneZap()
	b, err := openBleve(dir, runtimeConfig())
	if err != nil {
		return nil, err
	}
	long, err := openBleve(filepath.Join(dir, longDir), longConfig())
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	return &Index{b: b, long: long}, nil
}

// openBleve opens one of an Index's bleve indexes, creating it if dir
// holds none.
func openBleve(dir string, config map[string]any) (bleve.Index, error) {
	const op = "index.Open"
	b, err := bleve.OpenUsing(dir, config)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) || errors.Is(err, bleve.ErrorIndexMetaMissing) {
		return create(dir, config)
	}
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	got, err := b.GetInternal([]byte(formatKey))
	if err == nil && string(got) != format {
		err = &cpaudit.Error{Kind: cpaudit.KindConflict, Op: op,
			Message: fmt.Sprintf("the search index in %s has format %q, not %q: rebuild it with cpaudit reindex", dir, got, format)}
	}
	if err != nil {
		_ = b.Close()
		return nil, cpaudit.Internal(op, err)
	}
	return b, nil
}

func create(dir string, config map[string]any) (bleve.Index, error) {
	const op = "index.Open"
	m := bleve.NewIndexMapping()
	// Documents are built field by field (see newDocument) and given to
	// bleve with IndexAdvanced, which bypasses the mapping; disabling the
	// default mapping makes sure nothing else gets indexed by accident.
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	b, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	if err := b.SetInternal([]byte(formatKey), []byte(format)); err != nil {
		_ = b.Close()
		return nil, cpaudit.Internal(op, err)
	}
	// Reopen so that the runtime configuration applies from the start.
	if err := b.Close(); err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	b, err = bleve.OpenUsing(dir, config)
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	return b, nil
}

// runtimeConfig is scorch's configuration at run time: its defaults, which
// measured best (see scripts/bench-search).
func runtimeConfig() map[string]any {
	return map[string]any{}
}

// longConfig is the configuration of the index of chunked documents:
// merged segments of at most longSegmentChunks chunks. (FloorSegmentSize
// is the smallest size the merge planner's tiers assume; its default,
// 2,000 documents, is larger than any segment here.)
func longConfig() map[string]any {
	return map[string]any{"scorchMergePlanOptions": map[string]any{
		"MaxSegmentSize":   longSegmentChunks,
		"FloorSegmentSize": 2,
	}}
}

// tuneZap sets zap's one process-wide knob that cpaudit changes, once,
// before the first index is opened (not in init: importing the package
// must not change a library's behaviour for other users of it).
//
// zap sizes the buffer of a new segment as the bytes per document of the
// previous segment it built times the batch's documents plus this bump
// (100): after a batch of one long chunk, the next batch of one reserved a
// hundred chunks' worth, 300 MB for chunks of 64k runes (measured with a
// heap profile while indexing a text of 8 million runes). Without the bump
// the estimate is the batch's own size.
var tuneZap = sync.OnceFunc(func() { zapx.NewSegmentBufferNumResultsBump = 0 })

// Close closes the index; it must not be used afterwards. Closing again
// does nothing.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		err := ix.b.Close()
		if lerr := ix.long.Close(); err == nil {
			err = lerr
		}
		ix.closeErr = cpaudit.Internal("index.Close", err)
	})
	return ix.closeErr
}

// Put adds or replaces docs: when it returns nil they are searchable and
// on disk. Documents are handed to scorch in batches of at most
// batchRunes runes of text, a long text in chunks (see chunk.go) in
// batches of chunkBatchRunes, so that the memory indexing takes is
// bounded whatever the documents' sizes; a failure may thus leave some of
// docs replaced and others not, which putting them again repairs. A
// document that becomes chunked, or stops being, moves between the two
// indexes (for the moment between the two writes, a search may count it
// twice). Callers indexing many documents should pass a few hundred at a
// time, from as many goroutines as there are cores: scorch builds
// concurrent batches' segments in parallel, which is most of the work. It
// returns a KindInvalid error for a document without id or with a date
// bleve cannot represent.
func (ix *Index) Put(docs ...Doc) error {
	const op = "index.Put"
	if len(docs) == 0 {
		return nil
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	whole, err := entriesOf(ix.b, ids)
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	chunked, err := entriesOf(ix.long, ids)
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	wholeBatch := &batcher{b: ix.b, limit: batchRunes}
	longBatch := &batcher{b: ix.long, limit: chunkBatchRunes}
	for i, d := range docs {
		ps := parts(d.Text)
		to, was, other, wasOther := wholeBatch, whole[i], longBatch, chunked[i]
		if len(ps) > 1 {
			to, was, other, wasOther = longBatch, chunked[i], wholeBatch, whole[i]
		}
		for _, p := range ps {
			doc, err := newDocument(d, p)
			if err != nil {
				return err
			}
			if err := to.add(doc, utf8.RuneCountInString(p.text)); err != nil {
				return cpaudit.Internal(op, err)
			}
		}
		// Chunks a longer version had and this one has not.
		for k := max(len(ps), 1); k < was.chunks; k++ {
			to.batch().Delete(chunkID(d.ID, k))
		}
		if wasOther.present {
			other.deleteDoc(d.ID, wasOther.chunks)
		}
	}
	if err := longBatch.flush(); err != nil {
		return cpaudit.Internal(op, err)
	}
	return cpaudit.Internal(op, wholeBatch.flush())
}

// batcher writes documents to one bleve index in batches of at most limit
// runes of text (beyond one document).
type batcher struct {
	b     bleve.Index
	limit int
	cur   *bleve.Batch
	runes int
}

func (w *batcher) batch() *bleve.Batch {
	if w.cur == nil {
		w.cur = w.b.NewBatch()
	}
	return w.cur
}

func (w *batcher) add(doc *document.Document, runes int) error {
	if w.runes > 0 && w.runes+runes > w.limit {
		if err := w.flush(); err != nil {
			return err
		}
	}
	w.runes += runes
	return w.batch().IndexAdvanced(doc)
}

// deleteDoc deletes a document and its chunks after the first.
func (w *batcher) deleteDoc(id string, chunks int) {
	w.batch().Delete(id)
	for k := 1; k < chunks; k++ {
		w.batch().Delete(chunkID(id, k))
	}
}

func (w *batcher) flush() error {
	if w.cur == nil || w.cur.Size() == 0 {
		return nil
	}
	err := w.b.Batch(w.cur)
	w.cur, w.runes = nil, 0
	return err
}

// entry is what one of the two indexes holds of a document.
type entry struct {
	present bool
	chunks  int // 0 when not chunked
}

// entriesOf returns what b holds of each of ids.
func entriesOf(b bleve.Index, ids []string) ([]entry, error) {
	r, err := reader(b)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]entry, len(ids))
	if n, err := r.DocCount(); err != nil || n == 0 {
		return out, err // the usual index of chunked documents: empty
	}
	var tfd bleveindex.TermFieldDoc
	for i, id := range ids {
		n, err := r.InternalID(id)
		if err != nil {
			return nil, err
		}
		out[i].present = len(n) > 0
		if !out[i].present {
			continue
		}
		tfr, err := r.TermFieldReader(context.Background(), []byte(id), fieldChunkOf, false, false, false)
		if err != nil {
			return nil, err
		}
		for {
			d, err := tfr.Next(tfd.Reset())
			if err != nil {
				tfr.Close()
				return nil, err
			}
			if d == nil {
				break
			}
			out[i].chunks++
		}
		tfr.Close()
	}
	return out, nil
}

// Delete removes the documents with these ids, and their chunks; unknown
// ids are ignored.
func (ix *Index) Delete(ids ...string) error {
	const op = "index.Delete"
	if len(ids) == 0 {
		return nil
	}
	for _, b := range [...]bleve.Index{ix.b, ix.long} {
		held, err := entriesOf(b, ids)
		if err != nil {
			return cpaudit.Internal(op, err)
		}
		w := &batcher{b: b}
		for i, id := range ids {
			if held[i].present {
				w.deleteDoc(id, held[i].chunks)
			}
		}
		if err := w.flush(); err != nil {
			return cpaudit.Internal(op, err)
		}
	}
	return nil
}

// Compact merges the index of whole documents into one segment and waits
// until it is done
// (about a sixth of the time the load took): after a bulk load such as
// cpaudit reindex, queries then read one dictionary per term instead of
// one per segment, and background merges stop competing with them.
// Scorch keeps merging on its own otherwise; Compact is never needed for
// correctness. The chunked documents are left in their segments of a
// bounded size: merging them into one is what took memory without bound.
func (ix *Index) Compact(ctx context.Context) error {
	const op = "index.Compact"
	adv, err := ix.b.Advanced()
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return cpaudit.Internal(op, fmt.Errorf("index is a %T, not scorch", adv))
	}
	one := mergeplan.SingleSegmentMergePlanOptions // a copy: bleve's is a package variable
	return cpaudit.Internal(op, s.ForceMerge(ctx, &one))
}

// DocCount is the number of documents in the index (a chunked one counts
// once).
func (ix *Index) DocCount() (uint64, error) {
	const op = "index.DocCount"
	var total uint64
	for _, b := range [...]bleve.Index{ix.b, ix.long} {
		n, err := docCount(b)
		if err != nil {
			return 0, cpaudit.Internal(op, err)
		}
		total += n
	}
	return total, nil
}

func docCount(b bleve.Index) (uint64, error) {
	r, err := reader(b)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n, err := r.DocCount()
	if err != nil {
		return 0, err
	}
	m, err := readChunkMap(context.Background(), r)
	if err != nil {
		return 0, err
	}
	if m != nil {
		n -= uint64(len(m.first) - m.heads)
	}
	return n, nil
}

// reader opens a reader of b's current snapshot; the caller closes it.
func reader(b bleve.Index) (bleveindex.IndexReader, error) {
	adv, err := b.Advanced()
	if err != nil {
		return nil, err
	}
	return adv.Reader()
}

// newDocument encodes part p of d into bleve fields. Empty values are
// left out, so a filter on a value never matches a document without one.
// A chunk after the first has its text and fieldChunkOf only.
func newDocument(d Doc, p part) (*document.Document, error) {
	if d.ID == "" || strings.Contains(d.ID, chunkSep) {
		return nil, cpaudit.Errorf(cpaudit.KindInvalid, "a document to index needs an id without NUL")
	}
	if p.k > 0 {
		doc := document.NewDocument(chunkID(d.ID, p.k))
		doc.AddField(&gramField{text: p.text})
		doc.AddField(keywordField(fieldChunkOf, d.ID))
		return doc, nil
	}
	doc := document.NewDocument(d.ID)
	doc.AddField(&gramField{text: p.text})
	if p.of > 1 {
		doc.AddField(keywordField(fieldChunkOf, d.ID))
	}
	for _, kw := range [...]struct{ name, value string }{
		{fieldKind, d.Kind},
		{fieldAudit, d.AuditID},
		{fieldEnt, d.EnterpriseID},
		{fieldCons, d.ConsultancyID},
		{fieldOrg, d.OrgID},
		{fieldCreator, d.CreatedByID},
		{fieldIndustry, d.Industry},
		{fieldPhase, d.Phase},
	} {
		if kw.value != "" {
			doc.AddField(keywordField(kw.name, kw.value))
		}
	}
	for _, r := range cpaudit.RegionAncestors(d.Region) {
		doc.AddField(keywordField(fieldRegion, r))
	}
	if d.Step != 0 {
		doc.AddField(keywordField(fieldStep, strconv.Itoa(d.Step)))
	}
	if !d.UploadedAt.IsZero() {
		f, err := document.NewDateTimeFieldWithIndexingOptions(fieldDate, nil, d.UploadedAt, time.RFC3339,
			bleveindex.IndexField|bleveindex.DocValues)
		if err != nil {
			return nil, cpaudit.Errorf(cpaudit.KindInvalid, "document %s: upload date %v cannot be indexed", d.ID, d.UploadedAt)
		}
		doc.AddField(f)
	}
	return doc, nil
}

// DocFrom is what the index keeps of a document storage describes.
func DocFrom(src cpaudit.SearchSource) Doc {
	d := Doc{ID: src.DocumentID, Kind: string(src.Kind), AuditID: src.AuditID, EnterpriseID: src.EnterpriseID,
		ConsultancyID: src.ConsultancyID, OrgID: src.OrgID, CreatedByID: src.CreatedByID, Industry: src.Industry,
		Region: src.Region, Step: src.Step, UploadedAt: src.UploadedAt, Text: src.Text}
	if src.Step != 0 {
		d.Phase = cpaudit.PhaseOfStep(src.Step)
	}
	return d
}

// Scope sets q's visibility from what storage says the caller may read.
func (q *Query) Scope(sc cpaudit.SearchScope) {
	q.AllowAll, q.AllowUserID, q.AllowOrgIDs, q.AllowAuditIDs, q.AllowRegion = sc.All, sc.UserID, sc.OrgIDs, sc.AuditIDs, sc.Region
	q.Stale = sc.Stale
	q.AllowKinds = q.AllowKinds[:0]
	for _, k := range sc.Kinds {
		q.AllowKinds = append(q.AllowKinds, string(k))
	}
}
