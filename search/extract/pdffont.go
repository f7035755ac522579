package extract

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// pdfFont turns the codes a content stream shows into text and widths.
type pdfFont struct {
	toUni    *cmap               // the font's ToUnicode map, nil if none
	space    codespace           // how strings split into codes
	enc      *cmap               // an embedded encoding CMap of a composite font: codes to CIDs
	simple   *[256]string        // a simple font's encoding, for codes ToUnicode does not map
	decoder  func([]byte) string // a composite font's predefined CMap, for codes ToUnicode does not map
	identity bool                // CID = code (Identity-H/V)
	widths   map[uint32]float64  // simple fonts by code, composite fonts by CID; in text space units
	dw       float64             // width of glyphs not in widths
	vertical bool
}

// codespace lists the code ranges of a CMap by code length - 1.
type codespace [4][]codeRange

type codeRange struct{ lo, hi [4]byte }

func (cs *codespace) add(lo, hi []byte) {
	n := len(lo)
	if n < 1 || n > 4 || len(hi) != n || len(cs[n-1]) >= maxCodeRanges {
		return
	}
	var r codeRange
	copy(r.lo[:], lo)
	copy(r.hi[:], hi)
	cs[n-1] = append(cs[n-1], r)
}

func (cs *codespace) empty() bool {
	return len(cs[0])+len(cs[1])+len(cs[2])+len(cs[3]) == 0
}

// next returns the length of the code at the start of s.
func (cs *codespace) next(s string) int {
	shortest := 0
	for n := 1; n <= 4 && n <= len(s); n++ {
		for _, r := range cs[n-1] {
			ok := true
			for i := 0; i < n; i++ {
				if s[i] < r.lo[i] || s[i] > r.hi[i] {
					ok = false
					break
				}
			}
			if ok {
				return n
			}
		}
		if shortest == 0 && len(cs[n-1]) > 0 {
			shortest = n
		}
	}
	if shortest == 0 || shortest > len(s) {
		return 1
	}
	return shortest
}

func codeOf(b string) uint32 {
	var c uint32
	for i := 0; i < len(b); i++ {
		c = c<<8 | uint32(b[i])
	}
	return c
}

// cmap is a parsed CMap: ToUnicode (bfchar, bfrange) or encoding (cidchar,
// cidrange) entries, keyed by code length and code.
type cmap struct {
	space  codespace
	uni    map[uint64]string
	cid    map[uint64]uint32
	ranges []cmapRange // ranges too large to expand into the maps
}

type cmapRange struct {
	n      int
	lo, hi uint32
	base   []rune // bfrange: the text of lo; the last rune counts up
	cid    uint32 // cidrange: the CID of lo
	isCID  bool
}

func cmapKey(n int, code uint32) uint64 { return uint64(n)<<32 | uint64(code) }

// Bounds of a CMap, which lookups scan for every glyph shown.
const (
	maxCMapEntries = 1 << 20 // entries kept in the maps
	maxCMapRanges  = 1 << 12 // ranges kept as ranges
	maxCodeRanges  = 1 << 8  // codespace ranges of each code length
	maxExpand      = 1 << 12 // a range longer than this stays a range
)

func (m *cmap) lookup(n int, code uint32) (string, bool) {
	if s, ok := m.uni[cmapKey(n, code)]; ok {
		return s, true
	}
	for _, r := range m.ranges {
		if !r.isCID && r.n == n && code >= r.lo && code <= r.hi && len(r.base) > 0 {
			return rangeText(r.base, code-r.lo), true
		}
	}
	return "", false
}

func (m *cmap) cidOf(n int, code uint32) (uint32, bool) {
	if c, ok := m.cid[cmapKey(n, code)]; ok {
		return c, true
	}
	for _, r := range m.ranges {
		if r.isCID && r.n == n && code >= r.lo && code <= r.hi {
			return r.cid + code - r.lo, true
		}
	}
	return 0, false
}

func rangeText(base []rune, off uint32) string {
	rs := append([]rune(nil), base...)
	rs[len(rs)-1] += rune(off)
	return string(rs)
}

