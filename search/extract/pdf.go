package extract

import (
	"bytes"
	"errors"
	"io"

	cpaudit "github.com/cpaudit/cpaudit"
)

// The PDF reader is our own, not a library. The Go PDF libraries that read
// text (github.com/ledongthuc/pdf and its sibling fork github.com/dslipak/pdf,
// both descended from rsc.io/pdf) decode ToUnicode maps well, but they take
// no context, and a 300-byte PDF whose content stream ends inside a hex
// string ("<4142" then the end of the stream) makes their lexer spin
// forever without reading anything: a goroutine running them could be
// abandoned on timeout but would burn a core until the process restarts.
// pdfcpu parses robustly but does not extract text. So this reader does
// only what text extraction needs, with every loop bounded by the job:
//
//   - the cross-reference table or stream (with /Prev chains, hybrid files
//     and object streams), rebuilt by scanning the file for "n g obj" when
//     it is missing or wrong;
//   - the Standard security handler with an empty user password (files
//     "protected" against printing or copying only), RC4 and AES;
//   - the filters text lives behind (Flate, LZW, ASCII85, ASCIIHex,
//     RunLength) with their predictors, every decompressed byte charged to
//     Limits.MaxUnzipped;
//   - fonts: ToUnicode CMaps first (simple and composite fonts), then the
//     predefined Chinese CMaps (UCS-2, UTF-16, GBK/EUC) and simple
//     encodings with /Differences;
//   - the content stream operators that place text, to know where lines
//     and words break.

// pdfDoc is a PDF file being read.
type pdfDoc struct {
	j       *job
	r       io.ReaderAt
	size    int64
	xref    map[int]xrefEntry
	trailer pdfDict
	objs    map[int]any // resolved objects, by number
	stms    map[int]*objStream
	crypt   *pdfCrypt
	rebuilt bool
	depth   int // nesting of object reads, against reference loops
}

type xrefEntry struct {
	free  bool
	off   int64 // file offset, for objects in the file
	inStm bool  // in an object stream: stm is its number, idx the index in it
	stm   int
	idx   int
}

type objStream struct {
	data  []byte
	first int
	offs  map[int]int // object number → offset after first
}

func errMalformed(format string, args ...any) error {
	return failed("not a valid PDF: "+format, args...)
}

func openPDF(j *job, r io.ReaderAt, size int64) (*pdfDoc, error) {
	d := &pdfDoc{j: j, r: r, size: size, xref: make(map[int]xrefEntry), trailer: make(pdfDict),
		objs: make(map[int]any), stms: make(map[int]*objStream)}
	if err := d.readXref(); err != nil {
		if e := d.fatal(err); e != nil {
			return nil, e
		}
		if err := d.rebuild(); err != nil {
			return nil, err
		}
	}
	if _, ok := d.trailer["Root"].(pdfRef); !ok {
		if err := d.rebuild(); err != nil {
			return nil, err
		}
	}
	if enc := d.trailer["Encrypt"]; enc != nil {
		c, err := d.newCrypt(enc)
		if err != nil {
			return nil, err
		}
		d.crypt = c
	}
	return d, nil
}

// fatal returns the error that must end the extraction, whatever else
// could still be tried, if err is one: the time is up, a budget is spent,
// or the file needs a password. It returns nil for a damaged part.
func (d *pdfDoc) fatal(err error) error {
	if e := d.j.ctx.Err(); e != nil {
		return e
	}
	var f *failure
	if errors.Is(err, errBomb) || errors.Is(err, errStreamBomb) || errors.Is(err, errStreamTooLarge) || errors.Is(err, errFull) ||
		errors.As(err, &f) && f.status == cpaudit.TextUnsupported {
		return err
	}
	return nil
}

// window returns up to n bytes of the file from off.
func (d *pdfDoc) window(off, n int64) ([]byte, error) {
	if off < 0 || off >= d.size {
		return nil, errMalformed("offset %d outside the file", off)
	}
	n = min(n, d.size-off)
	b := make([]byte, n)
	m, err := d.r.ReadAt(b, off)
	if m < len(b) && err != nil && err != io.EOF {
		return nil, failed("the file cannot be read: %v", err)
	}
	return b[:m], nil
}

