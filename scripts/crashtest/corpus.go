package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cpaudit/cpaudit/internal/testpdf"
	"github.com/xuri/excelize/v2"
)

// doc is one file of the corpus: made again from its number and the seed
// whenever it is sent, so that 2,000 files of every size never sit in
// memory at once.
type doc struct {
	i    int
	name string
	kind string // report, evidence or other
	ext  string
	size int // bytes, once generated
	sum  [32]byte
}

// corpusMix says which formats the corpus holds, in what share (out of
// 100): text-bearing office files and PDFs most, photos a few (each goes
// through OCR, about a second of a core), and one file in a hundred a
// PDF padded to 4 to 20 MiB (over 16 MiB, S3 takes a multipart upload).
var corpusMix = []struct {
	ext   string
	share int
}{{"txt", 28}, {"docx", 26}, {"xlsx", 20}, {"pdf", 20}, {"jpg", 5}, {"bigpdf", 1}}

// generate makes file i of the corpus of seed.
func generate(seed uint64, i int) (doc, []byte) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	pick, ext := r.IntN(100), ""
	for _, m := range corpusMix {
		if pick < m.share {
			ext = m.ext
			break
		}
		pick -= m.share
	}
	// File i belongs to audit i%4 (uploads.go), so it speaks of that
	// audit's enterprise, with the enterprise's own figures: a corpus of
	// random names and figures would be a flood of foreign_name and
	// inconsistent_figure flags no real audit has.
	ent := i % len(enterprises)
	firm := enterprises[ent]
	d := doc{i: i, ext: ext}
	var b []byte
	switch ext {
	case "txt":
		d.kind, d.name = "report", fmt.Sprintf("%s清洁生产审核报告-%05d.txt", firm, i)
		b = []byte(prose(r, i, ent, 2_000+r.IntN(r.IntN(100_000)+1)))
	case "docx":
		d.kind, d.name = "report", fmt.Sprintf("%s审核报告-%05d.docx", firm, i)
		b = docx(prose(r, i, ent, 3_000+r.IntN(r.IntN(60_000)+1)))
	case "xlsx":
		d.kind, d.name = "evidence", fmt.Sprintf("%s能源消耗台账-%05d.xlsx", firm, i)
		b = xlsx(i, ent, 10+r.IntN(r.IntN(2_000)+1))
	case "pdf", "bigpdf":
		d.kind, d.name, d.ext = "report", fmt.Sprintf("%s评估报告-%05d.pdf", firm, i), "pdf"
		pad := 0
		if ext == "bigpdf" {
			pad = 4<<20 + r.IntN(16<<20)
		}
		b = pdf(r, prose(r, i, ent, 500+r.IntN(r.IntN(20_000)+1)), pad)
	case "jpg":
		d.kind, d.name = "evidence", fmt.Sprintf("现场照片-%05d.jpg", i)
		b = photo(r, 64+r.IntN(480), 48+r.IntN(320))
	}
	d.size, d.sum = len(b), sha256.Sum256(b)
	return d, b
}

var (
	words = []string{"清洁生产", "审核", "节水量", "万元", "吨/年", "COD", "氨氮", "二氧化硫", "印染", "造纸", "制药", "废水",
		"回用", "能耗", "标准煤", "工艺", "设备", "改造", "生产", "中水", "锅炉", "脱硫", "方案", "实施", "效益", "企业",
		"审核小组", "预审核", "无/低费方案", "中/高费方案", "的", "了", "和", "在", "是", "对", "按", "及", "物料平衡",
		"水平衡", "单位产品", "综合能耗", "危险废物", "固体废物", "排放浓度", "达标", "监测", "污染物", "削减量"}
	// enterprises are the enterprises of the tenant's four audits, in
	// order (provision in main.go makes them).
	enterprises = []string{"华北印染有限公司", "冀中造纸股份公司", "唐山钢铁有限公司", "沧州化肥厂"}
)

// figure is enterprise ent's figure for word: the same in every document
// of the enterprise.
func figure(ent int, word string) int {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%s", ent, word)
	return int(h.Sum32() % 100000)
}

// prose is about n bytes of report-like Chinese naming file i, so that no
// two files of the corpus are the same.
func prose(r *rand.Rand, i, ent int, n int) string {
	firm := enterprises[ent]
	var b strings.Builder
	fmt.Fprintf(&b, "%s清洁生产审核报告（第%05d号）\n", firm, i)
	for b.Len() < n {
		b.WriteString(firm)
		for range 4 + r.IntN(10) {
			w := words[r.IntN(len(words))]
			b.WriteString(w)
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "%d", figure(ent, w))
			}
			if r.IntN(3) == 0 {
				b.WriteString("，")
			}
		}
		b.WriteString("。\n")
	}
	return b.String()
}

