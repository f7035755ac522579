package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

// Bounds of the work on one PDF, beyond the job's time and size budgets.
const (
	maxPages       = 100_000
	maxFormDepth   = 12     // Form XObjects drawn inside Form XObjects
	maxFormDraws   = 20_000 // Form XObjects drawn in all: a logo on each of 10,000 pages, twice
	maxGStateDepth = 256    // q without Q
	maxOperands    = 1024
	maxFormCache   = 64 << 20 // bytes of decoded forms kept for reuse
)

// extractPDF writes the text layer of a PDF, page by page, with line and
// word breaks where the glyphs' positions show them.
func extractPDF(j *job, r io.ReaderAt, size int64) error {
	head := make([]byte, 1024)
	n, _ := r.ReadAt(head, 0)
	if !bytes.Contains(head[:n], []byte("%PDF-")) {
		return failed("not a PDF file (no %%PDF header)")
	}
	d, err := openPDF(j, r, size)
	if err != nil {
		return err
	}
	t := &pdfText{d: d, w: &j.out, fonts: make(map[pdfRef]*pdfFont), forms: make(map[pdfRef][]byte)}
	if err := d.walkPages(t.page); err != nil {
		return err
	}
	if t.pages == 0 {
		return errMalformed("no pages found")
	}
	j.pages, j.noText = t.pages, t.noText
	switch {
	case j.out.runes > 0:
		if t.undecoded*10 > t.glyphs {
			j.note = fmt.Sprintf("%d of %d characters could not be decoded: their fonts have no Unicode map", t.undecoded, t.glyphs)
		}
		return nil
	case t.glyphs > 0:
		return failed("the text cannot be decoded: the PDF's fonts have no Unicode map (ToUnicode)")
	case t.err != nil:
		return failed("no text could be read: %v", reasonOf(t.err))
	}
	j.note = "the PDF has no text layer: its pages are images, for OCR to read"
	return nil
}

func reasonOf(err error) string {
	var f *failure
	if errors.As(err, &f) {
		return f.reason
	}
	return err.Error()
}

