package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	cpaudit "github.com/cpaudit/cpaudit"
)

// run extracts data as the upload named name, with a short time budget so
// that a hang fails the test instead of stalling it.
func run(t testing.TB, data []byte, contentType, name string, lim Limits) Result {
	t.Helper()
	if lim.Timeout == 0 {
		lim.Timeout = 20 * time.Second
	}
	start := time.Now()
	res := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), contentType, name, lim)
	if d := time.Since(start); d > lim.Timeout+2*time.Second {
		t.Errorf("%s: Extract took %v, over its %v budget", name, d, lim.Timeout)
	}
	return res
}

func wantDone(t testing.TB, res Result, contains ...string) {
	t.Helper()
	if res.Status != cpaudit.TextDone {
		t.Fatalf("status %s (%q, %v), want done", res.Status, res.Reason, res.Err)
	}
	for _, s := range contains {
		if !strings.Contains(res.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, res.Text)
		}
	}
}

func wantStatus(t testing.TB, res Result, status cpaudit.TextStatus, reason string) {
	t.Helper()
	if res.Status != status || !strings.Contains(res.Reason, reason) {
		t.Fatalf("got %s %q (%v), want %s with a reason containing %q", res.Status, res.Reason, res.Err, status, reason)
	}
	if res.Text != "" {
		t.Errorf("a %s result has text %q", res.Status, res.Text)
	}
}

// zipOf builds a zip archive of the given entries, in order (name, content,
// name, content...).
func zipOf(t testing.TB, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
		`xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`
)

// docxOf builds a minimal valid .docx whose body is the given XML.
func docxOf(t testing.TB, body string, extra ...string) []byte {
	t.Helper()
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + wordNS + `><w:body>` +
		body + `<w:sectPr/></w:body></w:document>`
	entries := append([]string{"[Content_Types].xml", contentTypes, "_rels/.rels", rootRels, "word/document.xml", doc}, extra...)
	return zipOf(t, entries...)
}

func para(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}
