package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/nfnt/resize"
)

// scene draws a deterministic photo-like image: a gradient, rectangles
// and discs, and noise.
func scene(seed int64, w, h int) *image.RGBA {
	r := rand.New(rand.NewSource(seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	a, b := r.Float64()*255, r.Float64()*255
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := math.Mod(float64(x+2*y)/float64(w+2*h)+r.Float64()*0.03, 1)
			v := uint8(a*(1-t) + b*t)
			img.Set(x, y, color.RGBA{v, uint8(255 - int(v)/2), uint8(int(v) / 2), 255})
		}
	}
	for i := 0; i < 10; i++ {
		col := &image.Uniform{color.RGBA{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), 255}}
		x, y := r.Intn(w), r.Intn(h)
		draw.Draw(img, image.Rect(x, y, x+w/10+r.Intn(w/4), y+h/10+r.Intn(h/4)), col, image.Point{}, draw.Src)
	}
	return img
}

func jpegOf(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func cropBy(img image.Image, frac float64) image.Image {
	b := img.Bounds()
	dx, dy := int(float64(b.Dx())*frac), int(float64(b.Dy())*frac)
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()-dx, b.Dy()-dy))
	draw.Draw(out, out.Rect, img, image.Pt(dx/2, dy/2), draw.Src)
	return out
}

func brighter(img image.Image, delta int) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	for i := range out.Pix {
		if i%4 != 3 {
			out.Pix[i] = uint8(max(0, min(255, int(out.Pix[i])+delta)))
		}
	}
	return out
}

