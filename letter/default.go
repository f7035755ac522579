package letter

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

// Default builds the template a tenant has until it uploads its own: a
// title, the address, the legal basis, the schedule and materials as
// tables, the penalties and the signature. It is built from code rather
// than checked in, so every placeholder it uses is a constant of this
// package.
func Default() ([]byte, error) {
	var body strings.Builder
	p := func(text string, opts ...string) { body.WriteString(paragraph(text, opts...)) }
	p("清洁生产审核一次性告知书", "title")
	p("{{企业名称}}：", "bold")
	p("统一社会信用代码：{{统一社会信用代码}}")
	p("地址：{{企业地址}}")
	p("根据{{法律依据}}，你单位因{{列入原因}}，已列入{{批次名称}}强制性清洁生产审核名单，应当依法实施强制性清洁生产审核。现将有关事项一次性告知如下：")
	p("一、时间节点", "bold")
	p("你单位应当在下列日期前完成相应工作：")
	body.WriteString(table([2]string{"事项", "截止日期"}, [2]string{"{{义务事项}}", "{{截止日期}}"}))
	p("二、应提交的材料", "bold")
	p("请按审核步骤在系统中上传下列材料（标注“必交”的，未上传不得提交该步骤）：")
	body.WriteString(table([2]string{"审核步骤", "应提交材料"}, [2]string{"{{步骤}}", "{{应交材料}}"}))
	p("三、法律责任", "bold")
	p("{{罚则}}")
	p("特此告知。")
	p("{{告知单位}}", "right")
	p("{{告知日期}}", "right")
	document := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() +
		`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>`
	files := []struct{ name, data string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="SimSun" w:hAnsi="SimSun" w:eastAsia="SimSun"/><w:sz w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults></w:styles>`},
		{"word/document.xml", document},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// A fixed time keeps the default's bytes, and so its hash, stable.
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(f.data)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// paragraph is one paragraph of one run; opts: "title", "bold", "right".
func paragraph(text string, opts ...string) string {
	var ppr, rpr string
	for _, o := range opts {
		switch o {
		case "title":
			ppr += `<w:jc w:val="center"/>`
			rpr += `<w:b/><w:sz w:val="36"/>`
		case "bold":
			rpr += `<w:b/>`
		case "right":
			ppr += `<w:jc w:val="right"/>`
		}
	}
	var t bytes.Buffer
	xml.EscapeText(&t, []byte(text))
	return `<w:p><w:pPr>` + ppr + `</w:pPr><w:r><w:rPr>` + rpr + `</w:rPr><w:t xml:space="preserve">` + t.String() + `</w:t></w:r></w:p>`
}

// table is a bordered two-column table: a header row and one row that
// Fill repeats.
func table(head, row [2]string) string {
	cell := func(text string, width int, bold bool) string {
		opt := []string{}
		if bold {
			opt = append(opt, "bold")
		}
		return `<w:tc><w:tcPr><w:tcW w:w="` + strconv.Itoa(width) + `" w:type="dxa"/></w:tcPr>` + paragraph(text, opt...) + `</w:tc>`
	}
	border := func(side string) string {
		return `<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`
	}
	return `<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/><w:tblBorders>` + border("top") + border("left") + border("bottom") +
		border("right") + border("insideH") + border("insideV") + `</w:tblBorders></w:tblPr>` +
		`<w:tblGrid><w:gridCol w:w="3600"/><w:gridCol w:w="5400"/></w:tblGrid>` +
		`<w:tr>` + cell(head[0], 3600, true) + cell(head[1], 5400, true) + `</w:tr>` +
		`<w:tr>` + cell(row[0], 3600, false) + cell(row[1], 5400, false) + `</w:tr></w:tbl>`
}
