package extract

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// extractText writes a plain text file (.txt, .csv, .md...) decoded from
// its encoding (see detectEncoding).
func extractText(j *job, r io.ReaderAt, size int64) error {
	enc, skip, err := detectEncoding(j, r, size, "")
	if err != nil {
		return err
	}
	src := transform.NewReader(io.NewSectionReader(r, skip, size-skip), enc.NewDecoder())
	br := bufio.NewReaderSize(src, 64<<10)
	j.out.grow(size - skip) // UTF-8 in, UTF-8 out: about as many bytes
	for {
		if err := j.tick(); err != nil {
			return err
		}
		c, _, err := br.ReadRune()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return failed("the text cannot be decoded: %v", err)
		}
		if err := j.out.WriteRune(c); err != nil {
			return err
		}
	}
}

// detectEncoding tells how the text in r is encoded, and how many bytes of
// byte order mark to skip. In order: a byte order mark (UTF-8, UTF-16LE,
// UTF-16BE); the declared charset, when there is one (HTML), unless it
// says UTF-8 and the bytes are not; UTF-16 without a mark, recognised by
// its zero bytes; UTF-8 if the file's bytes are UTF-8 (see looksUTF8);
// otherwise GB18030, the superset of GBK and GB2312 in which most Chinese
// files that are not UTF-8 are written.
func detectEncoding(j *job, r io.ReaderAt, size int64, declared string) (encoding.Encoding, int64, error) {
	head := make([]byte, 4096)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, 0, failed("the file cannot be read: %v", err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		return encoding.Nop, 3, nil
	case bytes.HasPrefix(head, []byte("\xff\xfe")):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2, nil
	case bytes.HasPrefix(head, []byte("\xfe\xff")):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2, nil
	}
	if declared != "" {
		if enc, err := htmlindex.Get(declared); err == nil {
			if name, _ := htmlindex.Name(enc); name != "utf-8" {
				return enc, 0, nil
			}
		}
	}
	if le, be := zeroBytes(head); le || be {
		if le {
			return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 0, nil
		}
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 0, nil
	}
	utf, err := looksUTF8(j, r, size)
	if err != nil {
		return nil, 0, err
	}
	if utf {
		return encoding.Nop, 0, nil
	}
	return simplifiedchinese.GB18030, 0, nil
}

// zeroBytes recognises UTF-16 text without a byte order mark: text in
// UTF-8 or GB18030 has no zero bytes, while every Latin character and
// digit in UTF-16 has one, at odd offsets in little-endian and at even
// offsets in big-endian.
func zeroBytes(head []byte) (le, be bool) {
	var even, odd int
	for i, c := range head {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	if even+odd < 2 {
		return false, false
	}
	return odd >= 9*even, even >= 9*odd
}

// looksUTF8 reads the whole of r, in chunks, and reports whether it is
// UTF-8: true when its multi-byte sequences are valid UTF-8, allowing one
// stray invalid byte per 50 valid characters (a file cut mid-character, a
// Latin-1 degree sign pasted in), which become U+FFFD. GBK text read as
// UTF-8 has about one invalid byte per character.
func looksUTF8(j *job, r io.ReaderAt, size int64) (bool, error) {
	buf := make([]byte, 4+256<<10)
	var valid, invalid int64
	carry := 0 // bytes of an incomplete rune kept at the start of buf
	for off := int64(0); off < size; {
		if err := j.ctx.Err(); err != nil {
			return false, err
		}
		n, err := r.ReadAt(buf[carry:], off)
		if n == 0 && err != nil {
			if err == io.EOF {
				break
			}
			return false, failed("the file cannot be read: %v", err)
		}
		off += int64(n)
		chunk := buf[:carry+n]
		end := len(chunk)
		// Keep back a rune cut by the end of the chunk.
		for k := 1; k <= 3 && k <= len(chunk); k++ {
			if utf8.RuneStart(chunk[len(chunk)-k]) {
				if !utf8.FullRune(chunk[len(chunk)-k:]) {
					end = len(chunk) - k
				}
				break
			}
		}
		if utf8.Valid(chunk[:end]) {
			for _, c := range chunk[:end] {
				if c >= 0xc0 {
					valid++
				}
			}
		} else {
			for i := 0; i < end; {
				c, size := utf8.DecodeRune(chunk[i:end])
				switch {
				case c == utf8.RuneError && size == 1:
					invalid++
				case size > 1:
					valid++
				}
				i += size
			}
		}
		carry = copy(buf, chunk[end:])
	}
	if carry > 0 {
		invalid++ // the file ends inside a character
	}
	return invalid == 0 || valid >= 50*invalid, nil
}

// extractHTML writes the text of an HTML page: text nodes, with a newline
// at block boundaries and a tab between table cells, without script, style
// and template content.
func extractHTML(j *job, r io.ReaderAt, size int64) error {
	enc, skip, err := detectEncoding(j, r, size, htmlCharset(r))
	if err != nil {
		return err
	}
	src := transform.NewReader(io.NewSectionReader(r, skip, size-skip), enc.NewDecoder())
	z := html.NewTokenizer(&ctxReader{j: j, r: src})
	z.SetMaxBuf(32 << 20)
	w := &j.out
	skipping := "" // the element whose content is skipped
	for {
		if err := j.tick(); err != nil {
			return err
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			err := z.Err()
			if err == io.EOF {
				return nil
			}
			var f *failure
			if errors.As(err, &f) || j.ctx.Err() != nil {
				return err
			}
			if errors.Is(err, html.ErrBufferExceeded) {
				return failed("an HTML element is too large")
			}
			return failed("the HTML cannot be read: %v", err)
		case html.TextToken:
			if skipping == "" {
				if err := w.WriteString(string(z.Text())); err != nil {
					return err
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "template", "noscript", "svg", "math":
				if skipping == "" && tt == html.StartTagToken {
					skipping = tag
				}
			}
			if err := htmlBreak(w, tag); err != nil {
				return err
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tag == skipping {
				skipping = ""
			}
			if err := htmlBreak(w, tag); err != nil {
				return err
			}
		}
	}
}

func htmlBreak(w *textWriter, tag string) error {
	switch tag {
	case "td", "th":
		return w.sep('\t')
	case "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
		"section", "article", "header", "footer", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd",
		"hr", "title", "body", "form", "figure", "figcaption", "caption", "address", "main", "nav", "aside":
		return w.sep('\n')
	}
	return nil
}

// htmlCharset returns the charset an HTML file declares in a meta element
// of its first 1024 bytes, or "".
func htmlCharset(r io.ReaderAt) string {
	head := make([]byte, 1024)
	n, _ := r.ReadAt(head, 0)
	z := html.NewTokenizer(bytes.NewReader(head[:n]))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var charset, content string
			for {
				k, v, more := z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					charset = string(v)
				case "content":
					content = string(v)
				}
				if !more {
					break
				}
			}
			if charset != "" {
				return strings.TrimSpace(charset)
			}
			if i := strings.Index(strings.ToLower(content), "charset="); i >= 0 {
				return strings.Trim(content[i+len("charset="):], " \"';")
			}
		}
	}
}

// ctxReader stops a stream when the job's time is up.
type ctxReader struct {
	j *job
	r io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.j.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