// parseCMap reads a CMap stream. Unknown operators are skipped; whatever
// can be read is kept.
func (d *pdfDoc) parseCMap(data []byte) (*cmap, error) {
	m := &cmap{uni: make(map[uint64]string), cid: make(map[uint64]uint32)}
	l := lexer{b: data}
	var ops []any
	entries := 0
	for {
		if err := d.j.tick(); err != nil {
			return nil, err
		}
		obj, err := l.object(0)
		if err != nil {
			return m, nil // the end, or junk at the end
		}
		kw, ok := obj.(pdfKeyword)
		if !ok {
			if len(ops) < 3*1024 {
				ops = append(ops, obj)
			}
			continue
		}
		switch kw {
		case "endcodespacerange":
			for i := 0; i+1 < len(ops); i += 2 {
				lo, _ := ops[i].(pdfString)
				hi, _ := ops[i+1].(pdfString)
				m.space.add([]byte(lo), []byte(hi))
			}
		case "endbfchar":
			for i := 0; i+1 < len(ops) && entries < maxCMapEntries; i += 2 {
				src, _ := ops[i].(pdfString)
				if len(src) < 1 || len(src) > 4 {
					continue
				}
				m.uni[cmapKey(len(src), codeOf(string(src)))] = bfText(ops[i+1])
				entries++
			}
		case "endbfrange":
			for i := 0; i+2 < len(ops) && entries < maxCMapEntries; i += 3 {
				lo, _ := ops[i].(pdfString)
				hi, _ := ops[i+1].(pdfString)
				n := len(lo)
				if n < 1 || n > 4 || len(hi) != n || codeOf(string(hi)) < codeOf(string(lo)) {
					continue
				}
				a, b := codeOf(string(lo)), codeOf(string(hi))
				switch dst := ops[i+2].(type) {
				case pdfArray:
					for k := 0; k < len(dst) && a+uint32(k) <= b; k++ {
						m.uni[cmapKey(n, a+uint32(k))] = bfText(dst[k])
						entries++
					}
				case pdfString:
					base := []rune(bfText(dst))
					if len(base) == 0 {
						continue
					}
					if b-a < maxExpand {
						for k := uint32(0); k <= b-a; k++ {
							m.uni[cmapKey(n, a+k)] = rangeText(base, k)
						}
						entries += int(b - a + 1)
					} else if len(m.ranges) < maxCMapRanges {
						m.ranges = append(m.ranges, cmapRange{n: n, lo: a, hi: b, base: base})
					}
				}
			}
		case "endcidchar":
			for i := 0; i+1 < len(ops) && entries < maxCMapEntries; i += 2 {
				src, _ := ops[i].(pdfString)
				cid, _ := ops[i+1].(int64)
				if len(src) >= 1 && len(src) <= 4 && cid >= 0 {
					m.cid[cmapKey(len(src), codeOf(string(src)))] = uint32(cid)
					entries++
				}
			}
		case "endcidrange":
			for i := 0; i+2 < len(ops); i += 3 {
				lo, _ := ops[i].(pdfString)
				hi, _ := ops[i+1].(pdfString)
				cid, _ := ops[i+2].(int64)
				if n := len(lo); n >= 1 && n <= 4 && len(hi) == n && cid >= 0 && len(m.ranges) < maxCMapRanges {
					m.ranges = append(m.ranges, cmapRange{n: n, lo: codeOf(string(lo)), hi: codeOf(string(hi)), cid: uint32(cid), isCID: true})
				}
			}
		case "usecmap":
			if len(ops) > 0 {
				if name, ok := ops[len(ops)-1].(pdfName); ok {
					if p, ok := predefinedCMap(string(name)); ok {
						for n := range p.space {
							m.space[n] = append(m.space[n], p.space[n]...)
						}
					}
				}
			}
		}
		ops = ops[:0]
	}
}

// bfText is the text a bfchar or bfrange destination stands for: UTF-16BE
// bytes, or (rarely) a glyph name.
func bfText(v any) string {
	switch t := v.(type) {
	case pdfString:
		return utf16BE([]byte(t))
	case pdfName:
		return glyphText(string(t))
	}
	return ""
}

func utf16BE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	if len(b)%2 == 1 { // a single byte: take it as a code point
		u = append(u, uint16(b[len(b)-1]))
	}
	return string(utf16.Decode(u))
}

// predefined is what we know of a predefined CMap named by a composite
// font's /Encoding.
type predefined struct {
	space    codespace
	decode   func([]byte) string
	identity bool
	vertical bool
}

