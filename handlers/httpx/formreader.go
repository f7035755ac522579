package httpx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// formReader reads a multipart/form-data body (RFC 7578) part by part,
// for uploads. It reads like mime/multipart.Reader but hands a part's bytes
// out straight from one large buffer, where mime/multipart copies them
// through its own 4 KiB buffer a few kilobytes per call; that cost 0.3 ms
// of CPU per MiB uploaded, about a tenth of an upload's time on the
// embedded store (see scripts/bench-upload).
//
// Delimiters are CRLF as RFC 7578 requires (every browser, curl and Go's
// own client send them); a part's headers may end their lines in bare LF.
// Parts in a transfer encoding other than binary, 7bit or 8bit are
// refused, as no browser sends them.
type formReader struct {
	br     *bufio.Reader // formBufferSize: far larger than a delimiter, see formPart.scan
	nlDash []byte        // "\r\n--" + boundary, ending every part; without the CRLF it opens the first
	part   *formPart     // the part being read, nil before the first
	done   bool          // the closing delimiter has been read
}

// formPart is one part of a form: its field name, its file name if it is
// a file, and its bytes through Read.
type formPart struct {
	fr       *formReader
	name     string
	filename string
	n        int   // bytes at the front of the buffer that are this part's
	atEnd    bool  // after those n bytes comes the part's closing delimiter
	err      error // what Read returns once n is spent and !atEnd
}

// formBufferSize is how much of a form is read from the connection at
// once, and the most of a part that one scan can hand out.
const formBufferSize = 256 << 10

// Limits on the form's framing, which a client could otherwise stretch
// to fill memory: a boundary is at most 70 characters (RFC 2046), and the
// preamble and each part's headers are small in any real form.
const (
	maxBoundary    = 70
	maxPreamble    = 8 << 10
	maxPartHeaders = 16 << 10
	maxHeaderLines = 64
)

// errFormHeaders is a part's headers over the limits or malformed.
var errFormHeaders = errors.New("multipart part headers are malformed or too long")

// OpenForm reads r's body (which the caller has limited) as a form,
// through a 256 KiB buffer from the server's pool, so that an upload does
// not allocate and clear one; release returns it. KindInvalid with hint
// when the request is not multipart/form-data with a usable boundary.
func (k *Kit) OpenForm(r *http.Request, hint string) (fr *formReader, release func(), err error) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadMalformed, "%s", hint)
	}
	br, _ := k.formBuffers.Get().(*bufio.Reader)
	if br == nil {
		br = bufio.NewReaderSize(nil, formBufferSize)
	}
	br.Reset(r.Body)
	release = func() {
		br.Reset(nil)
		k.formBuffers.Put(br)
	}
	if fr, err = newFormReader(br, params["boundary"]); err != nil {
		release()
		return nil, nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadMalformed, "the multipart boundary must be 1 to %d characters", maxBoundary)
	}
	return fr, release, nil
}

// newFormReader reads parts from br, which must be at least a few times
// larger than the delimiter (formBufferSize is).
func newFormReader(br *bufio.Reader, boundary string) (*formReader, error) {
	if boundary == "" || len(boundary) > maxBoundary {
		return nil, fmt.Errorf("multipart boundary of %d bytes", len(boundary))
	}
	return &formReader{br: br, nlDash: []byte("\r\n--" + boundary)}, nil
}

// NextPart skips what is left of the current part and returns the next;
// io.EOF after the last.
func (fr *formReader) NextPart() (*formPart, error) {
	if fr.done {
		return nil, io.EOF
	}
	if fr.part == nil {
		if err := fr.skipPreamble(); err != nil {
			return nil, err
		}
	} else {
		if _, err := io.Copy(io.Discard, fr.part); err != nil {
			return nil, err
		}
		fr.br.Discard(len(fr.nlDash))
		last, err := fr.delimiterEnd()
		if err != nil {
			return nil, err
		}
		if last {
			fr.done = true
			return nil, io.EOF
		}
	}
	p := &formPart{fr: fr}
	if err := p.readHeaders(); err != nil {
		return nil, err
	}
	fr.part = p
	return p, nil
}

// skipPreamble reads up to and including the first delimiter line. A form
// that opens with the closing delimiter has no parts.
func (fr *formReader) skipPreamble() error {
	read := 0
	for {
		line, err := fr.br.ReadSlice('\n')
		read += len(line)
		if err != nil || read > maxPreamble {
			return noEOF(err, "the multipart body has no opening boundary")
		}
		rest, ok := bytes.CutPrefix(line, fr.nlDash[2:])
		if !ok {
			continue
		}
		if bytes.HasPrefix(rest, []byte("--")) {
			fr.done = true
			return io.EOF
		}
		if len(bytes.TrimRight(rest, " \t\r\n")) == 0 {
			return nil
		}
	}
}

