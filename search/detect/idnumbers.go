package detect

import (
	"strings"

	"github.com/cpaudit/cpaudit"
)

// Identifying numbers: an invoice, a certificate or a monitoring report
// belongs to one enterprise, so the same number in the documents of two
// is evidence that one was copied. IdentNumbers reads them after their
// label. What it leaves out, to keep the numbers that identify:
//
//   - 发票代码 alone: it names a batch of paper invoices, shared by every
//     invoice of the batch; an 8-digit 发票号码 is only unique with its
//     代码, so the two are joined ("代码/号码") when both are in the same
//     sentence, and an 8-digit 号码 without its 代码 is dropped. A 20-digit
//     号码 (全电发票) is unique alone.
//   - certificate numbers of a qualification (资质, 认定, CMA, 计量, 资格,
//     执业, 登记): a consultancy's or a laboratory's own certificate is
//     rightly printed in all its clients' reports.
//   - report numbers shorter than 6 characters or with fewer than 3
//     digits ("见附件", "2-1").
//
// Numbers found in the documents of many enterprises are treated as
// common by the analyser, like boilerplate text.

// MaxIdentNumbers caps the numbers kept for one document.
const MaxIdentNumbers = 500

type identLabel struct {
	text string
	kind cpaudit.NumberKind
}

var identLabels = []identLabel{
	{"监测报告编号", cpaudit.NumberReport}, {"检测报告编号", cpaudit.NumberReport}, {"报告编号", cpaudit.NumberReport},
	{"证书编号", cpaudit.NumberCertificate}, {"证书号", cpaudit.NumberCertificate},
	{"发票号码", cpaudit.NumberInvoice}, {"发票代码", cpaudit.NumberInvoice},
}

// identFirst are the first runes of identLabels: most characters start
// none, and are passed over with one lookup.
var identFirst = func() map[rune]bool {
	m := map[rune]bool{}
	for _, l := range identLabels {
		m[[]rune(l.text)[0]] = true
	}
	return m
}()

var qualificationWords = []string{"资质", "认定", "CMA", "计量", "资格", "执业", "登记"}

// IdentNumbers returns the identifying numbers of an extracted text.
func IdentNumbers(text string) []cpaudit.DocNumber {
	rs := []rune(text)
	var out []cpaudit.DocNumber
	codes := map[int]string{} // sentence start -> 发票代码 found in it
	type pending struct {
		n        cpaudit.DocNumber
		sentence int
	}
	var shortInvoices []pending
	for i := 0; i < len(rs) && len(out) < MaxIdentNumbers; i++ {
		if !identFirst[rs[i]] {
			continue
		}
		var l identLabel
		found := false
		for _, c := range identLabels {
			if hasPrefixRunes(rs[i:], c.text) {
				l, found = c, true
				break
			}
		}
		if !found {
			continue
		}
		j := i + len([]rune(l.text))
		for j < len(rs) && j-i < len([]rune(l.text))+3 && strings.ContainsRune(" :：为是", rs[j]) {
			j++
		}
		num, end := identAt(rs, j)
		if num == "" {
			continue
		}
		s, e := sentenceAround(rs, i, end)
		n := cpaudit.DocNumber{Kind: l.kind, Label: l.text, Number: num, Offset: j, Sentence: clip(rs[s:e], i-s, 160)}
		i = end - 1
		switch l.kind {
		case cpaudit.NumberInvoice:
			if !allDigits(num) {
				continue
			}
			switch {
			case l.text == "发票代码" && (len(num) == 10 || len(num) == 12):
				codes[s] = num
			case l.text == "发票号码" && len(num) == 20:
				out = append(out, n)
			case l.text == "发票号码" && len(num) == 8:
				shortInvoices = append(shortInvoices, pending{n, s})
			}
		case cpaudit.NumberCertificate:
			if containsAny(string(rs[max(0, i-8):i]), qualificationWords) || containsAny(n.Sentence, qualificationWords) || len(num) < 6 {
				continue
			}
			out = append(out, n)
		case cpaudit.NumberReport:
			if len(num) < 6 || digitCount(num) < 3 {
				continue
			}
			out = append(out, n)
		}
	}
	for _, p := range shortInvoices {
		if code, ok := codes[p.sentence]; ok && len(out) < MaxIdentNumbers {
			p.n.Number = code + "/" + p.n.Number
			out = append(out, p.n)
		}
	}
	return out
}

// identAt reads an identifier at rs[j:]: Latin letters, digits and the
// separators - _ / and brackets 〔〕[]() as numbers are written
// ("HJ-2025-0312", "冀环监字〔2025〕第031号" is cut at its Han characters:
// "〔2025〕" alone is too short to count). Letters are upper-cased.
func identAt(rs []rune, j int) (string, int) {
	k := j
	for k < len(rs) && k-j < 40 {
		r := foldWidth(rs[k])
		if isDigit(r) || isLatin(r) || strings.ContainsRune("-_/〔〕[]()", r) {
			k++
			continue
		}
		break
	}
	id := strings.Trim(strings.ToUpper(string(mapRunes(rs[j:k], foldWidth))), "-_/")
	if id == "" || k-j >= 40 {
		return "", k
	}
	return id, k
}

func mapRunes(rs []rune, f func(rune) rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func allDigits(s string) bool {
	for _, r := range s {
		if !isDigit(r) {
			return false
		}
	}
	return s != ""
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if isDigit(r) {
			n++
		}
	}
	return n
}