func predefinedCMap(name string) (predefined, bool) {
	var p predefined
	p.vertical = strings.HasSuffix(name, "-V")
	two := func() { p.space.add([]byte{0, 0}, []byte{0xff, 0xff}) }
	switch {
	case name == "Identity-H" || name == "Identity-V":
		two()
		p.identity = true
	case strings.Contains(name, "-UCS2-"):
		two()
		p.decode = func(b []byte) string { return utf16BE(b) }
	case strings.Contains(name, "-UTF16-"):
		p.space.add([]byte{0, 0}, []byte{0xd7, 0xff})
		p.space.add([]byte{0xe0, 0}, []byte{0xff, 0xff})
		p.space.add([]byte{0xd8, 0, 0xdc, 0}, []byte{0xdb, 0xff, 0xdf, 0xff})
		p.decode = func(b []byte) string { return utf16BE(b) }
	case strings.Contains(name, "-UTF8-"):
		p.space.add([]byte{0}, []byte{0x7f})
		p.space.add([]byte{0xc0, 0x80}, []byte{0xdf, 0xbf})
		p.space.add([]byte{0xe0, 0x80, 0x80}, []byte{0xef, 0xbf, 0xbf})
		p.space.add([]byte{0xf0, 0x80, 0x80, 0x80}, []byte{0xf7, 0xbf, 0xbf, 0xbf})
		p.decode = func(b []byte) string { return strings.ToValidUTF8(string(b), "") }
	case strings.HasPrefix(name, "GB"):
		p.space.add([]byte{0}, []byte{0x80})
		p.space.add([]byte{0x81, 0x40}, []byte{0xfe, 0xfe})
		p.space.add([]byte{0x81, 0x30, 0x81, 0x30}, []byte{0xfe, 0x39, 0xfe, 0x39})
		p.decode = decodeWith(simplifiedchinese.GB18030.NewDecoder().Bytes)
	case strings.Contains(name, "B5"):
		p.space.add([]byte{0}, []byte{0x80})
		p.space.add([]byte{0xa1, 0x40}, []byte{0xfe, 0xfe})
		p.decode = decodeWith(traditionalchinese.Big5.NewDecoder().Bytes)
	default:
		return p, false
	}
	return p, true
}

func decodeWith(fn func([]byte) ([]byte, error)) func([]byte) string {
	return func(b []byte) string {
		out, err := fn(b)
		if err != nil {
			return ""
		}
		return strings.ReplaceAll(string(out), "\ufffd", "")
	}
}

func (d *pdfDoc) loadFont(fd pdfDict) *pdfFont {
	f := &pdfFont{widths: make(map[uint32]float64)}
	if s := d.stream(fd["ToUnicode"]); s != nil {
		if data, err := d.decode(s); err == nil {
			f.toUni, _ = d.parseCMap(data)
		}
	}
	if d.name(fd["Subtype"]) == "Type0" {
		d.loadComposite(f, fd)
		return f
	}
	// A simple font: one byte per code.
	f.space.add([]byte{0}, []byte{0xff})
	f.simple = simpleEncoding(d, fd)
	scale := 0.001
	if m := d.array(fd["FontMatrix"]); len(m) == 6 { // Type3
		if a, ok := d.number(m[0]); ok && a != 0 {
			scale = a
		}
	}
	first, _ := d.number(fd["FirstChar"])
	for i, w := range d.array(fd["Widths"]) {
		if i > 255 {
			break
		}
		if v, ok := d.number(w); ok {
			f.widths[uint32(int(first)+i)] = v * scale
		}
	}
	f.dw = 0.5 // a guess, for the standard fonts that come without widths
	if mw, ok := d.number(d.dict(fd["FontDescriptor"])["MissingWidth"]); ok && mw > 0 {
		f.dw = mw * scale
	}
	return f
}

func (d *pdfDoc) loadComposite(f *pdfFont, fd pdfDict) {
	encV, _ := d.resolve(fd["Encoding"])
	switch e := encV.(type) {
	case pdfName:
		if p, ok := predefinedCMap(string(e)); ok {
			f.space, f.decoder, f.identity, f.vertical = p.space, p.decode, p.identity, p.vertical
		}
	case *pdfStream:
		if data, err := d.decode(e); err == nil {
			if m, err := d.parseCMap(data); err == nil {
				f.enc, f.space = m, m.space
			}
		}
		if p, ok := predefinedCMap(string(d.name(e.dict["UseCMap"]))); ok && f.space.empty() {
			f.space = p.space
		}
	}
	if f.space.empty() && f.toUni != nil {
		f.space = f.toUni.space
	}
	if f.space.empty() {
		f.space.add([]byte{0, 0}, []byte{0xff, 0xff})
		f.identity = true
	}
	desc := d.array(fd["DescendantFonts"])
	var cidFont pdfDict
	if len(desc) > 0 {
		cidFont = d.dict(desc[0])
	}
	f.dw = 1
	if dw, ok := d.number(cidFont["DW"]); ok {
		f.dw = dw / 1000
	}
	// W: [c [w1 w2 ...]] or [cfirst clast w].
	w := d.array(cidFont["W"])
	for i := 0; i < len(w) && len(f.widths) < maxCMapEntries; {
		c0, ok := d.number(w[i])
		if !ok || i+1 >= len(w) || c0 < 0 || c0 > 1<<24 {
			break
		}
		if arr := d.array(w[i+1]); arr != nil {
			for k, v := range arr {
				if n, ok := d.number(v); ok {
					f.widths[uint32(c0)+uint32(k)] = n / 1000
				}
			}
			i += 2
			continue
		}
		c1, ok1 := d.number(w[i+1])
		if i+2 >= len(w) || !ok1 || c0 < 0 || c1 < c0 || c1 > 1<<24 {
			break
		}
		n, _ := d.number(w[i+2])
		for c := uint32(c0); c <= uint32(c1) && c-uint32(c0) < maxExpand; c++ {
			f.widths[c] = n / 1000
		}
		i += 3
	}
}

