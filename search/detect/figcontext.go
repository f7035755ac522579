package detect

import (
	"strconv"
	"strings"
)

// Option context: which cleaner production option a figure belongs to,
// so that per-option figures are compared option by option and never a
// total with a part. Reports name options by code (F1, F-2, ZG3 for a
// 中高费 option) or as 方案一 / 方案1; a total says 合计 or 总计.

// TotalContext is the context of a figure stated as a total.
const TotalContext = "合计"

// codeStops are letter prefixes that name chemicals or standards, not
// options: SO2, NO2, CO2, NH3, PM10, GB 8978, HJ 2.2, and the element
// letters alone (C1, N2).
var codeStops = map[string]bool{"SO": true, "NO": true, "CO": true, "NH": true, "PM": true, "GB": true, "HJ": true,
	"DB": true, "JJ": true, "CJ": true, "ID": true, "O": true, "H": true, "N": true, "C": true, "S": true, "K": true,
	"P": true, "Q": true, "T": true, "V": true, "M": true}

// contextMark is an option code or a total found in text, at rune offset
// pos.
type contextMark struct {
	code string
	pos  int
}

// contextMarks finds the option codes and total words in rs.
func contextMarks(rs []rune) []contextMark {
	var out []contextMark
	for i := 0; i < len(rs); i++ {
		if c, n := optionCodeAt(rs, i); n > 0 {
			out = append(out, contextMark{c, i})
			i += n - 1
			continue
		}
		if hasPrefixRunes(rs[i:], "合计") || hasPrefixRunes(rs[i:], "总计") {
			out = append(out, contextMark{TotalContext, i})
			i++
		}
	}
	return out
}

// numeralWords end words that begin with a numeral, which 方案 may
// precede without being numbered: 方案二氧化硫… is a plan for sulphur
// dioxide (二氧化硫), not option 2.
var numeralWords = []string{"氧化", "体化", "次性", "废"}

// numeralWord says whether rs, which follows a Chinese numeral, continues
// it into one of those words.
func numeralWord(rs []rune) bool {
	for _, w := range numeralWords {
		if hasPrefixRunes(rs, w) {
			return true
		}
	}
	return false
}

// optionCodeAt reads an option code at rs[i:] and says how many runes it
// takes: one or two capital letters, an optional hyphen and 1-3 digits
// (F1, F-12, ZG3), not inside a longer Latin token; or 方案 and a number
// (方案一, 方案 2). Codes are normalised: F-1 is F1, 方案一 is 方案1.
func optionCodeAt(rs []rune, i int) (string, int) {
	if hasPrefixRunes(rs[i:], "方案") {
		j := i + 2
		for j < len(rs) && rs[j] == ' ' {
			j++
		}
		if j < len(rs) && isDigit(rs[j]) {
			k := j
			for k < len(rs) && isDigit(rs[k]) && k-j < 3 {
				k++
			}
			return "方案" + string(rs[j:k]), k - i
		}
		if v, k, ok := scanChinese(rs, j); ok && v >= 1 && v < 1000 && k-j <= 4 && !numeralWord(rs[k:]) {
			return "方案" + strconv.Itoa(int(v)), k - i
		}
		return "", 0
	}
	if i > 0 && (isLatin(rs[i-1]) || isDigit(rs[i-1]) || rs[i-1] == '-') {
		return "", 0
	}
	j := i
	for j < len(rs) && rs[j] >= 'A' && rs[j] <= 'Z' && j-i < 3 {
		j++
	}
	letters := string(rs[i:j])
	if j == i || j-i > 2 || codeStops[letters] {
		return "", 0
	}
	k := j
	if k < len(rs) && rs[k] == '-' {
		k++
	}
	d := k
	for k < len(rs) && isDigit(rs[k]) && k-d < 4 {
		k++
	}
	if k == d || k-d > 3 || (k < len(rs) && (isDigit(rs[k]) || isLatin(rs[k]) || rs[k] == '.')) {
		return "", 0
	}
	return letters + strings.TrimLeft(string(rs[d:k]), "0"), k - i
}

// NormalizeOptionCode is a structured option's code as figContext writes
// it: "F-01" is "F1", "方案一" is "方案1"; a code of another form is kept,
// trimmed.
func NormalizeOptionCode(code string) string {
	rs := []rune(strings.TrimSpace(foldString(code)))
	if c, n := optionCodeAt(rs, 0); n == len(rs) && n > 0 {
		return c
	}
	return strings.TrimSpace(string(rs))
}

// figContext is the option context of a figure from the text of its
// sentence before it: the nearest code or total word, when it is the only
// one, or the only one of the figure's clause. When several options are
// named and the figure's clause does not pick one ("F1、F2两个方案共投资75
// 万元"), ok is false and the figure is left out, as it cannot be tied.
func figContext(before []rune) (string, bool) {
	marks := contextMarks(before)
	if len(marks) == 0 {
		return "", true
	}
	distinct := map[string]bool{}
	for _, m := range marks {
		distinct[m.code] = true
	}
	if len(distinct) == 1 {
		return marks[0].code, true
	}
	clause := len(before)
	// A list (F1、F2) is one clause: its figure belongs to neither.
	for clause > 0 && (!isClauseBreak(before[clause-1]) || before[clause-1] == '、') {
		clause--
	}
	var inClause []contextMark
	for _, m := range marks {
		if m.pos >= clause {
			inClause = append(inClause, m)
		}
	}
	if len(inClause) == 1 {
		return inClause[0].code, true
	}
	return "", false
}