// docxWith builds a minimal .docx holding one image.
func docxWith(t *testing.T, media string, img []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range map[string][]byte{
		"[Content_Types].xml": []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`),
		"word/document.xml":   []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>设备照片</w:t></w:r></w:p></w:body></w:document>`),
		media:                 img,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDuplicateImageFlag(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	third, thirdAudit := w.enterpriseOf(2, "保定纸业有限公司")
	src := scene(1, 800, 600)
	ev := func(audit string) [][2]string { return [][2]string{{"kind", "evidence"}, {"audit_id", audit}} }

	orig := e.uploadText(w.consultant, ev(w.auditID), "锅炉.jpg", jpegOf(t, src, 90))
	// The enterprise's own re-upload, resized: not suspicious.
	own := e.uploadText(w.consultant, ev(w.auditID), "锅炉小.jpg", jpegOf(t, resize.Resize(400, 0, src, resize.Bilinear), 80))
	// Copies for another enterprise: resized, recompressed, cropped 8%, brightened.
	copies := map[string][]byte{
		"resized.jpg":      jpegOf(t, resize.Resize(533, 0, src, resize.Bilinear), 85),
		"recompressed.jpg": jpegOf(t, src, 45),
		"cropped.jpg":      jpegOf(t, cropBy(src, 0.08), 85),
		"brightened.jpg":   jpegOf(t, brighter(src, 30), 85),
	}
	copyIDs := map[string]string{}
	for name, b := range copies {
		copyIDs[name] = e.uploadText(other, ev(otherAudit), name, b)
	}
	// A different photo of the other enterprise.
	unrelated := e.uploadText(other, ev(otherAudit), "另一台.jpg", jpegOf(t, scene(2, 800, 600), 85))
	// A third enterprise's report with the photo embedded.
	inDocx := e.uploadText(third, [][2]string{{"kind", "report"}, {"audit_id", thirdAudit}}, "报告.docx",
		docxWith(t, "word/media/image1.jpeg", jpegOf(t, resize.Resize(640, 0, src, resize.Bilinear), 75)))
	// A fourth enterprise's PDF with the photo, cropped, as a JPEG image.
	fourth, fourthAudit := w.enterpriseOf(3, "沧州化肥有限公司")
	inPDF := e.uploadText(fourth, [][2]string{{"kind", "report"}, {"audit_id", fourthAudit}}, "报告.pdf",
		pdfWithJPEG(jpegOf(t, cropBy(src, 0.05), 80), 760, 570))
	e.process()

	fl := e.flags(w.regulator, "?kind=duplicate_image")
	flagged := map[[2]string]json.RawMessage{}
	for _, f := range fl.Flags {
		if f.Kind != "duplicate_image" || len(f.DocumentIDs) != 2 {
			t.Fatalf("flag %+v", f)
		}
		flagged[[2]string{f.DocumentIDs[0], f.DocumentIDs[1]}] = f.Detail
		flagged[[2]string{f.DocumentIDs[1], f.DocumentIDs[0]}] = f.Detail
		for _, id := range f.DocumentIDs {
			if id == unrelated {
				t.Errorf("the unrelated photo was flagged: %s", f.Detail)
			}
		}
	}
	if _, ok := flagged[[2]string{orig, own}]; ok {
		t.Error("the enterprise's own re-upload was flagged")
	}
	for name, id := range copyIDs {
		if _, ok := flagged[[2]string{orig, id}]; !ok {
			t.Errorf("%s was not flagged against the original", name)
		}
	}
	if _, ok := flagged[[2]string{orig, inPDF}]; !ok {
		t.Error("the image inside the PDF was not flagged")
	}
	detail, ok := flagged[[2]string{orig, inDocx}]
	if !ok {
		t.Fatalf("the image inside the .docx was not flagged; flags: %+v", fl.Flags)
	}
	var d struct {
		Images []struct {
			AEntry string   `json:"a_entry"`
			BEntry string   `json:"b_entry"`
			PHash  *int     `json:"phash_distance"`
			DHash  *int     `json:"dhash_distance"`
			Thumb  *float64 `json:"thumb_similarity"`
		} `json:"images"`
	}
	if err := json.Unmarshal(detail, &d); err != nil || len(d.Images) != 1 || d.Images[0].PHash == nil || d.Images[0].DHash == nil {
		t.Fatalf("detail %s", detail)
	}
	if th := d.Images[0].Thumb; th == nil || *th < 0.70 || *th > 1 {
		t.Errorf("thumb_similarity of a copy: %v, want 0.70..1 (detail %s)", th, detail)
	}
	if entries := d.Images[0].AEntry + d.Images[0].BEntry; entries != "word/media/image1.jpeg" {
		t.Errorf("entries %q, want the .docx entry on one side and the file itself on the other", entries)
	}
	// Filtered by document.
	if n := len(e.flags(w.regulator, "?kind=duplicate_image&document_id="+unrelated).Flags); n != 0 {
		t.Errorf("%d flags for the unrelated photo", n)
	}
}

// withEXIF inserts an APP1 segment after the SOI marker of a JPEG with
// DateTimeOriginal and BodySerialNumber.
func withEXIF(jpg []byte, when, serial string) []byte {
	le := binary.LittleEndian
	when += "\x00"
	serial += "\x00"
	tiff := []byte("II\x2a\x00\x08\x00\x00\x00")
	tiff = le.AppendUint16(tiff, 1) // IFD0: the Exif IFD pointer
	tiff = le.AppendUint16(tiff, 0x8769)
	tiff = le.AppendUint16(tiff, 4)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 26)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 2) // Exif IFD at 26, data at 56
	tiff = le.AppendUint16(tiff, 0x9003)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint32(tiff, uint32(len(when)))
	tiff = le.AppendUint32(tiff, 56)
	tiff = le.AppendUint16(tiff, 0xa431)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint32(tiff, uint32(len(serial)))
	tiff = le.AppendUint32(tiff, uint32(56+len(when)))
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(append(tiff, when...), serial...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xff, 0xd8, 0xff, 0xe1}, binary.BigEndian.AppendUint16(nil, uint16(len(seg)+2))...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// TestDuplicateImageEXIF: two different pictures with the same capture
// time and camera serial number are flagged; the same serial at another
// time is not.
func TestDuplicateImageEXIF(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	mine := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "a.jpg",
		withEXIF(jpegOf(t, scene(3, 640, 480), 85), "2025:03:01 10:20:30", "SN-4242"))
	theirs := e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "b.jpg",
		withEXIF(jpegOf(t, scene(4, 640, 480), 85), "2025:03:01 10:20:30", "SN-4242"))
	later := e.uploadText(other, [][2]string{{"kind", "evidence"}, {"audit_id", otherAudit}}, "c.jpg",
		withEXIF(jpegOf(t, scene(5, 640, 480), 85), "2025:03:02 09:00:00", "SN-4242"))
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_image")
	if len(fl.Flags) != 1 || !slices.Equal(sorted(fl.Flags[0].DocumentIDs...), sorted(mine, theirs)) {
		t.Fatalf("flags %+v, want %s-%s alone (not %s)", fl.Flags, mine, theirs, later)
	}
	var d struct {
		Images []struct {
			SameEXIF bool   `json:"same_exif"`
			EXIF     string `json:"exif"`
		} `json:"images"`
	}
	if err := json.Unmarshal(fl.Flags[0].Detail, &d); err != nil || len(d.Images) != 1 || !d.Images[0].SameEXIF ||
		d.Images[0].EXIF != "2025:03:01 10:20:30|SN-4242" {
		t.Errorf("detail %s", fl.Flags[0].Detail)
	}
}

// pdfWithJPEG builds a one-page PDF that shows a JPEG image (an XObject
// with /Filter /DCTDecode), with a correct cross-reference table.
func pdfWithJPEG(jpg []byte, w, h int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\n", len(offsets), body)
		if stream != nil {
			b.WriteString("stream\n")
			b.Write(stream)
			b.WriteString("\nendstream\n")
		}
		b.WriteString("endobj\n")
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im1 Do Q", w, h)
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>", nil)
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>", w, h), nil)
	obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", w, h, len(jpg)), jpg)
	obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}
