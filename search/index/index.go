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
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/cpaudit/cpaudit"
)

// format names the way documents are encoded into fields. An index written
// with another format cannot answer correctly and must be rebuilt
// (cpaudit reindex).
const format = "cpaudit-grams-7"

// formatKey is where the format is kept, in bleve's internal storage.
const formatKey = "cpaudit_format"

// Index is one tenant's full-text index. It is safe for concurrent use.
type Index struct {
	b         bleve.Index
	closeOnce sync.Once
	closeErr  error
}

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
	const op = "index.Open"
	b, err := bleve.OpenUsing(dir, runtimeConfig())
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) || errors.Is(err, bleve.ErrorIndexMetaMissing) {
		return create(dir)
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
	return &Index{b: b}, nil
}

func create(dir string) (*Index, error) {
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
	b, err = bleve.OpenUsing(dir, runtimeConfig())
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	return &Index{b: b}, nil
}

// runtimeConfig is scorch's configuration at run time: its defaults, which
// measured best (see scripts/bench-search).
func runtimeConfig() map[string]any {
	return map[string]any{}
}

// Close closes the index; it must not be used afterwards. Closing again
// does nothing.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() { ix.closeErr = cpaudit.Internal("index.Close", ix.b.Close()) })
	return ix.closeErr
}

// Put adds or replaces docs in one batch: when it returns nil they are
// searchable and on disk. Callers indexing many documents should pass a
// few hundred at a time, from as many goroutines as there are cores:
// scorch builds concurrent batches' segments in parallel, which is most
// of the work. It returns a KindInvalid error for a document without id
// or with a date bleve cannot represent.
func (ix *Index) Put(docs ...Doc) error {
	const op = "index.Put"
	if len(docs) == 0 {
		return nil
	}
	batch := ix.b.NewBatch()
	for _, d := range docs {
		doc, err := newDocument(d)
		if err != nil {
			return err
		}
		if err := batch.IndexAdvanced(doc); err != nil {
			return cpaudit.Internal(op, err)
		}
	}
	return cpaudit.Internal(op, ix.b.Batch(batch))
}

// Delete removes the documents with these ids; unknown ids are ignored.
func (ix *Index) Delete(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	batch := ix.b.NewBatch()
	for _, id := range ids {
		batch.Delete(id)
	}
	return cpaudit.Internal("index.Delete", ix.b.Batch(batch))
}

// Compact merges the index into one segment and waits until it is done
// (about a sixth of the time the load took): after a bulk load such as
// cpaudit reindex, queries then read one dictionary per term instead of
// one per segment, and background merges stop competing with them.
// Scorch keeps merging on its own otherwise; Compact is never needed for
// correctness.
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

// DocCount is the number of documents in the index.
func (ix *Index) DocCount() (uint64, error) {
	n, err := ix.b.DocCount()
	return n, cpaudit.Internal("index.DocCount", err)
}

// newDocument encodes d into bleve fields. Empty values are left out, so
// a filter on a value never matches a document without one.
func newDocument(d Doc) (*document.Document, error) {
	if d.ID == "" {
		return nil, cpaudit.Errorf(cpaudit.KindInvalid, "a document to index needs an id")
	}
	doc := document.NewDocument(d.ID)
	doc.AddField(&gramField{text: d.Text})
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