// walkPages calls fn with each page of the page tree, in order, and the
// resources it inherits; a tree that loops is walked once.
func (d *pdfDoc) walkPages(fn func(page, res pdfDict) error) error {
	seen := make(map[pdfRef]bool)
	count := 0
	var walk func(v any, res pdfDict, depth int) error
	walk = func(v any, res pdfDict, depth int) error {
		if ref, ok := v.(pdfRef); ok {
			if seen[ref] {
				return nil
			}
			seen[ref] = true
		}
		if err := d.j.tick(); err != nil {
			return err
		}
		node := d.dict(v)
		if node == nil {
			return nil
		}
		if r := d.dict(node["Resources"]); r != nil {
			res = r
		}
		kids := d.array(node["Kids"])
		if d.name(node["Type"]) == "Page" || kids == nil {
			if count++; count > maxPages {
				return nil
			}
			return fn(node, res)
		}
		if depth > 64 {
			return nil
		}
		for _, k := range kids {
			if err := walk(k, res, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	root := d.dict(d.trailer["Root"])
	return walk(root["Pages"], nil, 0)
}

// pdfText interprets content streams and writes their text.
type pdfText struct {
	d         *pdfDoc
	w         *textWriter
	fonts     map[pdfRef]*pdfFont
	forms     map[pdfRef][]byte
	formBytes int
	draws     int
	pages     int
	glyphs    int   // glyphs shown
	undecoded int   // glyphs shown whose text is unknown
	err       error // the first error met in a page, kept for the reason
	noText    []int // pages that showed no text, from 1

	// Where the last glyph ended, to tell line and word breaks.
	have             bool
	endX, endY, size float64
	dirX, dirY       float64
}

type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func translate(x, y float64) matrix { return matrix{1, 0, 0, 1, x, y} }

type gstate struct {
	ctm                      matrix
	font                     *pdfFont
	fs, tc, tw, th, tl, rise float64
}

func (t *pdfText) page(page, res pdfDict) error {
	t.pages++
	before := t.w.runes
	defer func() {
		if t.w.runes == before && !t.w.full {
			t.noText = append(t.noText, t.pages)
		}
	}()
	var data []byte
	contents, _ := t.d.resolve(page["Contents"])
	streams := []any{contents}
	if arr, ok := contents.(pdfArray); ok {
		streams = arr
	}
	for _, v := range streams {
		s := t.d.stream(v)
		if s == nil {
			continue
		}
		b, err := t.d.decode(s)
		if err != nil {
			if e := t.d.fatal(err); e != nil {
				return e
			}
			t.note(err)
			continue
		}
		if int64(len(data)+len(b)) >= t.d.j.lim.MaxStream {
			return errStreamTooLarge // the page's streams are parsed as one
		}
		data = append(append(data, b...), '\n')
	}
	err := t.run(data, res, gstate{ctm: identity, th: 1}, 0)
	t.have = false
	if err != nil {
		return err
	}
	return t.w.sep('\n')
}

func (t *pdfText) note(err error) {
	if t.err == nil && !errors.Is(err, errImage) {
		t.err = err
	}
}

// run interprets one content stream with its resources.
func (t *pdfText) run(data []byte, res pdfDict, gs gstate, depth int) error {
	l := lexer{b: data}
	var (
		ops      []any
		saved    []gstate
		tm, tlm  = identity, identity
		fontDict = t.d.dict(res["Font"])
	)
	num := func(i int) float64 {
		if i < len(ops) {
			switch v := ops[i].(type) {
			case int64:
				return float64(v)
			case float64:
				return v
			}
		}
		return 0
	}
	nextLine := func(tx, ty float64) {
		tlm = translate(tx, ty).mul(tlm)
		tm = tlm
	}
	for {
		if err := t.d.j.tick(); err != nil {
			return err
		}
		obj, err := l.object(0)
		if err != nil {
			return nil // the end of the stream, or junk we stop at
		}
		op, ok := obj.(pdfKeyword)
		if !ok {
			if len(ops) < maxOperands {
				ops = append(ops, obj)
			}
			continue
		}
		switch op {
		case "q":
			if len(saved) < maxGStateDepth {
				saved = append(saved, gs)
			}
		case "Q":
			if n := len(saved); n > 0 {
				gs, saved = saved[n-1], saved[:n-1]
			}
		case "cm":
			if len(ops) == 6 {
				gs.ctm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(gs.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tf":
			if len(ops) == 2 {
				if name, ok := ops[0].(pdfName); ok {
					gs.font = t.font(fontDict[name])
				}
				gs.fs = num(1)
			}
		case "Tc":
			gs.tc = num(0)
		case "Tw":
			gs.tw = num(0)
		case "Tz":
			gs.th = num(0) / 100
		case "TL":
			gs.tl = num(0)
		case "Ts":
			gs.rise = num(0)
		case "Td":
			nextLine(num(0), num(1))
		case "TD":
			gs.tl = -num(1)
			nextLine(num(0), num(1))
		case "Tm":
			if len(ops) == 6 {
				tlm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}
				tm = tlm
			}
		case "T*":
			nextLine(0, -gs.tl)
		case "Tj", "'", "\"":
			if op != "Tj" {
				if op == "\"" && len(ops) == 3 {
					gs.tw, gs.tc = num(0), num(1)
				}
				nextLine(0, -gs.tl)
			}
			if len(ops) > 0 {
				if s, ok := ops[len(ops)-1].(pdfString); ok {
					if err := t.show(string(s), &gs, &tm); err != nil {
						return err
					}
				}
			}
		case "TJ":
			if len(ops) > 0 {
				arr, _ := ops[0].(pdfArray)
				for _, v := range arr {
					switch x := v.(type) {
					case pdfString:
						if err := t.show(string(x), &gs, &tm); err != nil {
							return err
						}
					case int64, float64:
						adj := -toFloat(x) / 1000 * gs.fs
						if gs.font != nil && gs.font.vertical {
							tm = translate(0, adj).mul(tm)
						} else {
							tm = translate(adj*gs.th, 0).mul(tm)
						}
					}
				}
			}
		case "Do":
			if len(ops) == 1 {
				if name, ok := ops[0].(pdfName); ok {
					if err := t.form(t.d.dict(res["XObject"])[name], res, gs, depth); err != nil {
						return err
					}
				}
			}
		case "BI":
			skipInlineImage(&l)
		}
		ops = ops[:0]
	}
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

// skipInlineImage moves l past "... ID <binary data> EI".
func skipInlineImage(l *lexer) {
	for {
		obj, err := l.object(0)
		if err != nil {
			l.pos = len(l.b)
			return
		}
		if obj == pdfKeyword("ID") {
			break
		}
	}
	l.pos++ // the single white-space byte after ID
	for i := l.pos; i+1 < len(l.b); i++ {
		if l.b[i] == 'E' && l.b[i+1] == 'I' && (i == 0 || isPDFSpace(l.b[i-1])) &&
			(i+2 == len(l.b) || isPDFSpace(l.b[i+2]) || isPDFDelim(l.b[i+2])) {
			l.pos = i + 2
			return
		}
	}
	l.pos = len(l.b)
}

// form draws the Form XObject v, if it is one.
func (t *pdfText) form(v any, res pdfDict, gs gstate, depth int) error {
	ref, _ := v.(pdfRef)
	s := t.d.stream(v)
	if s == nil || t.d.name(s.dict["Subtype"]) != "Form" || depth >= maxFormDepth || t.draws >= maxFormDraws {
		return nil
	}
	t.draws++
	data, ok := t.forms[ref]
	if !ok || ref == (pdfRef{}) {
		var err error
		if data, err = t.d.decode(s); err != nil {
			if e := t.d.fatal(err); e != nil {
				return e
			}
			t.note(err)
			return nil
		}
		if ref != (pdfRef{}) && t.formBytes+len(data) <= maxFormCache {
			t.forms[ref] = data
			t.formBytes += len(data)
		}
	}
	if m := t.d.array(s.dict["Matrix"]); len(m) == 6 {
		var fm matrix
		for i := range fm {
			fm[i], _ = t.d.number(m[i])
		}
		gs.ctm = fm.mul(gs.ctm)
	}
	if r := t.d.dict(s.dict["Resources"]); r != nil {
		res = r
	}
	return t.run(data, res, gs, depth+1)
}

func (t *pdfText) font(v any) *pdfFont {
	ref, isRef := v.(pdfRef)
	if isRef {
		if f, ok := t.fonts[ref]; ok {
			return f
		}
	}
	f := t.d.loadFont(t.d.dict(v))
	if isRef {
		t.fonts[ref] = f
	}
	return f
}

// show writes the text of the string s drawn with the graphics state gs,
// moving the text matrix tm past each glyph.
func (t *pdfText) show(s string, gs *gstate, tm *matrix) error {
	f := gs.font
	if f == nil {
		f = defaultFont()
		gs.font = f
	}
	for i := 0; i < len(s); {
		if err := t.d.j.tick(); err != nil {
			return err
		}
		n := min(f.space.next(s[i:]), len(s)-i)
		code := s[i : i+n]
		i += n
		trm := matrix{gs.fs * gs.th, 0, 0, gs.fs, 0, gs.rise}.mul(*tm).mul(gs.ctm)
		text := f.text(code)
		t.glyphs++
		if text == "" {
			t.undecoded++
		}
		if err := t.place(trm, text); err != nil {
			return err
		}
		w := f.width(code)
		if f.vertical {
			*tm = translate(0, -gs.fs+gs.tc).mul(*tm)
		} else {
			tx := w*gs.fs + gs.tc
			if n == 1 && code[0] == ' ' {
				tx += gs.tw
			}
			*tm = translate(tx*gs.th, 0).mul(*tm)
		}
		end := matrix{gs.fs * gs.th, 0, 0, gs.fs, 0, gs.rise}.mul(*tm).mul(gs.ctm)
		t.have, t.endX, t.endY = true, end[4], end[5]
	}
	return nil
}

// place writes text drawn at the glyph space trm, after a line break if it
// is off the line of the previous glyph, or a space if it is apart from it.
func (t *pdfText) place(trm matrix, text string) error {
	size := math.Hypot(trm[2], trm[3])
	dx, dy := trm[0], trm[1]
	if l := math.Hypot(dx, dy); l > 0 {
		dx, dy = dx/l, dy/l
	} else {
		dx, dy = 1, 0
	}
	if t.have && text != "" {
		ref := max(size, t.size)
		if ref <= 0 {
			ref = 1
		}
		ddx, ddy := trm[4]-t.endX, trm[5]-t.endY
		along := ddx*t.dirX + ddy*t.dirY
		across := -ddx*t.dirY + ddy*t.dirX
		switch {
		case math.Abs(across) > 0.5*ref:
			if err := t.w.sep('\n'); err != nil {
				return err
			}
		case along > 0.15*ref || along < -0.5*ref:
			if err := t.w.sep(' '); err != nil {
				return err
			}
		}
	}
	t.size, t.dirX, t.dirY = size, dx, dy
	return t.w.WriteString(text)
}

func defaultFont() *pdfFont {
	f := &pdfFont{simple: simpleEncoding(nil, nil), dw: 0.5}
	f.space.add([]byte{0}, []byte{0xff})
	return f
}

// text is the text of one code: from ToUnicode if it maps the code, else
// from the font's encoding.
func (f *pdfFont) text(code string) string {
	c := codeOf(code)
	if f.toUni != nil {
		if s, ok := f.toUni.lookup(len(code), c); ok {
			return s
		}
	}
	switch {
	case f.simple != nil && len(code) == 1:
		return f.simple[code[0]]
	case f.decoder != nil:
		return f.decoder([]byte(code))
	}
	return ""
}

// width is the advance of one code in text space units (ems).
func (f *pdfFont) width(code string) float64 {
	c := codeOf(code)
	if f.simple == nil {
		switch {
		case f.identity:
		case f.enc != nil:
			if cid, ok := f.enc.cidOf(len(code), c); ok {
				c = cid
			} else {
				return f.dw
			}
		default:
			return f.dw
		}
	}
	if w, ok := f.widths[c]; ok {
		return w
	}
	if f.simple != nil && c == ' ' {
		return 0.25
	}
	return f.dw
}
