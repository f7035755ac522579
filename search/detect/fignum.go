package detect

import (
	"math"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// Numbers and units of key figures, shared by the text and table readers
// (figtext.go, figtable.go): a number as reports write it (12000,
// 1,230.5, full-width １２０００, 1.2万, 一万二千) and a unit converted to the
// quantity's canonical one (元, t, kWh, tce).

// foldWidth turns full-width ASCII (digits, letters, ．，／) into ASCII, as
// extraction's normalisation does; table cells are read raw.
func foldWidth(r rune) rune {
	if r >= 0xff01 && r <= 0xff5e {
		return r - 0xfee0
	}
	if r == '\u3000' {
		return ' '
	}
	return r
}

func foldString(s string) string { return strings.Map(foldWidth, s) }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// cnDigits are the Chinese numerals' values; units (十百千万亿) are apart.
var cnDigits = map[rune]float64{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
var cnUnits = map[rune]float64{'十': 10, '百': 100, '千': 1000}

// scanNumber reads a number at rs[i:]: Arabic digits with optional
// thousands commas (each followed by exactly three digits) and a decimal
// part, followed by an optional 万 or 亿; or Chinese numerals
// (一万二千, 十二万). It returns the value and the end, or ok false.
func scanNumber(rs []rune, i int) (v float64, end int, ok bool) {
	if i >= len(rs) {
		return 0, i, false
	}
	if isDigit(rs[i]) {
		var b strings.Builder
		j, dot := i, false
	digits:
		for j < len(rs) && b.Len() < 40 {
			switch r := rs[j]; {
			case isDigit(r):
				b.WriteRune(r)
			case r == ',' && !dot && threeDigits(rs, j+1):
			case r == '.' && !dot && j+1 < len(rs) && isDigit(rs[j+1]):
				b.WriteRune('.')
				dot = true
			default:
				break digits
			}
			j++
		}
		f, err := strconv.ParseFloat(b.String(), 64)
		if err != nil || math.IsInf(f, 0) {
			return 0, i, false
		}
		f, j = multiplier(rs, j, f)
		return f, j, true
	}
	return scanChinese(rs, i)
}

// threeDigits says whether rs[j:j+3] are digits and rs[j+3] is not one:
// "12,300" groups, "1,2" does not.
func threeDigits(rs []rune, j int) bool {
	if j+3 > len(rs) {
		return false
	}
	for k := j; k < j+3; k++ {
		if !isDigit(rs[k]) {
			return false
		}
	}
	return j+3 == len(rs) || !isDigit(rs[j+3])
}

// multiplier applies a 万 or 亿 (or 万亿) after a number, unless it
// begins a unit that holds it (万元 is handled here too: 45万元 is 45×10⁴
// then 元).
func multiplier(rs []rune, j int, f float64) (float64, int) {
	for j < len(rs) {
		switch rs[j] {
		case '万':
			f *= 1e4
		case '亿':
			f *= 1e8
		default:
			return f, j
		}
		j++
	}
	return f, j
}

// scanChinese reads Chinese numerals: 一万二千 = 12000, 十二 = 12,
// 三点五万 = 35000. A lone 一 or 十 is read too; the caller only accepts a
// number followed by a unit.
func scanChinese(rs []rune, i int) (float64, int, bool) {
	var total, section, digit float64
	j := i
	seen := false
	for j < len(rs) {
		r := rs[j]
		if d, ok := cnDigits[r]; ok {
			digit = d
			seen = true
		} else if u, ok := cnUnits[r]; ok {
			if digit == 0 && u == 10 {
				digit = 1 // 十二 = 12
			}
			section += digit * u
			digit = 0
			seen = true
		} else if r == '万' || r == '亿' {
			if !seen {
				break
			}
			m := 1e4
			if r == '亿' {
				m = 1e8
			}
			total = (total + section + digit) * m
			section, digit = 0, 0
		} else if r == '点' && seen && j+1 < len(rs) {
			// 三点五万: decimals are digits read one by one.
			frac, k := 0.0, j+1
			scale := 0.1
			for k < len(rs) {
				d, ok := cnDigits[rs[k]]
				if !ok {
					break
				}
				frac += d * scale
				scale /= 10
				k++
			}
			if k == j+1 {
				break
			}
			digit += frac
			j = k
			continue
		} else {
			break
		}
		j++
	}
	if !seen {
		return 0, i, false
	}
	return total + section + digit, j, true
}

// unitDef is one way of writing a unit: its text, the factor to the
// canonical unit, and the quantities it may measure.
type unitDef struct {
	text   string
	factor float64
	kinds  unitKind
}

type unitKind uint8

const (
	uMoney unitKind = 1 << iota
	uMass
	uWater // a mass, or a volume of water: 1 m³ is taken as 1 t
	uElec
	uEnergy
)

// units are tried longest first (sorted at use); Latin ones must not be
// followed by another letter (t is not the t of tce).
var units = []unitDef{
	{"元", 1, uMoney}, {"千元", 1e3, uMoney}, {"RMB", 1, uMoney},
	{"吨标准煤", 1, uEnergy}, {"吨标煤", 1, uEnergy}, {"t标准煤", 1, uEnergy}, {"t标煤", 1, uEnergy},
	{"tce", 1, uEnergy}, {"kgce", 1e-3, uEnergy}, {"千克标准煤", 1e-3, uEnergy}, {"kg标准煤", 1e-3, uEnergy},
	{"吨", 1, uMass | uWater}, {"t", 1, uMass | uWater}, {"千克", 1e-3, uMass}, {"公斤", 1e-3, uMass}, {"kg", 1e-3, uMass},
	{"立方米", 1, uWater}, {"m3", 1, uWater}, {"m³", 1, uWater}, {"方", 1, uWater},
	{"kWh", 1, uElec}, {"kW·h", 1, uElec}, {"kW.h", 1, uElec}, {"kwh", 1, uElec}, {"KWH", 1, uElec}, {"KWh", 1, uElec},
	{"千瓦时", 1, uElec}, {"度", 1, uElec}, {"MWh", 1e3, uElec}, {"兆瓦时", 1e3, uElec}, {"GWh", 1e6, uElec},
}

// unitsFor are the unit kinds a quantity accepts; energy also accepts a
// plain 吨 when its label names standard coal (标煤), see figtext.go.
func unitsFor(q cpaudit.Quantity) unitKind {
	switch q {
	case cpaudit.QtyInvestment, cpaudit.QtyBenefit:
		return uMoney
	case cpaudit.QtyWater:
		return uWater
	case cpaudit.QtyElectricity:
		return uElec
	case cpaudit.QtyEnergy:
		return uEnergy
	}
	return uMass
}

// scanUnit reads a unit of kinds at rs[i:] after optional spaces, with a
// 万 or 亿 before it when the number did not take one (12000 万kWh is
// rare, 1.2 万kWh is not). It returns the factor and the end.
func scanUnit(rs []rune, i int, kinds unitKind) (factor float64, end int, ok bool) {
	for i < len(rs) && rs[i] == ' ' {
		i++
	}
	mult := 1.0
	if i < len(rs) && (rs[i] == '万' || rs[i] == '亿') {
		mult = map[rune]float64{'万': 1e4, '亿': 1e8}[rs[i]]
		i++
	}
	best := -1
	for k, u := range units {
		if u.kinds&kinds == 0 || !hasPrefixRunes(rs[i:], u.text) {
			continue
		}
		n := len([]rune(u.text))
		if last := []rune(u.text)[n-1]; isLatin(last) && i+n < len(rs) && isLatin(rs[i+n]) {
			continue // t of tce, kg of kgce
		}
		if best < 0 || n > len([]rune(units[best].text)) {
			best = k
		}
	}
	if best < 0 {
		return 0, i, false
	}
	return units[best].factor * mult, i + len([]rune(units[best].text)), true
}

func isLatin(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func hasPrefixRunes(rs []rune, p string) bool {
	k := 0
	for _, r := range p {
		if k >= len(rs) || rs[k] != r {
			return false
		}
		k++
	}
	return true
}

// scanPeriod reads a period written after a unit: /年, /a, /yr, /月,
// /d, /天, /日, or 每年.
func scanPeriod(rs []rune, i int) (cpaudit.Period, int) {
	for i < len(rs) && rs[i] == ' ' {
		i++
	}
	if i < len(rs) && (rs[i] == '/' || rs[i] == '每') {
		j := i + 1
		for j < len(rs) && rs[j] == ' ' {
			j++
		}
		if j < len(rs) {
			switch rs[j] {
			case '年', 'a', 'y':
				k := j + 1
				if rs[j] == 'y' && hasPrefixRunes(rs[k:], "r") {
					k++
				}
				if rs[j] == '年' || k == len(rs) || !isLatin(rs[k]) {
					return cpaudit.PeriodYear, k
				}
			case '月':
				return cpaudit.PeriodMonth, j + 1
			case 'd', '天', '日':
				if rs[j] != 'd' || j+1 == len(rs) || !isLatin(rs[j+1]) {
					return cpaudit.PeriodDay, j + 1
				}
			}
		}
	}
	return cpaudit.PeriodUnstated, i
}

// parseValue reads a whole cell or header-less value: a number with an
// optional unit and period, e.g. "12,300", "1.2万", "45 万元". unitKinds 0
// takes no unit. ok is false unless the whole text is used.
func parseValue(s string, kinds unitKind) (v, factor float64, hasUnit bool, p cpaudit.Period, ok bool) {
	rs := []rune(strings.TrimSpace(foldString(s)))
	v, j, ok := scanNumber(rs, 0)
	if !ok {
		return 0, 0, false, "", false
	}
	factor = 1
	if kinds != 0 {
		if f, k, uok := scanUnit(rs, j, kinds); uok {
			factor, j, hasUnit = f, k, true
		}
	}
	p, j = scanPeriod(rs, j)
	for j < len(rs) && rs[j] == ' ' {
		j++
	}
	return v, factor, hasUnit, p, j == len(rs)
}
