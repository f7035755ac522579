package index

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/document"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// Field names. Short, because scorch repeats them in every segment.
const (
	fieldGrams    = "g"  // the text's bigrams; see gramField
	fieldKind     = "k"  // keyword fields, one token each
	fieldAudit    = "a"  //
	fieldEnt      = "e"  //
	fieldCons     = "c"  //
	fieldOrg      = "o"  // the organisation that uploaded the document
	fieldCreator  = "by" // the user who uploaded it
	fieldIndustry = "i"  //
	fieldRegion   = "r"  //
	fieldStep     = "s"  //
	fieldPhase    = "p"  // P1..P7, from the step
	fieldDate     = "at" // upload time: numeric, with doc values for sorting
)

// fold is how a rune is compared: lower case, one rune for one rune, so
// that rune offsets in the folded text are rune offsets in the text. The
// text and every query go through it, which makes Latin (and Greek, and
// Cyrillic) letters match case-insensitively.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// foldString folds s rune by rune. Invalid UTF-8 becomes U+FFFD, as it
// does when ranging over a string, so the index and Fragments agree.
func foldString(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return mapFold(s)
		}
	}
	return s // ASCII without capitals: nothing to do, no copy
}

func mapFold(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = utf8.AppendRune(b, fold(r))
	}
	return string(b)
}

// gramField is the searchable text of a document, as one bleve field
// built by us rather than by an analyzer:
//
//   - Its terms are the bigrams of the folded text, one at every rune
//     offset, and each distinct rune of it on its own (a term of one rune,
//     without locations), which answers a query of one rune from one
//     postings list. The frequency of a term counts its occurrences.
//   - The bigrams at even offsets 2k are "tiles": adjacent, they cover the
//     text. Each term of a document that is a tile somewhere has one
//     location whose ArrayPositions lists, for each of its tiles, the
//     tile's position k+1 (as a gap from the previous one), the two runes
//     before the tile and the two after it, in one number or three (see
//     tileWords). So each tile shows six runes of the text, and a search
//     checks a string of up to six runes against one tile. Bleve stores
//     and decodes a location as five numbers and an object; one location
//     per tile would cost that for every two runes of text, this costs
//     one number for nearly every tile.
//
// Nothing in bleve reads these array positions but our substringQuery.
//
// Being a document.Field of our own, it registers nothing in bleve's
// global registry, needs no mapping, and builds bleve's token frequencies
// directly in one pass over the text, on scorch's analysis workers (in
// parallel across the documents of a batch).
type gramField struct {
	text   string
	length int
	freqs  bleveindex.TokenFrequencies
}

func (f *gramField) Name() string             { return fieldGrams }
func (f *gramField) ArrayPositions() []uint64 { return nil }
func (f *gramField) Value() []byte            { return nil } // never stored
func (f *gramField) NumPlainTextBytes() uint64 {
	return uint64(len(f.text))
}
func (f *gramField) EncodedFieldType() byte { return 't' }
func (f *gramField) AnalyzedLength() int    { return f.length }
func (f *gramField) AnalyzedTokenFrequencies() bleveindex.TokenFrequencies {
	return f.freqs
}
func (f *gramField) Options() bleveindex.FieldIndexingOptions {
	return bleveindex.IndexField | bleveindex.IncludeTermVectors
}

// Size estimates the memory the analysed field holds, for scorch's
// accounting; walking every location as TokenFrequencies.Size does would
// cost as much as building them.
func (f *gramField) Size() int {
	const perTerm, perRune = 160, 12
	return 64 + len(f.text) + perTerm*len(f.freqs) + perRune*f.length
}

func (f *gramField) Analyze() {
	f.freqs, f.length = grams(f.text)
}

