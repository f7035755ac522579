package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/pipeline"
)

// zipFile is a zip of name/content pairs; a content of "BOMB:n" is n MiB
// of zeros inside <w:t>, a few KiB compressed.
func zipFile(t *testing.T, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		var mib int
		if _, err := fmt.Sscanf(entries[i+1], "BOMB:%d", &mib); err == nil {
			w.Write([]byte(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>`))
			zeros := bytes.Repeat([]byte("0"), 1<<20)
			for range mib {
				w.Write(zeros)
			}
			w.Write([]byte(`</w:t></w:r></w:p></w:body></w:document>`))
			continue
		}
		w.Write([]byte(entries[i+1]))
	}
	zw.Close()
	return buf.Bytes()
}

const docxTypes = `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

// hostileFiles are the hostile inputs of issue 25, as files to upload.
func hostileFiles(t *testing.T) map[string][]byte {
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	huge := img.Bytes()
	binary.BigEndian.PutUint32(huge[16:], 100_000)
	binary.BigEndian.PutUint32(huge[20:], 100_000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	deep := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
		strings.Repeat("<w:sdt><w:sdtContent>", 200_000) + `<w:p><w:r><w:t>深层</w:t></w:r></w:p>` +
		strings.Repeat("</w:sdtContent></w:sdt>", 200_000) + `</w:body></w:document>`
	// A page tree whose Pages node is its own kid, and a form that draws
	// itself; no xref, so the parser scans for objects.
	loop := "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
		"2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n" +
		"3 0 obj << /Type /Page /Parent 2 0 R /Resources << /XObject << /X 4 0 R >> >> /Contents 5 0 R >> endobj\n" +
		"4 0 obj << /Type /XObject /Subtype /Form /Resources << /XObject << /X 4 0 R >> >> /Length 5 >>\nstream\n/X Do\nendstream\nendobj\n" +
		"5 0 obj << /Length 5 0 R >>\nstream\n/X Do BT (loop) Tj ET\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	return map[string][]byte{
		"炸弹.docx":   zipFile(t, "[Content_Types].xml", docxTypes, "word/document.xml", "BOMB:64"),
		"深层嵌套.docx": zipFile(t, "[Content_Types].xml", docxTypes, "word/document.xml", deep),
		"引用循环.pdf":  []byte(loop),
		"巨图.png":    huge,
	}
}

// TestHostileUploads uploads a zip bomb, deeply nested XML, a PDF whose
// references loop and an image declaring 100,000 x 100,000 pixels, and
// runs the real pipeline over them (with the extraction limits scaled
// down, so the bomb is 64 MiB, not gigabytes): each upload is accepted,
// each extraction ends within its time budget and a bounded allocation
// as a clear status with a reason, and the server answers as before.
func TestHostileUploads(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ids := map[string]string{}
	for name, data := range hostileFiles(t) {
		ids[name] = e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, name, data)
	}
	lim := extract.Limits{MaxUnzipped: 32 << 20, Timeout: 10 * time.Second}
	ctx := context.Background()
	cfg := pipeline.Config{TempDir: t.TempDir()}
	extractor := pipeline.New(e.store, pipeline.ExtractWithOCR(slog.New(slog.DiscardHandler), lim, nil), cfg)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for {
		n, err := extractor.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("4 hostile files extracted in %v, %d MiB allocated", elapsed.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20)
	if elapsed > 20*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 512<<20 {
		t.Errorf("allocated %d MiB", a>>20)
	}
	want := map[string]struct {
		status cpaudit.TextStatus
		reason string
	}{
		"炸弹.docx":   {cpaudit.TextFailed, "expands beyond the limit"},
		"深层嵌套.docx": {cpaudit.TextFailed, "nested deeper than"},
		"引用循环.pdf":  {cpaudit.TextDone, ""},
		"巨图.png":    {cpaudit.TextFailed, "too large to read"},
	}
	for name, id := range ids {
		var txt cpaudit.ExtractedText
		if status := e.getJSON("/api/v1/documents/"+id+"/text", w.consultant, &txt); status != 200 {
			t.Errorf("%s: text %d", name, status)
			continue
		}
		t.Logf("%s: %s %q", name, txt.Status, txt.Reason)
		if w := want[name]; txt.Status != w.status || !strings.Contains(txt.Reason, w.reason) {
			t.Errorf("%s: %s %q, want %s with %q", name, txt.Status, txt.Reason, w.status, w.reason)
		}
	}
	// An enterprise sheet that unpacks to 128 MiB is refused from its
	// zip directory, before excelize inflates it.
	bomb := zipFile(t, "[Content_Types].xml", docxTypes, "xl/workbook.xml", "<workbook/>", "xl/worksheets/sheet1.xml", "BOMB:128")
	body, ct := multipartBody(t, nil, "企业名单.xlsx", bomb)
	start = time.Now()
	status, b, h := e.do("POST", "/api/v1/enterprises/import", w.admin, body, ct)
	if status != 413 || !strings.Contains(problemOf(t, status, b, h), "unpacks to more than") || time.Since(start) > 5*time.Second {
		t.Errorf("sheet bomb: %d after %v: %s", status, time.Since(start), b)
	}
	// The same bomb as screening source data.
	body, ct = multipartBody(t, nil, "源数据.xlsx", bomb)
	start = time.Now()
	status, b, h = e.do("POST", "/api/v1/screening/sources", w.admin, body, ct)
	if status != 413 || !strings.Contains(problemOf(t, status, b, h), "unpacks to more than") || time.Since(start) > 5*time.Second {
		t.Errorf("source sheet bomb: %d after %v: %s", status, time.Since(start), b)
	}
	if status, _, _ := e.do("GET", "/healthz", "", nil, ""); status != 200 {
		t.Errorf("healthz: %d", status)
	}
	var list struct{ Total int }
	if status := e.getJSON("/api/v1/documents", w.consultant, &list); status != 200 || list.Total != 4 {
		t.Errorf("documents after: %d, %d listed", status, list.Total)
	}
}
