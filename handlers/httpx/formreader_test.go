package httpx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
	"testing/iotest"
)

type formPartData struct{ name, filename, data string }

// readForm reads every part of body through a formReader over a buffer
// of bufSize bytes, the body coming in reads shaped by wrap.
func readForm(body []byte, boundary string, bufSize int, wrap func(io.Reader) io.Reader) ([]formPartData, error) {
	fr, err := newFormReader(bufio.NewReaderSize(wrap(bytes.NewReader(body)), bufSize), boundary)
	if err != nil {
		return nil, err
	}
	var parts []formPartData
	for {
		p, err := fr.NextPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return parts, err
		}
		// Read part of a part only, now and then: NextPart skips the rest.
		data, err := io.ReadAll(p)
		if err != nil {
			return parts, err
		}
		parts = append(parts, formPartData{p.FormName(), p.FileName(), string(data)})
	}
}

var readShapes = map[string]func(io.Reader) io.Reader{
	"whole":    func(r io.Reader) io.Reader { return r },
	"one byte": iotest.OneByteReader,
	"halves":   iotest.HalfReader,
	"data+err": iotest.DataErrReader,
}

// writeForm encodes parts the way browsers and Go's client do.
func writeForm(t testing.TB, boundary string, parts []formPartData) []byte {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name="%s"`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename="%s"`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p.data))
	}
	mw.Close()
	return b.Bytes()
}

// Forms round-trip whatever the shape of the reads, the size of the
// buffer, and content that holds pieces of the delimiter: a boundary
// followed by other characters is data, as is a CRLF and dashes at the
// very end of a part.
func TestFormReaderRoundTrip(t *testing.T) {
	const boundary = "Boundary7MA4YWxk"
	tricky := []string{
		"", "x", "\r", "\r\n", "\r\n-", "\r\n--", "\r\n--" + boundary[:5], "\r\n--" + boundary + "X",
		"\r\n--" + boundary + " x", "\r\n--" + boundary + "-x", "--" + boundary, "化学需氧量 COD 50 mg/L\r\n",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tested := 0
	for round := range 300 {
		var parts []formPartData
		for i := range 1 + rng.IntN(4) {
			var data strings.Builder
			for range rng.IntN(8) {
				if rng.IntN(3) == 0 {
					data.WriteString(strings.Repeat("审核", rng.IntN(400)))
				} else {
					data.WriteString(tricky[rng.IntN(len(tricky))])
				}
			}
			p := formPartData{name: fmt.Sprintf("字段%d", i), data: data.String()}
			if i == 0 {
				p.filename = "监测报告.pdf"
			}
			parts = append(parts, p)
		}
		body := writeForm(t, boundary, parts)
		if !unambiguous(body, boundary, parts) {
			continue // the random content happened to hold a whole delimiter
		}
		tested++
		for shape, wrap := range readShapes {
			for _, size := range []int{256, 4096, formBufferSize} {
				got, err := readForm(body, boundary, size, wrap)
				if err != nil {
					t.Fatalf("round %d, %s reads, buffer %d: %v", round, shape, size, err)
				}
				if fmt.Sprint(got) != fmt.Sprint(parts) {
					t.Fatalf("round %d, %s reads, buffer %d:\n got %q\nwant %q", round, shape, size, got, parts)
				}
			}
		}
	}
	if tested < 150 {
		t.Errorf("only %d of 300 random forms were unambiguous", tested)
	}
}

// unambiguous says whether mime/multipart reads body back as parts: the
// generated content may hold a whole delimiter, making another form.
func unambiguous(body []byte, boundary string, want []formPartData) bool {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var got []formPartData
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return false
		}
		got = append(got, formPartData{p.FormName(), p.FileName(), string(data)})
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// What browsers and other clients send around the parts: a preamble,
// white space after a boundary, no CRLF after the closing delimiter, an
// epilogue, RFC 2231 file names, headers folded or ending in bare LF.
func TestFormReaderFraming(t *testing.T) {
	const b = "XyZ"
	cases := map[string]struct {
		body string
		want []formPartData
	}{
		"preamble and epilogue": {
			"this is a preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nevidence\r\n--XyZ--\r\nepilogue",
			[]formPartData{{"kind", "", "evidence"}}},
		"padding after boundaries, no final CRLF": {
			"--XyZ  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ \r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--XyZ--",
			[]formPartData{{"a", "", "1"}, {"b", "", "2"}}},
		"RFC 2231 file name": {
			"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E8%AF%81%E6%8D%AE.txt\r\n\r\n数据\r\n--XyZ--\r\n",
			[]formPartData{{"file", "证据.txt", "数据"}}},
		"folded header, bare LF header lines": {
			"--XyZ\r\nContent-Disposition: form-data;\n\tname=\"step\"\nContent-Type: text/plain\n\n7\r\n--XyZ--\r\n",
			[]formPartData{{"step", "", "7"}}},
		"no disposition": {
			"--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--\r\n",
			[]formPartData{{"", "", "x"}}},
		"empty form": {"--XyZ--\r\n", nil},
	}
	for name, c := range cases {
		for shape, wrap := range readShapes {
			got, err := readForm([]byte(c.body), b, 256, wrap)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s, %s reads: got %q, %v; want %q", name, shape, got, err, c.want)
			}
		}
	}
}

