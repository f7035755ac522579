package letter

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// The placeholders a template may use.
const (
	PEnterprise  = "企业名称"
	PCreditCode  = "统一社会信用代码"
	PAddress     = "企业地址"
	PBatch       = "批次名称"
	PReasons     = "列入原因"
	PLegalBasis  = "法律依据"
	PPenalties   = "罚则"
	PAuthority   = "告知单位"
	PDate        = "告知日期"
	PObligation  = "义务事项" // repeated row
	PDue         = "截止日期" // repeated row
	PStep        = "步骤"   // repeated row
	PMaterials   = "应交材料" // repeated row
	placeholderL = "{{"
)

// Required are the placeholders every template must hold: without them
// the letter would not say whom it addresses, what falls due when, what to
// file, or what a violation costs.
var Required = []string{PEnterprise, PObligation, PDue, PMaterials, PPenalties}

var known = []string{PEnterprise, PCreditCode, PAddress, PBatch, PReasons, PLegalBasis, PPenalties, PAuthority,
	PDate, PObligation, PDue, PStep, PMaterials}

var (
	paragraphRE   = regexp.MustCompile(`(?s)<w:p(?:\s[^>]*[^/])?>.*?</w:p>`)
	rowRE         = regexp.MustCompile(`(?s)<w:tr(?:\s[^>]*[^/])?>.*?</w:tr>`)
	textRE        = regexp.MustCompile(`(?s)<w:t(?:\s[^>]*)?>(.*?)</w:t>|<w:t(?:\s[^>]*)?/>`)
	placeholderRE = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)
)

// Check validates a template a tenant uploads: a real .docx within the
// budgets (KindInvalid, KindTooLarge), holding every required placeholder
// and no unknown one (KindUnprocessable).
func Check(docx []byte) error { return checkPlaceholders(docx, known, Required) }

// checkPlaceholders is Check for a kind of template: its known and its
// required placeholders.
func checkPlaceholders(docx []byte, known, required []string) error {
	parts, err := readDocx(docx)
	if err != nil {
		return err
	}
	found := map[string]bool{}
	for _, p := range parts {
		if p.data == nil {
			continue
		}
		for _, para := range paragraphRE.FindAll(p.data, -1) {
			for _, m := range placeholderRE.FindAllStringSubmatch(paragraphText(para), -1) {
				found[m[1]] = true
			}
		}
	}
	var unknown, missing []string
	for name := range found {
		if !slices.Contains(known, name) {
			unknown = append(unknown, "{{"+name+"}}")
		}
	}
	for _, name := range required {
		if !found[name] {
			missing = append(missing, "{{"+name+"}}")
		}
	}
	sort.Strings(unknown)
	switch {
	case len(missing) > 0:
		return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeTemplateMissingPlaceholders, "the template lacks the placeholders %s", strings.Join(missing, " ")).With("value", strings.Join(missing, " "))
	case len(unknown) > 0:
		return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeTemplateUnknownPlaceholders, "the template holds unknown placeholders %s; use %s",
			strings.Join(unknown, " "), "{{"+strings.Join(known, "}} {{")+"}}").With("value", strings.Join(unknown, " "))
	}
	return nil
}

// Fill writes facts into a template: rows holding repeated placeholders
// are repeated, then every placeholder is replaced, XML-escaped.
// KindInvalid or KindTooLarge if the template is no valid .docx.
func Fill(docx []byte, f Facts) ([]byte, error) {
	return fill(docx, f.scalars(), func(text string) []map[string]string {
		rows := []map[string]string{} // not nil: a row with no values goes
		switch {
		case strings.Contains(text, "{{"+PObligation+"}}") || strings.Contains(text, "{{"+PDue+"}}"):
			for _, o := range f.Obligations {
				rows = append(rows, map[string]string{PObligation: clean(o.What), PDue: clean(o.Due)})
			}
		case strings.Contains(text, "{{"+PStep+"}}") || strings.Contains(text, "{{"+PMaterials+"}}"):
			for _, m := range f.Materials {
				rows = append(rows, map[string]string{PStep: clean(m.Step), PMaterials: clean(m.Documents)})
			}
		default:
			return nil
		}
		return rows
	})
}

// fill writes values into a template: a table row for which repeat
// answers non-nil (given the row's text) is repeated once per answered
// map of values (none: the row goes), then every placeholder left is
// replaced by scalars, XML-escaped.
func fill(docx []byte, scalars map[string]string, repeat func(rowText string) []map[string]string) ([]byte, error) {
	parts, err := readDocx(docx)
	if err != nil {
		return nil, err
	}
	for i, p := range parts {
		if p.data == nil {
			continue
		}
		data := rowRE.ReplaceAllFunc(p.data, func(row []byte) []byte {
			rows := repeat(rowText(row))
			if rows == nil {
				return row
			}
			var out []byte
			for _, values := range rows {
				out = append(out, fillParagraphs(row, values)...)
			}
			return out
		})
		parts[i].data = fillParagraphs(data, scalars)
	}
	return writeDocx(parts)
}

// rowText is the text of a table row, all its paragraphs joined.
func rowText(row []byte) string {
	var b strings.Builder
	for _, para := range paragraphRE.FindAll(row, -1) {
		b.WriteString(paragraphText(para))
	}
	return b.String()
}

// paragraphText joins the text of a paragraph's runs, unescaped.
func paragraphText(para []byte) string {
	var b strings.Builder
	for _, m := range textRE.FindAllSubmatch(para, -1) {
		b.WriteString(unescape(m[1]))
	}
	return b.String()
}

// fillParagraphs replaces placeholders in every paragraph of data whose
// joined text holds one. The paragraph's whole text then goes into its
// first text element and the others are emptied, so a placeholder split
// across runs is still found; the first run's formatting wins.
func fillParagraphs(data []byte, values map[string]string) []byte {
	return paragraphRE.ReplaceAllFunc(data, func(para []byte) []byte {
		text := paragraphText(para)
		if !strings.Contains(text, placeholderL) {
			return para
		}
		filled := placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
			name := placeholderRE.FindStringSubmatch(m)[1]
			if v, ok := values[name]; ok {
				return "\x00" + v + "\x01" // marks a value, escaped below with its line breaks
			}
			return m
		})
		if filled == text {
			return para
		}
		first := true
		return textRE.ReplaceAllFunc(para, func([]byte) []byte {
			if !first {
				return []byte(`<w:t></w:t>`)
			}
			first = false
			return []byte(`<w:t xml:space="preserve">` + escapeText(filled) + `</w:t>`)
		})
	})
}

// escapeText XML-escapes text for a w:t element; a line break inside a
// filled value becomes a Word line break.
func escapeText(s string) string {
	var b bytes.Buffer
	inValue := false
	for _, seg := range strings.SplitAfter(s, "") {
		switch seg {
		case "\x00":
			inValue = true
			continue
		case "\x01":
			inValue = false
			continue
		case "\n":
			if inValue {
				b.WriteString(`</w:t><w:br/><w:t xml:space="preserve">`)
				continue
			}
		}
		xml.EscapeText(&b, []byte(seg))
	}
	return b.String()
}

func unescape(b []byte) string {
	if !bytes.ContainsRune(b, '&') {
		return string(b)
	}
	var s string
	// The part was checked to be well-formed, so its entities decode.
	if err := xml.Unmarshal(append(append([]byte("<t>"), b...), "</t>"...), &s); err != nil {
		return string(b)
	}
	return s
}

// Placeholders are the placeholders a letter template may use, in the
// order a page lists them.
func Placeholders() []string { return slices.Clone(known) }
