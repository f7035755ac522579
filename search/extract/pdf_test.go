package extract

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	cpaudit "github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// pdfBuilder writes small PDFs for tests, with a correct cross-reference
// table (or, with xrefStream, an object stream and an xref stream).
type pdfBuilder struct {
	objs [][]byte // the body of object i+1
}

func (b *pdfBuilder) add(body string) int {
	b.objs = append(b.objs, []byte(body))
	return len(b.objs)
}

func (b *pdfBuilder) reserve() int { return b.add("null") }

func (b *pdfBuilder) set(n int, body string) { b.objs[n-1] = []byte(body) }

// stream adds a stream object; compressed streams are zlib-compressed.
func (b *pdfBuilder) stream(dict string, data []byte, compressed bool) int {
	if compressed {
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
		dict += " /Filter /FlateDecode"
	}
	body := fmt.Sprintf("<< %s /Length %d >>\nstream\n", dict, len(data))
	return b.add(body + string(data) + "\nendstream")
}

// bytes writes the file with a classic xref table and a trailer.
func (b *pdfBuilder) bytes(root int, trailerExtra string) []byte {
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(b.objs))
	for i, body := range b.objs {
		offs[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(b.objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(b.objs)+1, root, trailerExtra, xref)
	return out.Bytes()
}

// bytesCompact writes the file with every non-stream object in one object
// stream, and an xref stream, as PDF 1.5 writers do.
func (b *pdfBuilder) bytesCompact(root int) []byte {
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n")
	n := len(b.objs)
	stmNum, xrefNum := n+1, n+2
	type loc struct{ typ, a, b int }
	locs := make([]loc, n+3)
	var header, body bytes.Buffer
	idx := 0
	for i, obj := range b.objs {
		if bytes.Contains(obj, []byte("stream\n")) {
			locs[i+1] = loc{1, out.Len(), 0}
			fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, obj)
			continue
		}
		fmt.Fprintf(&header, "%d %d ", i+1, body.Len())
		body.Write(obj)
		body.WriteByte('\n')
		locs[i+1] = loc{2, stmNum, idx}
		idx++
	}
	data := append(header.Bytes(), body.Bytes()...)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	locs[stmNum] = loc{1, out.Len(), 0}
	fmt.Fprintf(&out, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n",
		stmNum, idx, header.Len(), z.Len(), z.Bytes())
	xref := out.Len()
	locs[xrefNum] = loc{1, xref, 0}
	var rows []byte
	for i, l := range locs {
		if i == 0 {
			rows = append(rows, 0, 0, 0, 0, 0xff, 0xff)
			continue
		}
		rows = append(rows, byte(l.typ), byte(l.a>>24), byte(l.a>>16), byte(l.a>>8), byte(l.a), byte(l.b))
	}
	fmt.Fprintf(&out, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root %d 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n",
		xrefNum, len(locs), root, len(rows), rows)
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", xref)
	return out.Bytes()
}

// page adds a catalog and one page with the given content and resources,
// and returns the catalog.
func (b *pdfBuilder) page(content []byte, resources string) int {
	pages := b.reserve()
	c := b.stream("", content, true)
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources %s >>", pages, c, resources))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
}

// cidFont adds a Type0 font with Identity-H codes 1, 2, 3... for the runes
// of chars, mapped by a ToUnicode CMap that uses bfchar, bfrange with an
// array, and bfrange with a base string.
func (b *pdfBuilder) cidFont(chars string) (int, map[rune]string) {
	codes := make(map[rune]string)
	var bfchar strings.Builder
	for i, r := range []rune(chars) {
		code := fmt.Sprintf("%04X", i+1)
		codes[r] = code
		fmt.Fprintf(&bfchar, "<%s> <%04X>\n", code, r)
	}
	codes['一'], codes['丁'] = "0100", "0101"
	cmapText := "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CMapName /Adobe-Identity-UCS def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
		fmt.Sprintf("%d beginbfchar\n%sendbfchar\n", len([]rune(chars)), bfchar.String()) +
		"1 beginbfrange\n<0100> <0101> <4E00>\nendbfrange\n" +
		"1 beginbfrange\n<0200> <0202> [<0041> <0042> <00430044>]\nendbfrange\n" +
		"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
	toUni := b.stream("", []byte(cmapText), true)
	desc := b.add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /W [1 [1000 1000] 512 [500]] >>")
	font := b.add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", desc, toUni))
	return font, codes
}