// docx is a Word document of text, one paragraph a line.
func docx(text string) []byte {
	var body strings.Builder
	for _, line := range strings.Split(text, "\n") {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">`)
		body.WriteString(line)
		body.WriteString(`</w:t></w:r></w:p>`)
	}
	return zipOf(
		"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+
			body.String()+`<w:sectPr/></w:body></w:document>`)
}

func zipOf(entries ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		must(err)
		_, err = w.Write([]byte(entries[i+1]))
		must(err)
	}
	must(zw.Close())
	return buf.Bytes()
}

// xlsx is enterprise ent's energy ledger of rows months (the same figures
// for a month in every ledger of the enterprise), through excelize as the
// tests build theirs.
func xlsx(i, ent, rows int) []byte {
	f := excelize.NewFile()
	defer f.Close()
	must(f.SetSheetName("Sheet1", "能源台账"))
	must(f.SetSheetRow("能源台账", "A1", &[]any{"序号", "月份", "用水量（吨）", "用电量（kWh）", "标准煤（tce）", fmt.Sprintf("台账%05d", i)}))
	for row := range rows {
		must(f.SetSheetRow("能源台账", fmt.Sprintf("A%d", row+2), &[]any{row + 1, fmt.Sprintf("%d年%d月", 2020+row/12, row%12+1),
			figure(ent, fmt.Sprint("水", row)), figure(ent, fmt.Sprint("电", row)) * 10, float64(figure(ent, fmt.Sprint("煤", row))) / 100}))
	}
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// pdf is a PDF whose pages show text in a Type0 font (Identity-H, the
// code of a glyph being its rune) with a ToUnicode map, as a PDF made by
// a word processor does; pad adds an unreferenced stream of that many
// random bytes (a scanned attachment's weight, without its OCR).
func pdf(r *rand.Rand, text string, pad int) []byte {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	runes := map[rune]bool{}
	for _, l := range lines {
		for _, c := range l {
			runes[c] = true
		}
	}
	var all []rune
	for c := range runes {
		if c <= 0xffff {
			all = append(all, c)
		}
	}
	slices.Sort(all)
	var cmap strings.Builder
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /Adobe-Identity-UCS def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(all) > 0 {
		n := min(100, len(all))
		fmt.Fprintf(&cmap, "%d beginbfchar\n", n)
		for _, c := range all[:n] {
			fmt.Fprintf(&cmap, "<%04X> <%04X>\n", c, c)
		}
		cmap.WriteString("endbfchar\n")
		all = all[n:]
	}
	cmap.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")

	var objs []string // object k+1 is objs[k]
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	add("<< /Type /Catalog /Pages 2 0 R >>")
	add("") // the page tree, once the pages are known
	toUni := add(testpdf.Stream("", []byte(cmap.String())))
	desc := add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
	font := add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", desc, toUni))
	var kids []string
	const perPage = 40
	for p := 0; p < len(lines); p += perPage {
		var content strings.Builder
		content.WriteString("BT /F1 10 Tf 40 800 Td 12 TL\n")
		for _, l := range lines[p:min(len(lines), p+perPage)] {
			content.WriteString("<")
			for _, c := range l {
				if c <= 0xffff {
					fmt.Fprintf(&content, "%04X", c)
				}
			}
			content.WriteString("> Tj T*\n")
		}
		content.WriteString("ET\n")
		c := add(testpdf.Stream("", []byte(content.String())))
		pg := add(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>", c, font))
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	if pad > 0 {
		junk := make([]byte, pad)
		for k := range junk {
			junk[k] = byte(r.Uint32())
		}
		add(testpdf.Stream("", junk))
	}

	return testpdf.File(objs...)
}

// photo is a JPEG of w×h pixels: a gradient under noise, like a site
// photo as far as the duplicate image analysis is concerned.
func photo(r *rand.Rand, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := [3]int{r.IntN(200), r.IntN(200), r.IntN(200)}
	for y := range h {
		for x := range w {
			n := r.IntN(40)
			img.Set(x, y, color.RGBA{uint8(base[0] + x*55/w + n), uint8(base[1] + y*55/h + n), uint8(base[2] + n), 255})
		}
	}
	var b bytes.Buffer
	must(jpeg.Encode(&b, img, &jpeg.Options{Quality: 60 + r.IntN(35)}))
	return b.Bytes()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
