package index

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// Long texts are indexed in chunks, because what scorch needs to index a
// text grows with its length: gramField's terms and locations, then zap's
// in-memory segment, take about 850 bytes per rune of text whose bigrams
// are all distinct (random characters), so one text of 2 million runes
// took 1.7 GB. A text longer than chunkRunes becomes several bleve
// documents: the first, under the document's id, holds the filter fields
// and runes [0, chunkRunes+chunkOverlap); chunk k (id chunkID(id, k))
// holds runes [k·chunkRunes, (k+1)·chunkRunes+chunkOverlap) and nothing
// else. Every chunk, the first included, has the document's id in
// fieldChunkOf. Put hands bleve at most batchRunes runes at a time, and a
// long text's chunks chunkBatchRunes at a time, so memory is bounded
// whatever a document's size.
//
// Chunks overlap by chunkOverlap runes, one less than the longest query
// term (MaxQueryRunes: normalising and folding never lengthen a term), so
// every occurrence of a term lies whole in some chunk: the one where it
// starts. A search still answers for documents: a term's searcher finds
// the chunks of chunked documents in a pass of its own, without the
// narrowing to the bigrams of the query's other terms (which may be in
// another chunk), and reports each such document once, under its first
// chunk's internal number (see chunkedSearcher). Filters, the conjunction
// of terms, exclusions, counts and sorting then see documents only.

// Chunking parameters; variables for the tests, which chunk small texts.
var (
	chunkRunes   = 1 << 16           // runes of text each chunk starts
	chunkOverlap = MaxQueryRunes - 1 // runes a chunk repeats of the next one
	// Runes of text in one bleve batch, at most (beyond one part): the
	// chunks of a long text go in batches of chunkBatchRunes, whole
	// documents in batches of batchRunes. A long text is where memory per
	// rune can be worst (text of random characters makes every bigram a
	// term of its own: several hundred bytes a rune while a segment is
	// built), and the large batches are what makes indexing many ordinary
	// documents fast (scripts/bench-search: 0.78x FTS5's throughput with
	// every batch at 128k runes, 1.09x with 1M for whole documents). One
	// chunk a batch took the 50 MB text's peak from 450-487 MiB to 398-417
	// (scripts/bench-memory) in the same time.
	batchRunes      = 1 << 20
	chunkBatchRunes = 1 << 16
)

// fieldChunkOf holds, in every chunk of a chunked document, its id.
const fieldChunkOf = "ch"

// chunkSep separates a document's id from a chunk's number in the chunk's
// id. Ids never contain it (newDocument refuses them).
const chunkSep = "\x00"

func chunkID(id string, k int) string { return id + chunkSep + strconv.Itoa(k) }

// part is one bleve document of a Doc: the whole of it, or a chunk.
type part struct {
	k    int    // chunk number, 0 for the first
	of   int    // the document's chunks, 1 when it is not chunked
	text string // a slice of the document's text
}

// parts splits a document's text into chunks, without copying it.
// Chunk k starts at rune k·chunkRunes and ends chunkOverlap runes into
// the next one, or at the end; the last chunk is the first whose end is
// the text's.
func parts(text string) []part {
	n := len(text) // bytes: at least the runes
	if n > chunkRunes+chunkOverlap {
		n = utf8.RuneCountInString(text)
	}
	if n <= chunkRunes+chunkOverlap {
		return []part{{of: 1, text: text}}
	}
	chunks := (n - chunkOverlap + chunkRunes - 1) / chunkRunes
	out := make([]part, chunks)
	r := 0
	for i := range text {
		if k := r / chunkRunes; r%chunkRunes == 0 && k < chunks {
			out[k] = part{k: k, of: chunks, text: text[i:]}
		}
		if k := (r-chunkOverlap)/chunkRunes - 1; r > chunkOverlap && (r-chunkOverlap)%chunkRunes == 0 && k < chunks-1 {
			// rune r is where chunk k ends
			start := len(text) - len(out[k].text)
			out[k].text = text[start:i]
		}
		r++
	}
	return out
}

// chunkMap says which internal numbers of a snapshot are chunks of
// chunked documents, and where their first chunks are.
type chunkMap struct {
	first  map[uint64]uint64 // every chunk, the first included → its first chunk
	sorted []uint64          // the keys of first, ascending
	heads  int               // chunked documents
}

func (m *chunkMap) has(n uint64) bool {
	_, ok := m.first[n]
	return ok
}

// readChunkMap reads r's chunks; nil when no document is chunked, which
// costs one lookup of an empty field.
func readChunkMap(ctx context.Context, r bleveindex.IndexReader) (*chunkMap, error) {
	dict, err := r.FieldDict(fieldChunkOf)
	if err != nil {
		return nil, err
	}
	defer dict.Close()
	var m *chunkMap
	var tfd bleveindex.TermFieldDoc
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		head, err := r.InternalID(e.Term)
		if err != nil {
			return nil, err
		}
		if len(head) == 0 {
			continue // a deleted document's chunks, deleted too
		}
		tfr, err := r.TermFieldReader(ctx, []byte(e.Term), fieldChunkOf, false, false, false)
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = &chunkMap{first: map[uint64]uint64{}}
		}
		m.heads++
		for {
			d, err := tfr.Next(tfd.Reset())
			if err != nil {
				tfr.Close()
				return nil, err
			}
			if d == nil {
				break
			}
			m.first[d.ID.Value()] = head.Value()
		}
		tfr.Close()
	}
	if m != nil {
		m.sorted = make([]uint64, 0, len(m.first))
		for n := range m.first {
			m.sorted = append(m.sorted, n)
		}
		slices.Sort(m.sorted)
	}
	return m, nil
}