func hexCodes(codes map[rune]string, s string) string {
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range s {
		b.WriteString(codes[r])
	}
	b.WriteByte('>')
	return b.String()
}

// pdfText extracts data as a PDF and returns the raw text before
// normalisation too, to see the breaks the layout produced.
func extractPDFRaw(t testing.TB, data []byte, lim Limits) (Result, string) {
	t.Helper()
	lim = lim.withDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), lim.Timeout)
	defer cancel()
	j := &job{ctx: ctx, lim: lim, out: textWriter{max: lim.MaxText}}
	err := runGuarded(j, extractPDF, bytes.NewReader(data), int64(len(data)))
	return j.result(Result{Format: "pdf"}, err), j.out.String()
}

const textChars = "清洁生产审核表单文字节水量吨年"

func TestPDFConstructed(t *testing.T) {
	var b pdfBuilder
	cid, codes := b.cidFont(textChars)
	helv := b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [128 /uni6C34 /fi /quoteright] >> >>")
	formContent := []byte("BT /F1 10 Tf 100 100 Td " + hexCodes(codes, "表单文字") + " Tj ET")
	form := b.stream("/Type /XObject /Subtype /Form /BBox [0 0 500 500] /Resources << /Font << /F1 "+fmt.Sprint(cid)+" 0 R >> >>", formContent, true)
	content := "q 1 0 0 1 0 0 cm BT /F1 12 Tf 72 760 Td " + hexCodes(codes, "清洁生") + " Tj 0 -14 Td " + hexCodes(codes, "产审核") + " Tj ET Q\n" +
		// A range with a base string, a range with an array (one code maps to two letters).
		"BT /F1 12 Tf 72 730 Td <01000101> Tj 0 -14 Td <020002010202> Tj ET\n" +
		// Word spacing by TJ displacement, and kerning that is no space.
		"BT /F2 12 Tf 72 700 Td [(Water) -300 (saving)] TJ 0 -14 Td [(Eff) 30 (iciency)] TJ ET\n" +
		// Differences: a uniXXXX name, a ligature, a quote.
		"BT /F2 12 Tf 72 670 Td <80> Tj ( \\201nal plan\\202s) Tj ET\n" +
		// An inline image whose data holds the letters EI.
		"BI /W 4 /H 1 /BPC 8 /CS /G ID \x00EI\x01\x02 EI\n" +
		// Text positioned by Tm, a number and a unit on one line.
		"BT /F1 12 Tf 1 0 0 1 72 640 Tm " + hexCodes(codes, "节水量") + " Tj /F2 12 Tf ( 12000 ) Tj /F1 12 Tf " + hexCodes(codes, "吨") + " Tj /F2 12 Tf (/) Tj /F1 12 Tf " + hexCodes(codes, "年") + " Tj ET\n" +
		"/Fm1 Do\n"
	root := b.page([]byte(content), fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << /Fm1 %d 0 R >> >>", cid, helv, form))

	for name, data := range map[string][]byte{"table": b.bytes(root, ""), "compact": b.bytesCompact(root)} {
		t.Run(name, func(t *testing.T) {
			res, raw := extractPDFRaw(t, data, Limits{})
			wantDone(t, res, "清洁生产审核", "一丁", "ABCD", "Water saving Efficiency", "水 final plan’s", "节水量 12000 吨/年", "表单文字")
			if !strings.Contains(raw, "清洁生\n产审核") {
				t.Errorf("the raw text has no line break inside 清洁生产审核: %q", raw)
			}
			if strings.Contains(res.Text, "EI") {
				t.Errorf("inline image data in the text: %q", res.Text)
			}
		})
	}
}

func TestPDFPredefinedCMaps(t *testing.T) {
	var b pdfBuilder
	gbk := b.add("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /GBK-EUC-H /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>] >>")
	ucs2 := b.add("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>] >>")
	gbkBytes, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("清洁生产 2024年"))
	content := fmt.Sprintf("BT /G 12 Tf 72 700 Td <%X> Tj ET BT /U 12 Tf 72 680 Td <6E056D01751F4EA7> Tj ET", gbkBytes)
	root := b.page([]byte(content), fmt.Sprintf("<< /Font << /G %d 0 R /U %d 0 R >> >>", gbk, ucs2))
	res, _ := extractPDFRaw(t, b.bytes(root, ""), Limits{})
	wantDone(t, res, "清洁生产 2024年", "清洁生产")
	if strings.Count(res.Text, "清洁生产") != 2 {
		t.Errorf("text %q", res.Text)
	}
}