// grams computes the terms of gramField for text, folding it on the way.
func grams(text string) (bleveindex.TokenFrequencies, int) {
	// The folded runes, and the folded text when folding changed it.
	rs := make([]rune, 0, len(text)/2)
	changed := false
	for _, r := range text {
		f := fold(r)
		changed = changed || f != r
		rs = append(rs, f)
	}
	n := len(rs)
	if n == 0 {
		return bleveindex.TokenFrequencies{}, 0
	}
	s := text
	if changed || !utf8.ValidString(text) {
		s = string(rs)
	}
	b := []byte(s) // terms are slices of it
	codes := gbCodes()
	cs := make([]uint32, n) // the runeCode of each rune
	for i, r := range rs {
		cs[i] = uint32(runeCode(codes, r))
	}
	// code is the runeCode of the rune at offset i, 0 outside the text
	// (which no rune of it has: normalised text holds no U+0000).
	code := func(i int) uint64 {
		if i < 0 || i >= n {
			return 0
		}
		return uint64(cs[i])
	}
	packs := func(gap int32, i int) bool { // see tileWords
		return gap <= maxPackedGap && max(code(i-1), code(i-2), code(i+2), code(i+3)) < packedCodes
	}
	// First pass: number the distinct bigrams (keyed by their two runes),
	// count their occurrences and the numbers their tiles take, and note
	// which one each offset holds and where each first occurs.
	ids := make(map[uint64]int32, n/3)
	var first, start, count, words, lastTile []int32 // per term
	which := make([]int32, n-1)
	at := 0 // byte offset of rune i
	for i := 0; i+1 < n; i++ {
		key := uint64(rs[i])<<runeBits | uint64(rs[i+1])
		id, ok := ids[key]
		if !ok {
			id = int32(len(first))
			ids[key] = id
			first = append(first, int32(i))
			start = append(start, int32(at))
			count = append(count, 0)
			words = append(words, 0)
			lastTile = append(lastTile, 0)
		}
		count[id]++
		if i&1 == 0 {
			p := int32(i/2 + 1)
			if packs(p-lastTile[id], i) {
				words[id]++
			} else {
				words[id] += 3
			}
			lastTile[id] = p
		}
		which[i] = id
		at += utf8.RuneLen(rs[i])
	}
	// Second pass: a term with tiles gets one location whose array
	// positions are a run of one shared array: its tiles in text order
	// (see tileWords).
	terms := len(first)
	tfs := make([]bleveindex.TokenFreq, terms)
	locs := make([]bleveindex.TokenLocation, terms)
	ptrs := make([]*bleveindex.TokenLocation, terms)
	var total int32
	for _, w := range words {
		total += w
	}
	vals := make([]uint64, total)
	slot := make([]int32, terms)
	uniTfs := make([]bleveindex.TokenFreq, 0, 256)
	freqs := make(bleveindex.TokenFrequencies, terms+256)
	base := int32(0)
	for id, i := range first {
		from := start[id]
		to := from + int32(utf8.RuneLen(rs[i])+utf8.RuneLen(rs[i+1]))
		tf := &tfs[id]
		tf.Term = b[from:to:to]
		tf.SetFrequency(int(count[id]))
		if k := words[id]; k > 0 {
			locs[id].Position = 1
			locs[id].ArrayPositions = vals[base : base+k : base+k]
			ptrs[id] = &locs[id]
			tf.Locations = ptrs[id : id+1 : id+1]
			slot[id] = base
			base += k
		}
		freqs[s[from:to]] = tf
	}
	last := lastTile // reused: the last tile position written for each term
	clear(last)
	for i := 0; i+1 < n; i += 2 {
		id := which[i]
		p := int32(i/2 + 1)
		gap := p - last[id]
		last[id] = p
		k := slot[id]
		if packs(gap, i) {
			vals[k] = 1 | uint64(gap)<<1 | quadCode(code(i-1), code(i-2), code(i+2), code(i+3))<<packedShift
			slot[id]++
			continue
		}
		vals[k] = uint64(gap) << 1
		vals[k+1] = pairCode(code(i-1), code(i-2))
		vals[k+2] = pairCode(code(i+2), code(i+3))
		slot[id] += 3
	}
	// Every distinct rune, as a term of its own without locations: a query
	// of one rune reads its postings alone.
	// Runes of a small code (ASCII and GB2312, nearly all) are numbered
	// through an array, the others through a map.
	small := smallIDs.Get().(*[packedCodes]int32) // id+1 by code, 0: not seen
	var other map[rune]int32
	at = 0
	for i, r := range rs {
		l := utf8.RuneLen(r)
		var id int32
		if c := cs[i]; c < packedCodes {
			id = small[c] - 1
			if id < 0 {
				id = int32(len(uniTfs))
				small[c] = id + 1
				uniTfs = append(uniTfs, bleveindex.TokenFreq{Term: b[at : at+l : at+l]})
			}
		} else {
			if other == nil {
				other = map[rune]int32{}
			}
			var ok bool
			if id, ok = other[r]; !ok {
				id = int32(len(uniTfs))
				other[r] = id
				uniTfs = append(uniTfs, bleveindex.TokenFreq{Term: b[at : at+l : at+l]})
			}
		}
		uniTfs[id].SetFrequency(uniTfs[id].Frequency() + 1)
		at += l
	}
	for k := range uniTfs {
		t := string(uniTfs[k].Term)
		freqs[t] = &uniTfs[k]
		if r, _ := utf8.DecodeRuneInString(t); runeCode(codes, r) < packedCodes {
			small[runeCode(codes, r)] = 0
		}
	}
	smallIDs.Put(small)
	return freqs, n
}

// smallIDs holds arrays grams numbers the runes of a text with, all zero
// between uses.
var smallIDs = sync.Pool{New: func() any { return new([packedCodes]int32) }}

// runeBits is enough for any rune (U+10FFFF).
const runeBits = 21

// keywordField is a field holding one term, for filters.
func keywordField(name, value string) document.Field {
	return document.NewTextFieldCustom(name, nil, []byte(value), bleveindex.IndexField|bleveindex.SkipFreqNorm, nil)
}
