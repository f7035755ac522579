package letter

import (
	"archive/zip"
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// The opinion (技术审查意见 at assessment, 验收意见 at acceptance) that a
// regulator issues on a sampled audit once its reviewers have all scored
// it. It is filled like the letter: placeholders in a paragraph's text,
// table rows repeated per checklist item and per reviewer.

// The placeholders of an opinion template.
const (
	OTitle       = "意见名称"
	OEnterprise  = "企业名称"
	OConsultancy = "咨询机构"
	OCampaign    = "抽查任务"
	OMean        = "平均分"
	OPassMark    = "合格分"
	OResult      = "审查结论"
	OVetoes      = "否决事项"
	OConditions  = "整改要求"
	OAuthority   = "出具单位"
	ODate        = "出具日期"
	OItem        = "审查项目"  // repeated row
	OItemMax     = "项目分值"  // repeated row
	OItemMean    = "项目得分"  // repeated row
	OItemScores  = "各专家评分" // repeated row
	OExpert      = "审查专家"  // repeated row
	OExpertScore = "专家总分"  // repeated row
	OComment     = "专家意见"  // repeated row
)

// Opinion results: a pass with conditions is a pass whose opinion lists
// what the enterprise must still put right.
const (
	OpinionPass           = "pass"
	OpinionPassConditions = "pass_with_conditions"
	OpinionFail           = "fail"
)

// OpinionTitle names the opinion of a campaign stage: the acceptance's
// (and after it) 验收意见, the others' 技术审查意见.
func OpinionTitle(stage cpaudit.CampaignStage) string {
	if stage == cpaudit.StageAcceptance || stage == cpaudit.StageAfterAcceptance {
		return "清洁生产审核验收意见"
	}
	return "清洁生产审核技术审查意见"
}

// resultZh says a result as the opinion does.
var resultZh = map[string]string{
	OpinionPass:           "通过",
	OpinionPassConditions: "通过（有条件）",
	OpinionFail:           "不通过",
}

// OpinionFacts are what one opinion says.
type OpinionFacts struct {
	Stage                   cpaudit.CampaignStage
	Enterprise, Consultancy string // Consultancy "" for a self-audit
	Campaign                string
	Checklist               cpaudit.Checklist
	Reviews                 cpaudit.AuditReviews // complete: every reviewer submitted
	Result                  string               // OpinionPass, OpinionPassConditions or OpinionFail
	Conditions              string
	Authority, Date         string
}

// FillOpinion fills an opinion template with f; KindInvalid or
// KindTooLarge if the template is no valid .docx.
func FillOpinion(docx []byte, f OpinionFacts) ([]byte, error) {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	orDash := func(s string) string {
		if s = clean(s); s == "" {
			return "—"
		}
		return s
	}
	mean := "—"
	if f.Reviews.Mean != nil {
		mean = num(*f.Reviews.Mean)
	}
	vetoName := map[string]string{}
	for _, v := range f.Checklist.Vetoes {
		vetoName[v.Item] = v.Name
	}
	var vetoes []string
	seen := map[string]bool{}
	for _, r := range f.Reviews.Reviews {
		for _, v := range r.Vetoes {
			if !seen[v] {
				seen[v] = true
				vetoes = append(vetoes, cmpOr(vetoName[v], v))
			}
		}
	}
	consultancy := f.Consultancy
	if consultancy == "" {
		consultancy = "自行审核"
	}
	scalars := map[string]string{
		OTitle: OpinionTitle(f.Stage), OEnterprise: orDash(f.Enterprise), OConsultancy: clean(consultancy),
		OCampaign: orDash(f.Campaign), OMean: mean, OPassMark: num(f.Checklist.PassMark), OResult: resultZh[f.Result],
		OVetoes: orDash(strings.Join(vetoes, "；")), OConditions: orDash(f.Conditions), OAuthority: orDash(f.Authority),
		ODate: clean(f.Date),
	}
	out, err := fill(docx, scalars, func(text string) []map[string]string {
		rows := []map[string]string{}
		switch {
		case strings.Contains(text, "{{"+OItem+"}}") || strings.Contains(text, "{{"+OItemMean+"}}"):
			for _, it := range f.Checklist.Items {
				var sum float64
				var each []string
				for _, r := range f.Reviews.Reviews {
					for _, s := range r.Items {
						if s.Item == it.Item {
							sum += s.Points
							each = append(each, num(s.Points))
						}
					}
				}
				m := "—"
				if len(each) > 0 {
					m = strconv.FormatFloat(sum/float64(len(each)), 'f', 2, 64)
				}
				rows = append(rows, map[string]string{OItem: clean(it.Name), OItemMax: num(it.Max), OItemMean: m,
					OItemScores: strings.Join(each, "、")})
			}
		case strings.Contains(text, "{{"+OExpert+"}}") || strings.Contains(text, "{{"+OComment+"}}"):
			for i, r := range f.Reviews.Reviews {
				rows = append(rows, map[string]string{OExpert: "专家" + strconv.Itoa(i+1), OExpertScore: num(r.Score),
					OComment: orDash(r.Comment)})
			}
		default:
			return nil
		}
		return rows
	})
	var ce *cpaudit.Error
	if err != nil && !errors.As(err, &ce) {
		return nil, cpaudit.Internal("letter.FillOpinion", err)
	}
	return out, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DefaultOpinion builds the built-in opinion template.
func DefaultOpinion() ([]byte, error) {
	var body strings.Builder
	p := func(text string, opts ...string) { body.WriteString(paragraph(text, opts...)) }
	p("{{意见名称}}", "title")
	p("企业名称：{{企业名称}}")
	p("咨询机构：{{咨询机构}}")
	p("抽查任务：{{抽查任务}}")
	p("一、专家评分", "bold")
	p("专家组按审查要点独立评分，平均分{{平均分}}分（满分100分，合格分{{合格分}}分）。各项得分如下：")
	body.WriteString(tableN([]int{2700, 1300, 1500, 3500}, []string{"审查项目", "分值", "平均得分", "各专家评分"},
		[]string{"{{审查项目}}", "{{项目分值}}", "{{项目得分}}", "{{各专家评分}}"}))
	p("二、否决事项", "bold")
	p("{{否决事项}}")
	p("三、专家意见", "bold")
	body.WriteString(tableN([]int{1500, 1500, 6000}, []string{"专家", "总分", "意见"},
		[]string{"{{审查专家}}", "{{专家总分}}", "{{专家意见}}"}))
	p("四、结论", "bold")
	p("审查结论：{{审查结论}}")
	p("整改要求：{{整改要求}}")
	p("{{出具单位}}", "right")
	p("{{出具日期}}", "right")
	return packDocx(body.String())
}

// packDocx wraps a body into a minimal .docx, with the letter's styles.
func packDocx(body string) ([]byte, error) {
	d, err := Default()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(d), int64(len(d)))
	if err != nil {
		return nil, err
	}
	document := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body +
		`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			if err := zw.Copy(f); err != nil {
				return nil, err
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(document)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tableN is a bordered table of the given column widths: a header row
// and one row that the filling repeats.
func tableN(widths []int, head, row []string) string {
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
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/><w:tblBorders>` + border("top") + border("left") + border("bottom") +
		border("right") + border("insideH") + border("insideV") + `</w:tblBorders></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		b.WriteString(`<w:gridCol w:w="` + strconv.Itoa(w) + `"/>`)
	}
	b.WriteString(`</w:tblGrid><w:tr>`)
	for i, h := range head {
		b.WriteString(cell(h, widths[i], true))
	}
	b.WriteString(`</w:tr><w:tr>`)
	for i, c := range row {
		b.WriteString(cell(c, widths[i], false))
	}
	b.WriteString(`</w:tr></w:tbl>`)
	return b.String()
}
