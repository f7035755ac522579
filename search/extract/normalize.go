package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize returns s in the form that search, comparison and duplicate
// detection work on. "Contains" in the search contract means contains in
// this text. The rule, applied in one pass:
//
//  1. Full-width ASCII U+FF01..U+FF5E folds to its half-width form
//     (ＡＢＣ１２３ → ABC123); U+3000 IDEOGRAPHIC SPACE becomes whitespace.
//  2. Whitespace is every rune for which unicode.IsSpace is true (spaces,
//     tabs, line and paragraph breaks, NBSP, U+3000...) plus the other
//     control characters (C0 and C1), U+200B ZERO WIDTH SPACE and U+FEFF
//     (a stray byte order mark): none of them is content.
//  3. A run of whitespace between two Han characters (unicode.Han; CJK
//     punctuation such as ，and 。is not Han) is removed: it is layout, a
//     line broken inside a sentence ("清洁\n生产" → "清洁生产").
//  4. Every other run of whitespace becomes one ASCII space ("A\n\nB" →
//     "A B", "中 A" stays "中 A"), and runs at either end are removed.
//  5. Invalid UTF-8 becomes U+FFFD, so the result is always valid UTF-8.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s).
// Letter case is kept: case-insensitive matching of Latin words is the
// index's business, and people read this text.
func Normalize(s string) string {
	b := normalWriter{s: s}
	pending := false // a whitespace run was skipped since the last rune written
	prevHan := false // the last rune written is Han
	for i := 0; i < len(s); {
		c := s[i]
		// Fast paths: runs of printable ASCII, and runs of the Han
		// characters U+4E00..U+9FFF (3 bytes, E4 B8..E9 BF), copied whole.
		if c > ' ' && c < 0x7f {
			j := i + 1
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			if pending {
				b.writeByte(' ')
				pending = false
			}
			b.writeSpan(i, j)
			prevHan = false
			i = j
			continue
		}
		if j := hanRun(s, i); j > i {
			if pending && !prevHan {
				b.writeByte(' ')
			}
			pending = false
			b.writeSpan(i, j)
			prevHan = true
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0xff01 && r <= 0xff5e {
			r -= 0xfee0
		}
		if isSpace(r) {
			if b.len() > 0 {
				pending = true
			}
			i += size
			continue
		}
		han := isHan(r)
		if pending && !(han && prevHan) {
			b.writeByte(' ')
		}
		pending = false
		prevHan = han
		if r == utf8.RuneError && size == 1 {
			b.writeRune(r) // invalid UTF-8 is written as U+FFFD
		} else if r < utf8.RuneSelf {
			b.writeByte(byte(r))
		} else if s[i:i+size] == string(r) {
			b.writeSpan(i, i+size)
		} else {
			b.writeRune(r)
		}
		i += size
	}
	return b.string()
}

// normalWriter builds Normalize's result without copying s while the
// result is a prefix of s, which most extracted text is (one space between
// words, no full-width letters): a long text is then held once, not twice.
// The first write that departs from s starts a copy.
type normalWriter struct {
	s string
	n int              // while b is nil, the result is s[:n]
	b *strings.Builder // the result, once it departs from s
}

// writeSpan writes s[i:j].
func (w *normalWriter) writeSpan(i, j int) {
	if w.b == nil {
		if i == w.n {
			w.n = j
			return
		}
		if w.s[w.n:min(w.n+j-i, len(w.s))] == w.s[i:j] {
			w.n += j - i
			return
		}
		w.copyOut()
	}
	w.b.WriteString(w.s[i:j])
}

func (w *normalWriter) writeByte(c byte) {
	if w.b == nil {
		if w.n < len(w.s) && w.s[w.n] == c {
			w.n++
			return
		}
		w.copyOut()
	}
	w.b.WriteByte(c)
}

func (w *normalWriter) writeRune(r rune) {
	if w.b == nil {
		w.copyOut()
	}
	w.b.WriteRune(r)
}

func (w *normalWriter) copyOut() {
	w.b = &strings.Builder{}
	w.b.Grow(len(w.s))
	w.b.WriteString(w.s[:w.n])
}

func (w *normalWriter) len() int {
	if w.b == nil {
		return w.n
	}
	return w.b.Len()
}

func (w *normalWriter) string() string {
	if w.b == nil {
		return w.s[:w.n]
	}
	return w.b.String()
}

// hanRun returns the end of the run of characters U+4E00..U+9FFF that
// starts at s[i], or i if there is none.
func hanRun(s string, i int) int {
	for i+2 < len(s) {
		c, c1, c2 := s[i], s[i+1], s[i+2]
		if c < 0xe4 || c > 0xe9 || c == 0xe4 && c1 < 0xb8 || c1&0xc0 != 0x80 || c2&0xc0 != 0x80 {
			break
		}
		i += 3
	}
	return i
}

// isSpace reports whether r is whitespace in the sense of Normalize.
func isSpace(r rune) bool {
	switch {
	case r <= ' ' || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f, r == 0x200b, r == 0xfeff, r == 0x3000:
		return true
	}
	return unicode.IsSpace(r)
}

// isHan reports whether r is a Han character, with a fast path for the
// CJK Unified Ideographs block and its extension A.
func isHan(r rune) bool {
	switch {
	case r < 0x2e80:
		return false
	case r >= 0x4e00 && r <= 0x9fff, r >= 0x3400 && r <= 0x4dbf:
		return true
	}
	return unicode.Is(unicode.Han, r)
}