// Broken and hostile bodies fail with an error, never a hang or a part
// that claims more than was sent.
func TestFormReaderBadBodies(t *testing.T) {
	const b = "XyZ"
	head := "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n"
	cases := map[string]string{
		"empty":                   "",
		"no opening boundary":     "just some bytes\r\n",
		"cut off in headers":      "--XyZ\r\nContent-Disposition: form-da",
		"cut off in data":         head + "half of the file",
		"cut off in delimiter":    head + "data\r\n--Xy",
		"cut off after delimiter": head + "data\r\n--XyZ",
		"garbage after boundary":  "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nnot a header\r\n\r\n",
		"huge header":             "--XyZ\r\nX-Pad: " + strings.Repeat("a", maxPartHeaders) + "\r\n\r\n",
		"many header lines":       "--XyZ\r\n" + strings.Repeat("X-A: 1\r\n", maxHeaderLines+2) + "\r\n",
		"long preamble":           strings.Repeat("preamble line\r\n", maxPreamble/10) + head + "x\r\n--XyZ--",
		"quoted-printable":        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41\r\n--XyZ--",
		"endless padding":         head + "data\r\n--XyZ" + strings.Repeat(" ", 1000),
	}
	for name, body := range cases {
		if _, err := readForm([]byte(body), b, 256, readShapes["halves"]); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, boundary := range []string{"", strings.Repeat("b", maxBoundary+1)} {
		if _, err := newFormReader(bufio.NewReader(strings.NewReader("")), boundary); err == nil {
			t.Errorf("boundary of %d bytes accepted", len(boundary))
		}
	}
	// The size limit's error comes through as it is, for the 413.
	limit := errors.New("request body too large")
	fr, _ := newFormReader(bufio.NewReaderSize(io.MultiReader(strings.NewReader(head+"part"), iotest.ErrReader(limit)), 256), b)
	p, err := fr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(p); !errors.Is(err, limit) {
		t.Errorf("cut by the limit: %v", err)
	}
}

// Arbitrary bytes never panic or hang the reader, and whatever it reads
// as a part's data was in the body.
func FuzzFormReader(f *testing.F) {
	f.Add([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n"))
	f.Add([]byte("--XyZ\r\n\r\n\r\n--XyZ\r\n\r\n\r\n--XyZ \r\n--XyZ--"))
	f.Add([]byte("\r\n--XyZ\r\n--XyZ\r\n\n\r\n--XyZ-"))
	f.Fuzz(func(t *testing.T, body []byte) {
		parts, _ := readForm(body, "XyZ", 64, iotest.HalfReader)
		for _, p := range parts {
			if !bytes.Contains(body, []byte(p.data)) {
				t.Fatalf("part data %q not in the body", p.data)
			}
		}
	})
}