// parseAt reads the data at off with parse, in a window of the file that
// grows while parse runs off its end.
func (d *pdfDoc) parseAt(off int64, parse func(l *lexer) error) error {
	for n := int64(4 << 10); ; n *= 4 {
		if err := d.j.ctx.Err(); err != nil {
			return err
		}
		b, err := d.window(off, n)
		if err != nil {
			return err
		}
		err = parse(&lexer{b: b, refs: true})
		if err != errShort || off+int64(len(b)) >= d.size || n >= 64<<20 {
			if err == errShort {
				return errMalformed("an object at offset %d is cut short", off)
			}
			return err
		}
	}
}

// readXref reads the cross-reference sections from startxref on, newest
// first, so that the entries of later updates win.
func (d *pdfDoc) readXref() error {
	tail, err := d.window(max(0, d.size-2048), 2048)
	if err != nil {
		return err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return errMalformed("no startxref")
	}
	l := lexer{b: tail[i+len("startxref"):]}
	tok, _ := l.token()
	off, ok := tok.(int64)
	if !ok {
		return errMalformed("no startxref offset")
	}
	seen := make(map[int64]bool)
	for n := 0; ; n++ {
		if n > 1000 || seen[off] {
			return errMalformed("cross-reference sections loop")
		}
		seen[off] = true
		trailer, err := d.readXrefSection(off)
		if err != nil {
			return err
		}
		for k, v := range trailer {
			if _, ok := d.trailer[k]; !ok {
				d.trailer[k] = v
			}
		}
		if stm, ok := trailer["XRefStm"].(int64); ok && !seen[stm] {
			seen[stm] = true
			if _, err := d.readXrefSection(stm); err != nil {
				return err
			}
		}
		prev, ok := trailer["Prev"].(int64)
		if !ok {
			return nil
		}
		off = prev
	}
}

