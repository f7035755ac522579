package extract

import (
	"errors"
	"strconv"
)

// PDF objects as the lexer returns them: nil (null), bool, int64, float64,
// pdfString (the raw bytes), pdfName, pdfArray, pdfDict, pdfRef, *pdfStream,
// and pdfKeyword for operators and delimiters.
type (
	pdfString  string
	pdfName    string
	pdfKeyword string
	pdfArray   []any
	pdfDict    map[pdfName]any
	pdfRef     struct{ num, gen int }
	pdfStream  struct {
		dict pdfDict
		off  int64  // file offset of the data
		ref  pdfRef // the object the stream is, for decryption
	}
)

// errShort means the data ended inside an object: the caller may retry
// with more of the file.
var errShort = errors.New("pdf: unexpected end of data")

// maxPDFDepth bounds the nesting of arrays and dictionaries.
const maxPDFDepth = 64

// lexer reads PDF tokens and objects from a slice of bytes.
type lexer struct {
	b    []byte
	pos  int
	refs bool // recognise "n g R" as a reference (not in content streams)
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isPDFSpace(c) {
			l.pos++
			continue
		}
		if c != '%' {
			return
		}
		for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
			l.pos++
		}
	}
}

// token returns the next token, or errShort at the end of the data.
func (l *lexer) token() (any, error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, errShort
	}
	c := l.b[l.pos]
	l.pos++
	switch c {
	case '/':
		return l.name(), nil
	case '(':
		return l.literal()
	case '<':
		if l.pos < len(l.b) && l.b[l.pos] == '<' {
			l.pos++
			return pdfKeyword("<<"), nil
		}
		return l.hex()
	case '>':
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
			return pdfKeyword(">>"), nil
		}
		return pdfKeyword(">"), nil
	case '[', ']', '{', '}', ')':
		return pdfKeyword(rune(c)), nil
	}
	start := l.pos - 1
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		l.pos++
	}
	word := l.b[start:l.pos]
	if c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9' {
		if n, ok := parseInt(word); ok {
			return n, nil
		}
		if f, err := strconv.ParseFloat(string(word), 64); err == nil {
			return f, nil
		}
		return 0.0, nil // malformed numbers such as "--1" or "1.2.3": readers take them as 0
	}
	switch string(word) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	return pdfKeyword(word), nil
}

func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func (l *lexer) name() pdfName {
	start := l.pos
	hasHash := false
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		hasHash = hasHash || l.b[l.pos] == '#'
		l.pos++
	}
	raw := l.b[start:l.pos]
	if !hasHash {
		return pdfName(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			if h, l := unhex(raw[i+1]), unhex(raw[i+2]); h >= 0 && l >= 0 {
				out = append(out, byte(h<<4|l))
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	return pdfName(out)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (l *lexer) hex() (any, error) {
	var out []byte
	hi := -1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			if hi >= 0 {
				out = append(out, byte(hi<<4))
			}
			return pdfString(out), nil
		}
		v := unhex(c)
		if v < 0 {
			continue // whitespace, or junk that readers skip
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	return nil, errShort
}

func (l *lexer) literal() (any, error) {
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return pdfString(out), nil
			}
		case '\r':
			// An end of line in a string is a \n, whatever it was.
			if l.pos < len(l.b) && l.b[l.pos] == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			if l.pos >= len(l.b) {
				return nil, errShort
			}
			c = l.b[l.pos]
			l.pos++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if c >= '0' && c <= '7' {
					v := int(c - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				}
			}
		}
		out = append(out, c)
	}
	return nil, errShort
}

// object reads one object: a value, an array, a dictionary, or (when refs
// is set) a reference "n g R".
func (l *lexer) object(depth int) (any, error) {
	if depth > maxPDFDepth {
		return nil, errors.New("pdf: objects nested too deep")
	}
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case pdfKeyword:
		switch t {
		case "[":
			var arr pdfArray
			for {
				l.skipSpace()
				if l.pos < len(l.b) && l.b[l.pos] == ']' {
					l.pos++
					return arr, nil
				}
				v, err := l.object(depth + 1)
				if err != nil {
					return nil, err
				}
				if k, ok := v.(pdfKeyword); ok && (k == ">>" || k == "endobj") {
					return arr, nil // an unclosed array; keep what it had
				}
				arr = append(arr, v)
			}
		case "<<":
			return l.dict(depth)
		}
		return t, nil
	case int64:
		if !l.refs {
			return t, nil
		}
		save := l.pos
		if gen, err := l.token(); err == nil {
			if g, ok := gen.(int64); ok {
				if r, err := l.token(); err == nil && r == pdfKeyword("R") {
					return pdfRef{int(t), int(g)}, nil
				}
			}
		} else if err == errShort && l.refs {
			// "12 0" at the end of the data may be the start of a reference.
			return nil, errShort
		}
		l.pos = save
		return t, nil
	}
	return tok, nil
}

func (l *lexer) dict(depth int) (pdfDict, error) {
	d := make(pdfDict)
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		switch k := tok.(type) {
		case pdfKeyword:
			if k == ">>" {
				return d, nil
			}
			if k == "endobj" || k == "stream" {
				l.pos -= len(k)
				return d, nil // an unclosed dictionary; keep what it had
			}
			continue // junk where a key should be
		case pdfName:
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			if kw, ok := v.(pdfKeyword); ok && kw == ">>" {
				d[k] = nil
				return d, nil
			}
			d[k] = v
		}
	}
}