// simpleEncoding builds the code → text table of a simple font from its
// /Encoding: a base encoding (WinAnsi unless it says MacRoman or Standard)
// with /Differences applied.
func simpleEncoding(d *pdfDoc, fd pdfDict) *[256]string {
	var t [256]string
	var encV any
	if d != nil {
		encV, _ = d.resolve(fd["Encoding"])
	}
	base := pdfName("WinAnsiEncoding")
	var diffs pdfArray
	switch e := encV.(type) {
	case pdfName:
		base = e
	case pdfDict:
		if b := d.name(e["BaseEncoding"]); b != "" {
			base = b
		}
		diffs = d.array(e["Differences"])
	}
	for c := 0; c < 256; c++ {
		var r rune
		switch base {
		case "MacRomanEncoding":
			r = charmap.Macintosh.DecodeByte(byte(c))
		default:
			r = charmap.Windows1252.DecodeByte(byte(c))
		}
		if base == "StandardEncoding" {
			switch c {
			case 0x27:
				r = '’'
			case 0x60:
				r = '‘'
			}
		}
		if c >= 0x20 && r != utf8.RuneError {
			t[c] = string(r)
		}
	}
	code := 0
	for _, v := range diffs {
		switch x := v.(type) {
		case int64:
			code = int(x)
		case pdfName:
			if code >= 0 && code < 256 {
				t[code] = glyphText(string(x))
			}
			code++
		}
	}
	return &t
}

// glyphText maps a glyph name to text: uniXXXX and uXXXX[XX] names, single
// letters, the common names of the Adobe Glyph List, ligatures written
// with "_", and names with a ".suffix" (small capitals, alternates).
func glyphText(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			b.WriteString(glyphText(part))
		}
		return b.String()
	}
	if len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return name
	}
	if s, ok := glyphNames[name]; ok {
		return s
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var u []uint16
		for i := 3; i < len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 16)
			if err != nil {
				return ""
			}
			u = append(u, uint16(v))
		}
		return string(utf16.Decode(u))
	}
	if strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7 {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
			return string(rune(v))
		}
	}
	return ""
}

var glyphNames = map[string]string{
	"space": " ", "exclam": "!", "quotedbl": "\"", "numbersign": "#", "dollar": "$", "percent": "%",
	"ampersand": "&", "quotesingle": "'", "quoteright": "’", "quoteleft": "‘", "parenleft": "(",
	"parenright": ")", "asterisk": "*", "plus": "+", "comma": ",", "hyphen": "-", "period": ".",
	"slash": "/", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
	"six": "6", "seven": "7", "eight": "8", "nine": "9", "colon": ":", "semicolon": ";", "less": "<",
	"equal": "=", "greater": ">", "question": "?", "at": "@", "bracketleft": "[", "backslash": "\\",
	"bracketright": "]", "asciicircum": "^", "underscore": "_", "grave": "`", "braceleft": "{",
	"bar": "|", "braceright": "}", "asciitilde": "~", "quotedblleft": "“", "quotedblright": "”",
	"endash": "–", "emdash": "—", "bullet": "•", "ellipsis": "…", "fi": "fi", "fl": "fl", "ff": "ff",
	"ffi": "ffi", "ffl": "ffl", "degree": "°", "copyright": "©", "registered": "®", "trademark": "™",
	"section": "§", "paragraph": "¶", "periodcentered": "·", "minus": "−", "multiply": "×",
	"divide": "÷", "plusminus": "±", "nbspace": "\u00a0", "sfthyphen": "\u00ad", "dagger": "†",
	"daggerdbl": "‡", "guillemotleft": "«", "guillemotright": "»", "quotesinglbase": "‚",
	"quotedblbase": "„", "perthousand": "‰", "Euro": "€", "sterling": "£", "yen": "¥", "cent": "¢",
	"mu": "µ", "micro": "µ", "twosuperior": "²", "threesuperior": "³", "onesuperior": "¹",
	"onehalf": "½", "onequarter": "¼", "threequarters": "¾", "germandbls": "ß", "dotlessi": "ı",
}