// TestPDFDamaged feeds PDFs that are broken in the ways real uploads are,
// and hostile ones: each ends, quickly, as done (when the text can still
// be recovered) or failed with a reason, never as a hang or a panic.
func TestPDFDamaged(t *testing.T) {
	var b pdfBuilder
	cid, codes := b.cidFont(textChars)
	root := b.page([]byte("BT /F1 12 Tf 72 700 Td "+hexCodes(codes, "清洁生产")+" Tj ET"), fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", cid))
	good := b.bytes(root, "")

	shifted := append([]byte("%PDF-1.7\n% garbage inserted by a broken mailer, which moves every object\n"), good[9:]...)
	noXref := good[:bytes.Index(good, []byte("xref"))]
	wrongStart := bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n1"), 1)
	noTrailer := bytes.Replace(good, []byte("trailer"), []byte("trailor"), 1)

	hostile := func(content string, extra ...string) []byte {
		var b pdfBuilder
		for _, e := range extra {
			b.add(e)
		}
		return b.bytes(b.page([]byte(content), "<< >>"), "")
	}
	// Page trees that loop.
	var loop pdfBuilder
	loop.add("<< /Type /Pages /Kids [1 0 R 2 0 R 4 0 R] /Count 2 >>")
	loop.add("<< /Type /Pages /Kids [1 0 R 2 0 R] /Count 1 /Parent 1 0 R >>")
	loop.add("<< /Length 13 >>\nstream\nBT (loop) Tj ET\nendstream")
	loop.add("<< /Type /Page /Parent 1 0 R /Contents 3 0 R >>")
	loopRoot := loop.add("<< /Type /Catalog /Pages 1 0 R >>")
	// A Form XObject that draws itself, and forms that draw each other ten
	// times over twelve levels (10^12 draws if nothing stopped them).
	var forms pdfBuilder
	self := forms.reserve()
	forms.set(self, fmt.Sprintf("<< /Type /XObject /Subtype /Form /Resources << /XObject << /X %d 0 R >> >> /Length 5 >>\nstream\n/X Do\nendstream", self))
	prev := self
	for i := 0; i < 12; i++ {
		draws := strings.Repeat("/X Do ", 10)
		prev = forms.add(fmt.Sprintf("<< /Type /XObject /Subtype /Form /Resources << /XObject << /X %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream", prev, len(draws), draws))
	}
	formsRoot := forms.page([]byte("/X Do"), fmt.Sprintf("<< /XObject << /X %d 0 R >> >>", prev))
	// Cross-reference sections whose /Prev point at each other.
	prevLoop := bytes.Replace(good, []byte("/Size"), []byte("/Prev 0 /Size"), 1)
	if i := bytes.LastIndex(prevLoop, []byte("startxref\n")); i > 0 {
		xref := bytes.Index(prevLoop, []byte("xref\n"))
		prevLoop = bytes.Replace(prevLoop, []byte("/Prev 0"), []byte(fmt.Sprintf("/Prev %d", xref)), 1)
	}

	tests := []struct {
		name   string
		data   []byte
		status cpaudit.TextStatus
		want   string // in the text when done, in the reason otherwise
	}{
		{"shifted offsets", shifted, cpaudit.TextDone, "清洁生产"},
		{"no xref", noXref, cpaudit.TextDone, "清洁生产"},
		{"wrong startxref", wrongStart, cpaudit.TextDone, "清洁生产"},
		{"no trailer keyword", noTrailer, cpaudit.TextDone, "清洁生产"},
		{"prev loop", prevLoop, cpaudit.TextDone, "清洁生产"},
		{"truncated", good[:len(good)/2], cpaudit.TextFailed, "not a valid PDF"},
		{"header only", []byte("%PDF-1.4\n"), cpaudit.TextFailed, "not a valid PDF"},
		{"unterminated hex string", hostile("BT /F1 12 Tf 72 700 Td <4142"), cpaudit.TextDone, ""},
		{"unterminated literal", hostile("BT (abc"), cpaudit.TextDone, ""},
		{"unterminated array", hostile("[[[[[[[ (a) "), cpaudit.TextDone, ""},
		{"deep arrays", hostile(strings.Repeat("[", 100000)), cpaudit.TextDone, ""},
		{"many operands", hostile(strings.Repeat("1 ", 200000) + "Tj"), cpaudit.TextDone, ""},
		{"unbalanced q", hostile(strings.Repeat("q ", 10000) + strings.Repeat("Q ", 20000)), cpaudit.TextDone, ""},
		{"page tree loop", loop.bytes(loopRoot, ""), cpaudit.TextDone, "loop"},
		{"form recursion", forms.bytes(formsRoot, ""), cpaudit.TextDone, ""},
		{"unknown filter", func() []byte {
			var b pdfBuilder
			b.add("<< /Length 3 /Filter /NoSuchDecode >>\nstream\nabc\nendstream")
			p := b.add("<< /Type /Page /Parent 3 0 R /Contents 1 0 R >>")
			b.add(fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", p))
			return b.bytes(b.add("<< /Type /Catalog /Pages 3 0 R >>"), "")
		}(), cpaudit.TextFailed, "unknown stream filter"},
		{"password", bytes.Replace(good, []byte("/Size"), []byte("/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <"+strings.Repeat("00", 32)+"> /U <"+strings.Repeat("11", 32)+"> >> /ID [<0123456789abcdef0123456789abcdef>] /Size"), 1), cpaudit.TextUnsupported, "password"},
		{"other security handler", bytes.Replace(good, []byte("/Size"), []byte("/Encrypt << /Filter /Adobe.PubSec /V 4 >> /Size"), 1), cpaudit.TextUnsupported, "security handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res := run(t, tt.data, "application/pdf", "x.pdf", Limits{})
			// A hang, not a speed check: -race on a busy 2-core CI machine
			// runs several times slower than a server.
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if tt.status == cpaudit.TextDone {
				wantDone(t, res, tt.want)
			} else {
				wantStatus(t, res, tt.status, tt.want)
			}
		})
	}
}

func TestPDFWithoutUnicodeMap(t *testing.T) {
	// An Identity-H font without ToUnicode: the codes are glyph numbers of
	// an embedded font, and nothing says which characters they draw.
	font := "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun >>] >>"
	var b pdfBuilder
	f := b.add(font)
	root := b.page([]byte("BT /F1 12 Tf 72 700 Td <0012003400560078> Tj ET"), fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", f))
	res := run(t, b.bytes(root, ""), "application/pdf", "nomap.pdf", Limits{})
	wantStatus(t, res, cpaudit.TextFailed, "no Unicode map")

	// Mixed with text that decodes: done, and said so.
	var m pdfBuilder
	cid, codes := m.cidFont(textChars)
	f = m.add(font)
	root = m.page([]byte("BT /F1 12 Tf 72 700 Td <0012003400560078> Tj /F2 12 Tf "+hexCodes(codes, "清洁")+" Tj ET"), fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>", f, cid))
	res = run(t, m.bytes(root, ""), "application/pdf", "mixed.pdf", Limits{})
	wantDone(t, res, "清洁")
	if !strings.Contains(res.Reason, "4 of 6 characters could not be decoded") {
		t.Errorf("reason %q", res.Reason)
	}

	// No text at all, as in a scan: done, empty, and said so.
	var s pdfBuilder
	root = s.page([]byte("q 100 0 0 100 0 0 cm 0 0 m 1 1 l S Q"), "<< >>")
	res = run(t, s.bytes(root, ""), "application/pdf", "scan.pdf", Limits{})
	if res.Status != cpaudit.TextDone || res.Text != "" || !strings.Contains(res.Reason, "no text layer") {
		t.Errorf("scan: %s %q %q", res.Status, res.Text, res.Reason)
	}
}

func TestPDFNotPDF(t *testing.T) {
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i/13)
	}
	res := run(t, random, "application/octet-stream", "report.pdf", Limits{})
	wantStatus(t, res, cpaudit.TextFailed, "not a PDF")
}

func TestPDFStreamBomb(t *testing.T) {
	var b pdfBuilder
	root := b.page(bytes.Repeat([]byte("0 0 m "), 2<<20), "<< >>")
	data := b.bytes(root, "")
	if len(data) > 1<<20 {
		t.Fatalf("bomb of %d bytes", len(data))
	}
	res := run(t, data, "application/pdf", "bomb.pdf", Limits{MaxUnzipped: 1 << 20})
	wantStatus(t, res, cpaudit.TextFailed, "PDF streams expand beyond the limit")
}

// flateBomb returns a PDF of a few hundred kilobytes whose one page has a
// FlateDecode content stream of n bytes, all of them "0 0 m " (valid
// content, so nothing but its size can stop it).
func flateBomb(n int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	chunk := bytes.Repeat([]byte("0 0 m "), 1<<20/6)
	for written := 0; written < n; written += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()
	var b pdfBuilder
	pages := b.reserve()
	c := b.add(fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << >> >>", pages, c))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// TestPDFFlateBombBoundedMemory extracts, under the default limits (1 GiB
// to decompress), a PDF with one stream of 512 MiB: extraction must stop
// once the stream passes what one stream may hold (MaxStream), having
// allocated little more than that, rather than inflating the stream whole
// (the 2 GB stream of issue 24 took the server to 4.37 GB).
func TestPDFFlateBombBoundedMemory(t *testing.T) {
	data := flateBomb(512 << 20)
	if len(data) > 4<<20 {
		t.Fatalf("bomb of %d bytes", len(data))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := run(t, data, "application/pdf", "bomb.pdf", Limits{})
	runtime.ReadMemStats(&after)
	wantStatus(t, res, cpaudit.TextFailed, "expands beyond")
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB for a stream of 512 MiB", alloc>>20)
	if limit := uint64(128 << 20); alloc > limit { // twice the default MaxStream
		t.Errorf("extraction allocated %d MiB, more than %d MiB", alloc>>20, limit>>20)
	}
}

// TestPDFFlateBudgetCountedAsInflated gives a job a budget smaller than
// one stream: it stops there, whatever the stream would become.
func TestPDFFlateBudgetCountedAsInflated(t *testing.T) {
	data := flateBomb(64 << 20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := run(t, data, "application/pdf", "bomb.pdf", Limits{MaxUnzipped: 2 << 20})
	runtime.ReadMemStats(&after)
	wantStatus(t, res, cpaudit.TextFailed, "PDF streams expand beyond the limit")
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("a budget of 2 MiB allocated %d MiB", alloc>>20)
	}
}

func TestPDFTimeout(t *testing.T) {
	var b pdfBuilder
	root := b.page(bytes.Repeat([]byte("BT 1 0 0 1 0 0 Tm ET "), 1<<20), "<< >>")
	start := time.Now()
	res := run(t, b.bytes(root, ""), "application/pdf", "slow.pdf", Limits{Timeout: 50 * time.Millisecond})
	wantStatus(t, res, cpaudit.TextFailed, "took longer than 50ms")
	// The status says the deadline fired; the bound says it fired promptly.
	// Generous, since under -race on a loaded 2-core machine it once came
	// at 1.0 s, yet below the 2.5 s the whole stream takes under -race.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the 50ms budget took %v", d)
	}
}

// soffice converts the files in dir to PDF with LibreOffice, with the
// given export options, and returns the PDFs' paths by input name.
func soffice(t *testing.T, dir, filter string, names ...string) map[string]string {
	t.Helper()
	bin := testenv.Soffice(t)
	out := filepath.Join(dir, "out"+fmt.Sprint(len(filter)))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf" + filter, "--outdir", out}
	for _, n := range names {
		args = append(args, filepath.Join(dir, n))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	pdfs := make(map[string]string)
	for _, n := range names {
		p := filepath.Join(out, strings.TrimSuffix(n, filepath.Ext(n))+".pdf")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("soffice made no PDF of %s: %v", n, err)
		}
		pdfs[n] = p
	}
	return pdfs
}

// The paragraph is long enough that LibreOffice breaks it across lines,
// wherever the breaks fall.
const sofficeParagraph = "本企业实施清洁生产方案后，全年节水量达到一万二千吨，综合能耗下降百分之十五，" +
	"废水排放量减少三成，审核小组对无低费方案和中高费方案逐一进行了可行性分析，" +
	"并将企业内部的节能降耗经验推广到全部生产车间和辅助部门，形成了持续清洁生产的长效机制。"

func TestPDFFromLibreOffice(t *testing.T) {
	dir := t.TempDir()
	text := "清洁生产审核报告\n\n" + sofficeParagraph + "\n\nThe audit covers 35 steps; 节水量 12000 吨/年。\n"
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	docx := docxOf(t, para("表格测试")+`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>化学需氧量</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>35.5 mg/L</w:t></w:r></w:p></w:tc></w:tr></w:tbl>`)
	if err := os.WriteFile(filepath.Join(dir, "table.docx"), docx, 0o644); err != nil {
		t.Fatal(err)
	}
	pdfs := soffice(t, dir, "", "report.txt", "table.docx")

	data, err := os.ReadFile(pdfs["report.txt"])
	if err != nil {
		t.Fatal(err)
	}
	res, raw := extractPDFRaw(t, data, Limits{})
	wantDone(t, res, "清洁生产审核报告", "The audit covers 35 steps; 节水量 12000 吨/年。")
	// The paragraph is whole, but for a space where a line ended after a
	// comma: "，" folds to ",", which is not Han, so that break stays.
	want := Normalize(sofficeParagraph)
	if got := strings.ReplaceAll(res.Text, ", ", ","); !strings.Contains(got, want) {
		t.Errorf("text lacks the paragraph %q:\n%s", want, res.Text)
	}
	// Find a phrase that the layout broke across two lines, and check it
	// is whole in the normalised text.
	lines := strings.Split(raw, "\n")
	found := false
	for i := 0; i+1 < len(lines); i++ {
		a, b := []rune(strings.TrimSpace(lines[i])), []rune(strings.TrimSpace(lines[i+1]))
		if len(a) < 2 || len(b) < 2 || !isHan(a[len(a)-1]) || !isHan(b[0]) {
			continue
		}
		phrase := string(a[len(a)-2:]) + string(b[:2])
		if !strings.Contains(sofficeParagraph, phrase) {
			continue
		}
		found = true
		if !strings.Contains(res.Text, phrase) {
			t.Errorf("phrase %q, broken across lines, is not whole in %q", phrase, res.Text)
		}
	}
	if !found {
		t.Errorf("LibreOffice broke no line inside the paragraph; raw text: %q", raw)
	}

	data, err = os.ReadFile(pdfs["table.docx"])
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, data, "application/pdf", "table.pdf", Limits{})
	wantDone(t, res, "表格测试", "化学需氧量", "35.5 mg/L")

	// Encrypted so that it cannot be changed, as many published reports
	// are: it opens without a password, so its text is read.
	enc := soffice(t, dir, `:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"PermissionPassword":{"type":"string","value":"owner"},"RestrictPermissions":{"type":"boolean","value":"true"},"Changes":{"type":"long","value":"0"}}`, "report.txt")
	data, err = os.ReadFile(enc["report.txt"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("/Encrypt")) {
		t.Fatal("LibreOffice did not encrypt the PDF")
	}
	res = run(t, data, "application/pdf", "protected.pdf", Limits{})
	wantDone(t, res, "清洁生产审核报告", "The audit covers 35 steps; 节水量 12000 吨/年。")
	if got := strings.ReplaceAll(res.Text, ", ", ","); !strings.Contains(got, want) {
		t.Errorf("text lacks the paragraph %q:\n%s", want, res.Text)
	}

	// With a password to open it, it is unsupported.
	locked := soffice(t, dir, `:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}`, "report.txt")
	data, err = os.ReadFile(locked["report.txt"])
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, data, "application/pdf", "locked.pdf", Limits{})
	wantStatus(t, res, cpaudit.TextUnsupported, "password")

	if !utf8.ValidString(res.Reason) {
		t.Errorf("reason %q", res.Reason)
	}
}

// The PDFs in testdata were made from a two-line page of pdfBuilder (the
// text 清洁生 / 产审核 in an Identity-H font with a ToUnicode map) by qpdf
// 11.3, an independent implementation of PDF encryption and object streams:
//
//	qpdf --static-id --allow-weak-crypto --encrypt "" owner 40 -- tiny.pdf rc4-40.pdf
//	qpdf --static-id --encrypt "" owner 128 --use-aes=y -- tiny.pdf aes-128.pdf
//	qpdf --static-id --encrypt "" owner 256 -- tiny.pdf aes-256.pdf
//	qpdf --static-id --encrypt user owner 256 -- tiny.pdf aes-256-password.pdf
//	qpdf --static-id --object-streams=generate tiny.pdf objstm.pdf
func TestPDFFromQpdf(t *testing.T) {
	for name, want := range map[string]cpaudit.TextStatus{
		"rc4-40.pdf": cpaudit.TextDone, "aes-128.pdf": cpaudit.TextDone, "aes-256.pdf": cpaudit.TextDone,
		"objstm.pdf": cpaudit.TextDone, "aes-256-password.pdf": cpaudit.TextUnsupported,
	} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, data, "application/pdf", name, Limits{})
			if want == cpaudit.TextDone {
				wantDone(t, res, "清洁生产审核")
			} else {
				wantStatus(t, res, want, "password")
			}
		})
	}
}
