package detect

import (
	"archive/zip"
	"bytes"
	"testing"
)

// TestImageBytes: the bytes served for an entry are exactly those hashed,
// and entries that name anything else give nothing.
func TestImageBytes(t *testing.T) {
	jpg := encodeJPEG(t, photo(1, 120, 90), 80)
	docx := zipOf(t, map[string][]byte{"word/media/image1.jpeg": jpg, "word/document.xml": []byte("<w:document/>")})
	pdf := append(append([]byte("%PDF-1.4\n4 0 obj\n<< /Filter /DCTDecode >>\nstream\n"), jpg...), "\nendstream\nendobj\n"...)
	hashes := ImageHashes("a.pdf", "application/pdf", pdf)
	if len(hashes) != 1 {
		t.Fatalf("pdf hashes %+v", hashes)
	}
	for _, c := range []struct {
		name, filename, ct string
		data               []byte
		entry              string
		want               []byte
	}{
		{"photo", "a.jpg", "image/jpeg", jpg, "", jpg},
		{"docx entry", "a.docx", "", docx, "word/media/image1.jpeg", jpg},
		{"pdf stream", "a.pdf", "application/pdf", pdf, hashes[0].Entry, jpg},
		{"docx, not media", "a.docx", "", docx, "word/document.xml", nil},
		{"docx, missing", "a.docx", "", docx, "word/media/image9.png", nil},
		{"docx, whole file", "a.docx", "", docx, "", nil},
		{"pdf, bad offset", "a.pdf", "application/pdf", pdf, "pdf@3", nil},
		{"pdf, out of range", "a.pdf", "application/pdf", pdf, "pdf@99999999", nil},
		{"pdf, negative", "a.pdf", "application/pdf", pdf, "pdf@-1", nil},
		{"text file", "a.txt", "text/plain", []byte("纯文本"), "", nil},
		{"photo, entry", "a.jpg", "image/jpeg", jpg, "word/media/image1.jpeg", nil},
	} {
		got, ok := ImageBytes(c.filename, c.ct, c.data, c.entry)
		if ok != (c.want != nil) || !bytes.Equal(got, c.want) {
			t.Errorf("%s: %d bytes, %v", c.name, len(got), ok)
		}
	}
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