// readXrefSection reads one xref table and its trailer, or one xref stream.
func (d *pdfDoc) readXrefSection(off int64) (pdfDict, error) {
	var trailer pdfDict
	var stm *pdfStream
	err := d.parseAt(off, func(l *lexer) error {
		entries := make(map[int]xrefEntry)
		tok, err := l.token()
		if err != nil {
			return err
		}
		if tok != pdfKeyword("xref") {
			// An xref stream: "n g obj << /Type /XRef ... >> stream".
			l.pos = 0
			_, obj, err := parseIndirect(l, off)
			if err != nil {
				return err
			}
			s, ok := obj.(*pdfStream)
			if !ok || s.dict["Type"] != pdfName("XRef") {
				return errMalformed("no cross-reference table at offset %d", off)
			}
			stm = s
			return nil
		}
		for {
			if err := d.j.tick(); err != nil {
				return err
			}
			tok, err := l.token()
			if err != nil {
				return err
			}
			if tok == pdfKeyword("trailer") {
				t, err := l.object(0)
				if err != nil {
					return err
				}
				if trailer, _ = t.(pdfDict); trailer == nil {
					return errMalformed("no trailer dictionary")
				}
				break
			}
			start, ok1 := tok.(int64)
			count, err := l.token()
			if err != nil {
				return err
			}
			n, ok2 := count.(int64)
			if !ok1 || !ok2 || start < 0 || n < 0 || n > d.size/10+1 {
				return errMalformed("bad cross-reference table at offset %d", off)
			}
			for i := int64(0); i < n; i++ {
				o, err1 := l.token()
				_, err2 := l.token()
				kind, err3 := l.token()
				if err := errors.Join(err1, err2, err3); err != nil {
					return err
				}
				ofs, _ := o.(int64)
				entries[int(start+i)] = xrefEntry{free: kind != pdfKeyword("n"), off: ofs}
			}
		}
		for num, e := range entries {
			if _, ok := d.xref[num]; !ok {
				d.xref[num] = e
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if stm != nil {
		return stm.dict, d.readXrefStream(stm)
	}
	return trailer, nil
}

func (d *pdfDoc) readXrefStream(s *pdfStream) error {
	data, err := d.decode(s)
	if err != nil {
		return err
	}
	var w [3]int
	wa, _ := s.dict["W"].(pdfArray)
	if len(wa) < 3 {
		return errMalformed("xref stream without W")
	}
	width := 0
	for i := range w {
		v, _ := wa[i].(int64)
		if v < 0 || v > 8 {
			return errMalformed("xref stream with a bad W")
		}
		w[i] = int(v)
		width += w[i]
	}
	if width == 0 {
		return errMalformed("xref stream with a bad W")
	}
	size, _ := s.dict["Size"].(int64)
	index, _ := s.dict["Index"].(pdfArray)
	if index == nil {
		index = pdfArray{int64(0), size}
	}
	field := func(b []byte, def int64) int64 {
		if len(b) == 0 {
			return def
		}
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for k := 0; k+1 < len(index); k += 2 {
		start, _ := index[k].(int64)
		n, _ := index[k+1].(int64)
		for i := int64(0); i < n && pos+width <= len(data); i++ {
			if err := d.j.tick(); err != nil {
				return err
			}
			row := data[pos : pos+width]
			pos += width
			typ := field(row[:w[0]], 1)
			f2 := field(row[w[0]:w[0]+w[1]], 0)
			f3 := field(row[w[0]+w[1]:], 0)
			num := int(start + i)
			if _, ok := d.xref[num]; ok || num < 0 {
				continue
			}
			switch typ {
			case 0:
				d.xref[num] = xrefEntry{free: true}
			case 1:
				d.xref[num] = xrefEntry{off: f2}
			case 2:
				d.xref[num] = xrefEntry{inStm: true, stm: int(f2), idx: int(f3)}
			}
		}
	}
	return nil
}

// parseIndirect reads "n g obj value [stream]" at the lexer's position;
// off is the file offset of the lexer's data.
func parseIndirect(l *lexer, off int64) (pdfRef, any, error) {
	num, err1 := l.token()
	gen, err2 := l.token()
	kw, err3 := l.token()
	if err := errors.Join(err1, err2, err3); err != nil {
		return pdfRef{}, nil, err
	}
	n, ok1 := num.(int64)
	g, ok2 := gen.(int64)
	if !ok1 || !ok2 || kw != pdfKeyword("obj") {
		return pdfRef{}, nil, errMalformed("no object at offset %d", off)
	}
	ref := pdfRef{int(n), int(g)}
	obj, err := l.object(0)
	if err != nil {
		return ref, nil, err
	}
	dict, ok := obj.(pdfDict)
	if !ok {
		return ref, obj, nil
	}
	save := l.pos
	if tok, err := l.token(); err == nil && tok == pdfKeyword("stream") {
		// The data starts after the end of line that follows "stream".
		if l.pos < len(l.b) && l.b[l.pos] == '\r' {
			l.pos++
		}
		if l.pos < len(l.b) && l.b[l.pos] == '\n' {
			l.pos++
		}
		return ref, &pdfStream{dict: dict, off: off + int64(l.pos), ref: ref}, nil
	} else if err == errShort {
		return ref, nil, errShort
	}
	l.pos = save
	return ref, dict, nil
}

// rebuild recovers the cross-reference table of a damaged file by scanning
// it for "n g obj", and its trailer from "trailer" dictionaries, xref
// streams or, failing those, the catalog itself.
func (d *pdfDoc) rebuild() error {
	if d.rebuilt {
		return errMalformed("the file structure cannot be recovered")
	}
	d.rebuilt = true
	d.xref = make(map[int]xrefEntry)
	d.objs = make(map[int]any)
	d.stms = make(map[int]*objStream)
	trailer := make(pdfDict)
	var trailers []int64
	const chunk = 1 << 20
	for base := int64(0); base < d.size; base += chunk {
		if err := d.j.ctx.Err(); err != nil {
			return err
		}
		b, err := d.window(base, chunk+64)
		if err != nil {
			return err
		}
		limit := min(len(b), chunk)
		for i := 0; i < limit; {
			k := bytes.Index(b[i:], []byte("obj"))
			if k < 0 || i+k >= limit {
				break
			}
			if start, num, ok := objHeader(b, i+k); ok {
				d.xref[num] = xrefEntry{off: base + int64(start)}
			}
			i += k + 3
		}
		for i := 0; i < limit; {
			t := bytes.Index(b[i:], []byte("trailer"))
			if t < 0 || i+t >= limit {
				break
			}
			trailers = append(trailers, base+int64(i+t+len("trailer")))
			i += t + 1
		}
	}
	for _, off := range trailers {
		_ = d.parseAt(off, func(l *lexer) error {
			t, err := l.object(0)
			if dict, ok := t.(pdfDict); ok && err == nil {
				for k, v := range dict {
					trailer[k] = v // later trailers win
				}
			}
			return nil
		})
	}
	// Objects in object streams are invisible to the scan: list them, and
	// look for the catalog and xref streams on the way.
	var catalog pdfRef
	for num := range d.xref {
		if err := d.j.tick(); err != nil {
			return err
		}
		obj, err := d.object(num)
		if err != nil {
			if e := d.fatal(err); e != nil {
				return e
			}
			continue
		}
		var dict pdfDict
		switch o := obj.(type) {
		case pdfDict:
			dict = o
		case *pdfStream:
			dict = o.dict
		}
		switch dict["Type"] {
		case pdfName("Catalog"):
			catalog = pdfRef{num, 0}
		case pdfName("XRef"):
			for k, v := range dict {
				if _, ok := trailer[k]; !ok && (k == "Root" || k == "Encrypt" || k == "ID" || k == "Info") {
					trailer[k] = v
				}
			}
		case pdfName("ObjStm"):
			s, err := d.objStream(num)
			if err != nil {
				if e := d.fatal(err); e != nil {
					return e
				}
				continue
			}
			for n := range s.offs {
				if _, ok := d.xref[n]; !ok {
					d.xref[n] = xrefEntry{inStm: true, stm: num, idx: -1}
				}
			}
		}
	}
	if _, ok := trailer["Root"].(pdfRef); !ok && catalog.num != 0 {
		trailer["Root"] = catalog
	}
	if _, ok := trailer["Root"].(pdfRef); !ok {
		return errMalformed("no document catalog found")
	}
	d.trailer = trailer
	return nil
}

// objHeader recognises "n g obj" whose "obj" is at b[k]: it returns the
// offset of n and n itself.
func objHeader(b []byte, k int) (int, int, bool) {
	if k+3 < len(b) && !isPDFSpace(b[k+3]) && !isPDFDelim(b[k+3]) {
		return 0, 0, false
	}
	i := k
	skipBack := func(digits bool) int {
		n := 0
		for i > 0 && (digits && b[i-1] >= '0' && b[i-1] <= '9' || !digits && isPDFSpace(b[i-1])) {
			i--
			n++
		}
		return n
	}
	if skipBack(false) == 0 || skipBack(true) == 0 || skipBack(false) == 0 {
		return 0, 0, false
	}
	end := i
	if skipBack(true) == 0 || i > 0 && !isPDFSpace(b[i-1]) && !isPDFDelim(b[i-1]) {
		return 0, 0, false
	}
	n, ok := parseInt(b[i:end])
	if !ok || n > 1<<24 {
		return 0, 0, false
	}
	return i, int(n), true
}

// object returns object num, read and cached.
func (d *pdfDoc) object(num int) (any, error) {
	if obj, ok := d.objs[num]; ok {
		return obj, nil
	}
	e, ok := d.xref[num]
	if !ok || e.free {
		return nil, nil
	}
	if d.depth > 32 {
		return nil, errMalformed("objects refer to each other in a loop")
	}
	d.depth++
	defer func() { d.depth-- }()
	if err := d.j.tick(); err != nil {
		return nil, err
	}
	var obj any
	if e.inStm {
		s, err := d.objStream(e.stm)
		if err != nil {
			return nil, err
		}
		at, ok := s.offs[num]
		if !ok {
			return nil, nil
		}
		l := lexer{b: s.data, pos: s.first + at, refs: true}
		if l.pos < 0 || l.pos > len(l.b) {
			return nil, errMalformed("object %d outside its object stream", num)
		}
		if obj, err = l.object(0); err != nil {
			return nil, errMalformed("object %d: %v", num, err)
		}
	} else {
		var ref pdfRef
		err := d.parseAt(e.off, func(l *lexer) error {
			var err error
			ref, obj, err = parseIndirect(l, e.off)
			return err
		})
		if err == nil && ref.num != num {
			err = errMalformed("object %d is not at its offset", num)
		}
		if err != nil {
			if e := d.fatal(err); e != nil || d.rebuilt {
				return nil, err
			}
			// The table lied: rebuild it once, then try again.
			if err := d.rebuild(); err != nil {
				return nil, err
			}
			return d.object(num)
		}
	}
	d.objs[num] = obj
	return obj, nil
}

func (d *pdfDoc) objStream(num int) (*objStream, error) {
	if s, ok := d.stms[num]; ok {
		if s == nil {
			return nil, errMalformed("object stream %d contains itself", num)
		}
		return s, nil
	}
	d.stms[num] = nil
	obj, err := d.object(num)
	if err != nil {
		return nil, err
	}
	stm, ok := obj.(*pdfStream)
	if !ok {
		return nil, errMalformed("object stream %d is not a stream", num)
	}
	data, err := d.decode(stm)
	if err != nil {
		return nil, err
	}
	first, _ := stm.dict["First"].(int64)
	n, _ := stm.dict["N"].(int64)
	if first < 0 || first > int64(len(data)) || n < 0 || n > int64(len(data)) {
		return nil, errMalformed("object stream %d has a bad header", num)
	}
	s := &objStream{data: data, first: int(first), offs: make(map[int]int, n)}
	l := lexer{b: data[:first]}
	for i := int64(0); i < n; i++ {
		a, err1 := l.token()
		b, err2 := l.token()
		on, ok1 := a.(int64)
		oo, ok2 := b.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			break
		}
		if _, dup := s.offs[int(on)]; !dup {
			s.offs[int(on)] = int(oo)
		}
	}
	d.stms[num] = s
	return s, nil
}

// resolve follows references until it reaches a value.
func (d *pdfDoc) resolve(v any) (any, error) {
	for i := 0; i < 32; i++ {
		ref, ok := v.(pdfRef)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = d.object(ref.num); err != nil {
			return nil, err
		}
	}
	return nil, errMalformed("references loop")
}

// The getters below resolve v and return it as one type, or the zero value:
// like every PDF reader, we take a wrong type as absent.

func (d *pdfDoc) dict(v any) pdfDict {
	v, err := d.resolve(v)
	if err != nil {
		return nil
	}
	switch o := v.(type) {
	case pdfDict:
		return o
	case *pdfStream:
		return o.dict
	}
	return nil
}

func (d *pdfDoc) array(v any) pdfArray {
	v, _ = d.resolve(v)
	a, _ := v.(pdfArray)
	return a
}

func (d *pdfDoc) number(v any) (float64, bool) {
	v, _ = d.resolve(v)
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func (d *pdfDoc) name(v any) pdfName {
	v, _ = d.resolve(v)
	n, _ := v.(pdfName)
	return n
}

func (d *pdfDoc) stream(v any) *pdfStream {
	v, _ = d.resolve(v)
	s, _ := v.(*pdfStream)
	return s
}

// streamData returns the raw (still encoded) bytes of s. When /Length is
// missing or wrong, the data ends at the next "endstream".
func (d *pdfDoc) streamData(s *pdfStream) ([]byte, error) {
	if n, ok := d.number(s.dict["Length"]); ok && n >= 0 && s.off+int64(n) <= d.size {
		end := s.off + int64(n)
		tail, _ := d.window(end, 32)
		l := lexer{b: tail}
		if tok, _ := l.token(); tok == pdfKeyword("endstream") || end == d.size {
			return d.window(s.off, int64(n))
		}
	}
	const chunk = 1 << 20
	for base := s.off; base < d.size; base += chunk {
		if err := d.j.ctx.Err(); err != nil {
			return nil, err
		}
		b, err := d.window(base, chunk+16)
		if err != nil {
			return nil, err
		}
		if i := bytes.Index(b, []byte("endstream")); i >= 0 {
			end := base + int64(i)
			data, err := d.window(s.off, end-s.off)
			if err != nil {
				return nil, err
			}
			return bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r")), nil
		}
	}
	return nil, errMalformed("a stream has no end")
}