// chunkCache shares the chunk map of a reader between the searchers of
// one search (its terms, and the halves of byRelevance).
type chunkCache struct {
	mu  sync.Mutex
	r   bleveindex.IndexReader
	m   *chunkMap
	err error
}

func (c *chunkCache) get(ctx context.Context, r bleveindex.IndexReader) (*chunkMap, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.r != r {
		c.r = r
		c.m, c.err = readChunkMap(ctx, r)
	}
	return c.m, c.err
}

// chunkHit is a chunked document a term occurs in: its first chunk's
// internal number, and the best score among its chunks.
type chunkHit struct {
	n     uint64
	score float64
}

// findInChunks runs s (a searcher of one term, not narrowed by other
// terms) over the chunks of m and returns the documents it matches, by
// first chunk, ascending.
func findInChunks(r bleveindex.IndexReader, s search.Searcher, m *chunkMap) ([]chunkHit, error) {
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	best := map[uint64]float64{}
	var id bleveindex.IndexInternalID
	for i := 0; i < len(m.sorted); {
		id = bleveindex.NewIndexInternalID(id, m.sorted[i])
		dm, err := s.Advance(sctx, id)
		if err != nil || dm == nil {
			if err != nil {
				return nil, err
			}
			break
		}
		n := dm.IndexInternalID.Value()
		if head, ok := m.first[n]; ok {
			if sc, seen := best[head]; !seen || dm.Score > sc {
				best[head] = dm.Score
			}
		}
		sctx.DocumentMatchPool.Put(dm)
		// On to the next chunk after what s found.
		i, _ = slices.BinarySearch(m.sorted, n+1)
	}
	out := make([]chunkHit, 0, len(best))
	for n, sc := range best {
		out = append(out, chunkHit{n, sc})
	}
	slices.SortFunc(out, func(a, b chunkHit) int { return compareUint(a.n, b.n) })
	return out, nil
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// chunkedSearcher reports the documents a term occurs in when some are
// chunked: those main (narrowed like any term's searcher) finds among
// the documents that are not chunked, merged in order with those found
// in chunks beforehand (extra), each under its first chunk.
type chunkedSearcher struct {
	main  search.Searcher
	m     *chunkMap
	extra []chunkHit
	next  int                   // of extra
	cur   *search.DocumentMatch // main's next match, not yet returned
	done  bool                  // main is exhausted
	id    bleveindex.IndexInternalID
}

// pull moves cur to main's next match that is not a chunk, at or after
// target when target is not nil.
func (s *chunkedSearcher) pull(ctx *search.SearchContext, target bleveindex.IndexInternalID) error {
	if s.done {
		return nil
	}
	if s.cur != nil && (target == nil || s.cur.IndexInternalID.Compare(target) >= 0) {
		return nil
	}
	if s.cur != nil {
		ctx.DocumentMatchPool.Put(s.cur)
		s.cur = nil
	}
	var dm *search.DocumentMatch
	var err error
	if target != nil {
		dm, err = s.main.Advance(ctx, target)
	} else {
		dm, err = s.main.Next(ctx)
	}
	for err == nil && dm != nil && s.m.has(dm.IndexInternalID.Value()) {
		ctx.DocumentMatchPool.Put(dm)
		dm, err = s.main.Next(ctx)
	}
	if err != nil {
		return err
	}
	s.cur, s.done = dm, dm == nil
	return nil
}

func (s *chunkedSearcher) emit(ctx *search.SearchContext) *search.DocumentMatch {
	if s.next < len(s.extra) && (s.cur == nil || s.extra[s.next].n < s.cur.IndexInternalID.Value()) {
		h := s.extra[s.next]
		s.next++
		dm := ctx.DocumentMatchPool.Get()
		dm.IndexInternalID = bleveindex.NewIndexInternalID(dm.IndexInternalID, h.n)
		dm.Score = h.score
		return dm
	}
	dm := s.cur
	s.cur = nil
	return dm
}

func (s *chunkedSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if err := s.pull(ctx, nil); err != nil {
		return nil, err
	}
	return s.emit(ctx), nil
}

func (s *chunkedSearcher) Advance(ctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	if err := s.pull(ctx, id); err != nil {
		return nil, err
	}
	target := id.Value()
	for s.next < len(s.extra) && s.extra[s.next].n < target {
		s.next++
	}
	return s.emit(ctx), nil
}

func (s *chunkedSearcher) Count() uint64              { return s.main.Count() + uint64(len(s.extra)) }
func (s *chunkedSearcher) Close() error               { return s.main.Close() }
func (s *chunkedSearcher) Weight() float64            { return s.main.Weight() }
func (s *chunkedSearcher) SetQueryNorm(n float64)     { s.main.SetQueryNorm(n) }
func (s *chunkedSearcher) Min() int                   { return 0 }
func (s *chunkedSearcher) Size() int                  { return s.main.Size() + 16*len(s.extra) }
func (s *chunkedSearcher) DocumentMatchPoolSize() int { return s.main.DocumentMatchPoolSize() + 1 }