// delimiterEnd reads the rest of a delimiter line after "--boundary":
// "--" closes the form (what follows, the epilogue, is ignored), else
// optional white space and CRLF open the next part.
func (fr *formReader) delimiterEnd() (last bool, err error) {
	line, err := fr.br.ReadSlice('\n')
	if bytes.HasPrefix(line, []byte("--")) {
		return true, nil
	}
	if err != nil {
		return false, noEOF(err, "the multipart body ends inside a boundary line")
	}
	if len(bytes.TrimRight(line, " \t\r\n")) != 0 || !bytes.HasSuffix(line, []byte("\r\n")) {
		return false, errors.New("a multipart boundary line has trailing characters")
	}
	return false, nil
}

// readHeaders reads the part's header lines up to the empty one and keeps
// its field and file names.
func (p *formPart) readHeaders() error {
	h := textproto.MIMEHeader{}
	var key string
	size := 0
	for lines := 0; ; lines++ {
		line, err := p.fr.br.ReadSlice('\n')
		size += len(line)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return errFormHeaders
			}
			return noEOF(err, "the multipart body ends inside a part's headers")
		}
		if size > maxPartHeaders || lines > maxHeaderLines {
			return errFormHeaders
		}
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			break
		}
		if text[0] == ' ' || text[0] == '\t' { // a folded continuation
			if key == "" {
				return errFormHeaders
			}
			vs := h[key]
			vs[len(vs)-1] += " " + strings.TrimSpace(text)
			continue
		}
		k, v, ok := strings.Cut(text, ":")
		if !ok {
			return errFormHeaders
		}
		key = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		h.Add(key, strings.TrimSpace(v))
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "", "binary", "7bit", "8bit":
	default:
		return errors.New("multipart parts in a transfer encoding are not supported")
	}
	if cd := h.Get("Content-Disposition"); cd != "" {
		disposition, params, err := mime.ParseMediaType(cd)
		if err == nil && disposition == "form-data" {
			p.name, p.filename = params["name"], params["filename"]
		}
	}
	return nil
}

// FormName is the part's field name, "" if it has none.
func (p *formPart) FormName() string { return p.name }

// FileName is the file name the client sent, "" for a plain field. It is
// the client's string: clean it before use.
func (p *formPart) FileName() string { return p.filename }

// Read reads the part's bytes; io.EOF at its closing delimiter.
func (p *formPart) Read(d []byte) (int, error) {
	for p.n == 0 {
		if p.atEnd {
			return 0, io.EOF
		}
		if p.err != nil {
			return 0, p.err
		}
		p.scan()
	}
	k := min(len(d), p.n)
	buf, _ := p.fr.br.Peek(k)
	copy(d, buf)
	p.fr.br.Discard(k)
	p.n -= k
	return k, nil
}

// scan looks at what is buffered and sets n to how much of it is
// certainly the part's data: everything before a delimiter, or, with no
// delimiter in sight, all but a tail that could be the start of one. When
// nothing can be said yet it reads more, or sets err.
func (p *formPart) scan() {
	br, delim := p.fr.br, p.fr.nlDash
	buf, _ := br.Peek(br.Buffered())
	for from := 0; ; {
		i := bytes.Index(buf[from:], delim)
		if i < 0 {
			break
		}
		i += from
		switch isDelimiter(buf[i+len(delim):]) {
		case 1: // the data before it, then the end
			p.n, p.atEnd = i, true
			return
		case 0: // cannot tell yet
			if i > 0 {
				p.n = i
				return
			}
			p.more(buf)
			return
		}
		from = i + 1 // "\r\n--boundary" followed by other bytes is data
	}
	if safe := len(buf) - (len(delim) - 1); safe > 0 {
		p.n = safe
		return
	}
	p.more(buf)
}

// more reads beyond the buffered bytes; at the end of the body the part
// was cut off.
func (p *formPart) more(buf []byte) {
	if _, err := p.fr.br.Peek(len(buf) + 1); err != nil {
		p.err = noEOF(err, "the multipart body ends inside a part")
	}
}

// isDelimiter says what the bytes after "\r\n--boundary" make of it: 1 a
// delimiter ("--" closing the form, or white space and CRLF), -1 data
// that happens to contain the boundary, 0 too few bytes to tell.
func isDelimiter(after []byte) int {
	if len(after) < 2 {
		if len(after) == 1 && after[0] != '-' && after[0] != '\r' && after[0] != ' ' && after[0] != '\t' {
			return -1
		}
		return 0
	}
	if after[0] == '-' && after[1] == '-' {
		return 1
	}
	rest := bytes.TrimLeft(after, " \t")
	switch {
	case len(rest) == 0 || len(rest) == 1 && rest[0] == '\r':
		return 0
	case rest[0] == '\r' && rest[1] == '\n':
		return 1
	}
	return -1
}

// noEOF turns the end of the body where more was due into
// io.ErrUnexpectedEOF (with what), and keeps other errors, such as the
// size limit's, as they are.
func noEOF(err error, what string) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("%s: %w", what, io.ErrUnexpectedEOF)
	}
	return err
}
