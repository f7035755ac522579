package index

import (
	"context"
	"math"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// substringQuery is a bleve query matching exactly the documents whose
// folded text contains s (folded, non-empty), over gramField:
//
//   - One rune c: the documents holding the term c (every distinct rune
//     of a text is a term of its own).
//   - Two runes: the documents holding that bigram.
//   - n ≥ 3 runes: an occurrence starting at an even offset contains the
//     tiles at offsets 0, 2, 4, … of s, one starting at an odd offset the
//     tiles at 1, 3, 5, …; each tile shows six runes (itself and the two
//     on either side). For each parity a run of tiles whose windows cover
//     s is chosen, the one whose tiles cost least to decode (see plan).
//     s occurs iff for one parity the run's tiles are at the right
//     distances with the right runes around them. Every rune of s is
//     compared, so the match is exact and no text is read afterwards.
//     Only documents holding every bigram of s (and of the query's other
//     required terms) are checked: their postings bitmaps are ANDed first
//     (see narrow).
//
// It is a query type of our own rather than bleve's PhraseQuery because
// gramField keeps positions in its own form, and because bleve's phrase
// searcher pairs the locations of consecutive terms in a nested loop
// (quadratic in how often a bigram occurs in a long report) through a map
// of freshly allocated locations. Ours walks sorted position lists once,
// stops at the first occurrence, and allocates nothing per document.
type substringQuery struct {
	runes []rune
	// also are bigrams every matching document holds for another reason:
	// those of the other terms the query requires. Candidates are narrowed
	// to the documents holding them too (see narrow); what matches is the
	// same within the query.
	also []string
	// chunks, shared by the query's terms, finds the chunked documents
	// (see chunk.go); nil in queries that never meet any.
	chunks *chunkCache

	mu       sync.Mutex // guards the two below: the halves of byRelevance ask at once
	chunksOf bleveindex.IndexReader
	inChunks []chunkHit // the chunked documents of chunksOf that hold the string
}

func newSubstringQuery(s string) *substringQuery {
	return &substringQuery{runes: []rune(s)}
}

func (q *substringQuery) Searcher(ctx context.Context, r bleveindex.IndexReader, _ mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	var m *chunkMap
	if q.chunks != nil {
		var err error
		if m, err = q.chunks.get(ctx, r); err != nil {
			return nil, err
		}
	}
	main, err := q.searcher(ctx, r, opts, q.also)
	if err != nil || m == nil {
		return main, err
	}
	extra, err := q.findInChunks(ctx, r, opts, m)
	if err != nil {
		main.Close()
		return nil, err
	}
	return &chunkedSearcher{main: main, m: m, extra: extra}, nil
}

// findInChunks returns the chunked documents of r that hold the string,
// searching their chunks without narrowing by the other terms (which may
// be in other chunks): once per reader.
func (q *substringQuery) findInChunks(ctx context.Context, r bleveindex.IndexReader, opts search.SearcherOptions, m *chunkMap) ([]chunkHit, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.chunksOf == r {
		return q.inChunks, nil
	}
	s, err := q.searcher(ctx, r, opts, nil)
	if err != nil {
		return nil, err
	}
	hits, err := findInChunks(r, s, m)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	q.chunksOf, q.inChunks = r, hits
	return hits, nil
}

// searcher is the searcher of the string over every document, narrowed to
// those that also hold the bigrams also.
func (q *substringQuery) searcher(ctx context.Context, r bleveindex.IndexReader, opts search.SearcherOptions, also []string) (search.Searcher, error) {
	rs := q.runes
	if len(rs) == 1 {
		return searcher.NewTermSearcher(ctx, r, string(rs), fieldGrams, 1, search.SearcherOptions{Score: "none"})
	}
	s := &substringSearcher{scoring: opts.Score != "none"}
	// The distinct bigrams of rs, how many documents hold each and how
	// many times they occur in them.
	terms := q.bigrams()
	termAt := make([]int, len(rs)-1)
	for i := range termAt {
		termAt[i] = slices.Index(terms, string(rs[i:i+2]))
	}
	count := make([]uint64, len(terms))
	weight := make([]uint64, len(terms))
	for k, t := range terms {
		c, w, err := sample(ctx, r, t)
		if err != nil {
			return nil, err
		}
		count[k], weight[k] = c, w
	}
	rarest := 0
	for k := range terms {
		if count[k] < count[rarest] {
			rarest = k
		}
	}
	if s.scoring {
		docs, err := r.DocCount()
		if err != nil {
			return nil, err
		}
		s.idf = 1 + math.Log(float64(docs+1)/float64(count[rarest]+1))
	}
	if len(rs) == 2 { // the bigram's postings say it all
		tfr, err := r.TermFieldReader(ctx, []byte(terms[0]), fieldGrams, s.scoring, s.scoring, false)
		if err != nil {
			return nil, err
		}
		s.driver = tfr
		if err := s.narrow(ctx, r, []bleveindex.TermFieldReader{tfr}, append(terms, also...)); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	// More: a run for each parity, the cheaper first; one located reader
	// per term of their tiles.
	var cost [2]uint64
	for align := range 2 {
		s.runs[align], cost[align] = plan(rs, align, termAt, weight)
	}
	if cost[1] < cost[0] {
		s.runs[0], s.runs[1] = s.runs[1], s.runs[0]
	}
	s.vecs = make([]bleveindex.TermFieldReader, len(terms))
	s.vtfds = make([]bleveindex.TermFieldDoc, len(terms))
	s.tiles = make([][]tileLoc, len(terms))
	s.at = make([]uint64, len(terms))
	s.ptr = make([]int, len(rs))
	for _, run := range s.runs {
		for _, t := range run {
			if s.vecs[t.term] != nil {
				continue
			}
			vr, err := r.TermFieldReader(ctx, []byte(terms[t.term]), fieldGrams, true, s.scoring, true)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.vecs[t.term] = vr
		}
	}
	// Every document containing rs holds all its bigrams: the readers are
	// narrowed to the documents holding every one of them, and the first
	// run's lead, tiles ready, proposes those.
	if err := s.narrow(ctx, r, s.vecs, append(terms, also...)); err != nil {
		s.Close()
		return nil, err
	}
	s.driverTerm = s.runs[0][0].term
	s.driver, s.driverVec = s.vecs[s.driverTerm], true
	return s, nil
}

// substringSearcher walks the postings of one bigram of a substringQuery,
// the driver, and checks each document they propose against the runs of
// tiles, with located readers that are moved only to such documents.
type substringSearcher struct {
	driver     bleveindex.TermFieldReader
	driverTerm int                          // which term the driver reads
	driverVec  bool                         // the driver is vecs[driverTerm]
	cur        *bleveindex.TermFieldDoc     // the driver's current posting, nil at the end
	tfd        bleveindex.TermFieldDoc      // its storage, unless the driver is located
	runs       [2][]tile                    // the runs to check, cheaper first (n ≥ 3)
	vecs       []bleveindex.TermFieldReader // by term: located readers of the runs' terms
	vtfds      []bleveindex.TermFieldDoc
	tiles      [][]tileLoc // by term: its tiles in the document vecs[term] is at
	at         []uint64    // by term: document+1 where vecs[term] is; MaxUint64 past the end
	ptr        []int       // scratch: a cursor per tile of a run
	id         bleveindex.IndexInternalID
	scoring    bool
	idf        float64
	started    bool
	matched    bool // the driver is on a document already returned
}

// move calls the driver's Next (target 0) or Advance, keeping the located
// reader's bookkeeping when the driver is one.
func (s *substringSearcher) move(target uint64) error {
	tfd := &s.tfd
	if s.driverVec {
		tfd = &s.vtfds[s.driverTerm]
	}
	var d *bleveindex.TermFieldDoc
	var err error
	if target == 0 {
		d, err = s.driver.Next(tfd.Reset())
	} else {
		s.id = bleveindex.NewIndexInternalID(s.id, target)
		d, err = s.driver.Advance(s.id, tfd.Reset())
	}
	if err != nil {
		return err
	}
	s.cur, s.matched = d, false
	if s.driverVec {
		s.located(s.driverTerm, d)
	}
	return nil
}

func (s *substringSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if !s.started || s.matched {
		s.started = true
		if err := s.move(0); err != nil {
			return nil, err
		}
	}
	return s.find(ctx)
}

func (s *substringSearcher) Advance(ctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	target := id.Value()
	switch {
	case !s.started:
		s.started = true
		if err := s.move(target); err != nil { // 0: the first document
			return nil, err
		}
	case s.cur == nil:
		return nil, nil
	case s.cur.ID.Value() < target:
		if err := s.move(target); err != nil {
			return nil, err
		}
	case s.matched:
		// asked for what we returned already, or before: go on from there
		if err := s.move(0); err != nil {
			return nil, err
		}
	}
	return s.find(ctx)
}

// find moves the driver forward until its document contains the string,
// and returns it.
func (s *substringSearcher) find(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for s.cur != nil {
		ok, err := s.occurs(s.cur.ID.Value())
		if err != nil {
			return nil, err
		}
		if ok {
			s.matched = true
			dm := ctx.DocumentMatchPool.Get()
			dm.IndexInternalID = bleveindex.NewIndexInternalIDFrom(dm.IndexInternalID, s.cur.ID)
			if s.scoring {
				dm.Score = s.score(s.cur)
			}
			return dm, nil
		}
		if err := s.move(0); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// score is the relevance of a match: BM25 over the driver bigram's
// frequency in the document (which bounds the string's occurrences) and
// the document's length in runes (from the norm bleve stores, 1/√length),
// with the rarest bigram's rarity as idf. Long documents do not win by
// length alone, and scores rarely tie.
func (s *substringSearcher) score(d *bleveindex.TermFieldDoc) float64 {
	const k1, b, avgLength = 1.2, 0.75, 4000.0
	f := float64(max(d.Freq, 1))
	length := avgLength
	if d.Norm > 0 {
		length = 1 / (d.Norm * d.Norm)
	}
	return s.idf * f * (k1 + 1) / (f + k1*(1-b+b*length/avgLength))
}

// occurs reports whether the string occurs in document doc: whether
// either run of tiles is there.
func (s *substringSearcher) occurs(doc uint64) (bool, error) {
	if s.vecs == nil {
		return true, nil
	}
	for _, run := range s.runs {
		ok, err := s.runOccurs(doc, run)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// runOccurs reports whether the tiles of run are at their positions in
// doc, with the runes required around them.
func (s *substringSearcher) runOccurs(doc uint64, run []tile) (bool, error) {
	// The lead (run[0], the lightest) first: a run of one tile needs
	// nothing else, and a lead with no fitting tile spares loading the
	// others.
	lead := run[0]
	if ok, err := s.load(lead.term, doc); !ok || err != nil {
		return false, err
	}
	fitting := false
	for _, l := range s.tiles[lead.term] {
		if lead.fits(l) {
			fitting = true
			break
		}
	}
	if !fitting || len(run) == 1 {
		return fitting, nil
	}
	for k, t := range run[1:] {
		if ok, err := s.load(t.term, doc); !ok || err != nil {
			return false, err
		}
		s.ptr[k+1] = 0
	}
	// Each fitting tile of the lead proposes the position of the run's
	// first tile; every other tile must be there plus its pos, and fit.
	// Proposals only grow, so each list is walked once.
outer:
	for _, l := range s.tiles[lead.term] {
		if l.pos <= lead.pos || !lead.fits(l) {
			continue
		}
		first := l.pos - lead.pos
		for k, t := range run[1:] {
			want := first + t.pos
			ls, i := s.tiles[t.term], s.ptr[k+1]
			for i < len(ls) && ls[i].pos < want {
				i++
			}
			s.ptr[k+1] = i
			if i == len(ls) {
				break outer // no later proposal can match either
			}
			if ls[i].pos != want || !t.fits(ls[i]) {
				continue outer
			}
		}
		return true, nil
	}
	return false, nil
}

// load moves the located reader of term i to doc unless it is there or
// beyond, and reports whether doc holds the term (the driver proposed doc,
// not necessarily for this term).
func (s *substringSearcher) load(i int, doc uint64) (bool, error) {
	if at := s.at[i]; at == doc+1 {
		return true, nil
	} else if at > doc+1 {
		return false, nil // the reader is past doc: the term is not there
	}
	s.id = bleveindex.NewIndexInternalID(s.id, doc)
	d, err := s.vecs[i].Advance(s.id, s.vtfds[i].Reset())
	if err != nil {
		return false, err
	}
	s.located(i, d)
	return s.at[i] == doc+1, nil
}

// located records where the located reader of term i now is (d, nil at
// the end) and decodes its tiles: gramField stores them as triples in
// the array positions of the term's one location.
func (s *substringSearcher) located(i int, d *bleveindex.TermFieldDoc) {
	if d == nil {
		s.at[i] = math.MaxUint64
		return
	}
	s.at[i] = d.ID.Value() + 1
	ts := s.tiles[i][:0]
	if len(d.Vectors) > 0 {
		var pos uint64
		v := d.Vectors[0].ArrayPositions
		for k := 0; k < len(v); {
			if x := v[k]; x&1 == 1 {
				pos += x >> 1 & maxPackedGap
				ts = append(ts, tileLoc{pos: pos, start: x >> packedShift, packed: true})
				k++
				continue
			}
			if k+2 >= len(v) {
				break
			}
			pos += v[k] >> 1
			ts = append(ts, tileLoc{pos: pos, start: v[k+1], end: v[k+2]})
			k += 3
		}
	}
	s.tiles[i] = ts
}

// Count is an upper bound: the documents the driver's bigram is in.
func (s *substringSearcher) Count() uint64 { return s.driver.Count() }

func (s *substringSearcher) Close() error {
	var first error
	closeOne := func(r bleveindex.TermFieldReader) {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	for _, r := range s.vecs {
		if r != nil {
			closeOne(r)
		}
	}
	if s.driver != nil && !s.driverVec {
		closeOne(s.driver)
	}
	return first
}

func (s *substringSearcher) Weight() float64            { return 1 }
func (s *substringSearcher) SetQueryNorm(float64)       {}
func (s *substringSearcher) Min() int                   { return 0 }
func (s *substringSearcher) DocumentMatchPoolSize() int { return 1 }

func (s *substringSearcher) Size() int {
	n := 256
	for _, r := range s.vecs {
		if r != nil {
			n += r.Size()
		}
	}
	if s.driver != nil && !s.driverVec {
		n += s.driver.Size()
	}
	return n
}
