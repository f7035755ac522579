package detect

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// Comparing the key figures of one audit. A report, its tables, its
// evidence and its structured options state the same figures; one that
// disagrees beyond the tolerance is flagged. Most numbers of a report are
// not the same figure twice, so only like is compared with like:
//
//  1. The same quantity and measure: 节水量 (a saving) is never compared
//     with 新鲜水用量 (an amount used), nor COD削减量 with COD排放量; a
//     pollutant figure that says neither is compared only with others
//     that say neither.
//  2. The same period: a yearly figure with a yearly one, where a figure
//     that states no period counts as yearly (reports state savings a
//     year); monthly, daily and cumulative (累计) figures only with their
//     own kind. Investment is one-off and has no period.
//  3. The same option: figures tied to an option (F1, 方案一, or a
//     structured option's name in the sentence or row) are compared with
//     the same option's figures only; totals (合计, 总计) with totals and
//     with the sum of the structured options.
//  4. A figure tied to no option is compared only when it is the only
//     value its document gives for that quantity, measure and period (the
//     document's figure, not one of several per-option values whose
//     option the text did not name), and then only with another
//     document's only value, or with the structured options when the
//     audit has exactly one option stating that quantity. Within one
//     document, untied figures are never compared with each other.
//
// Two values disagree when |a-b| > tolerance × max(|a|,|b|).

// DefaultFigureTolerance is the relative difference tolerated between two
// statements of one figure.
const DefaultFigureTolerance = 0.05

// figKey is what must be equal for two figures to be the same figure.
type figKey struct {
	q       cpaudit.Quantity
	measure cpaudit.Measure
	period  cpaudit.Period
	context string
}

func keyOf(f cpaudit.Figure) figKey {
	p := f.Period
	if p == cpaudit.PeriodUnstated && f.Quantity != cpaudit.QtyInvestment {
		p = cpaudit.PeriodYear
	}
	return figKey{f.Quantity, f.Measure, p, f.Context}
}

// bucket is the figures of one document with one key, and whether they
// agree among themselves.
type bucket struct {
	figs  []cpaudit.Figure
	agree bool
}

func buckets(d cpaudit.DocFigures, opts []cpaudit.AuditOption, tol float64) (map[figKey]*bucket, []figKey) {
	m := map[figKey]*bucket{}
	var order []figKey
	for _, f := range d.Figures {
		if f.Context == "" {
			f.Context = optionByName(f.Near, opts)
		}
		k := keyOf(f)
		b, ok := m[k]
		if !ok {
			b = &bucket{agree: true}
			m[k] = b
			order = append(order, k)
		}
		for _, g := range b.figs {
			if differ(f.Value, g.Value, tol) {
				b.agree = false
			}
		}
		b.figs = append(b.figs, f)
	}
	return m, order
}

// optionByName is the code of the one structured option whose name (of at
// least 3 characters) the text names, else "".
func optionByName(near string, opts []cpaudit.AuditOption) string {
	found := ""
	for _, o := range opts {
		if utf8.RuneCountInString(o.Name) < 3 || !strings.Contains(near, o.Name) {
			continue
		}
		c := NormalizeOptionCode(o.Code)
		if found != "" && found != c {
			return ""
		}
		found = c
	}
	return found
}

func differ(a, b, tol float64) bool {
	return math.Abs(a-b) > tol*math.Max(math.Abs(a), math.Abs(b))
}

func relDiff(a, b float64) float64 {
	m := math.Max(math.Abs(a), math.Abs(b))
	if m == 0 {
		return 0
	}
	return math.Abs(a-b) / m
}

func source(d cpaudit.DocFigures, f cpaudit.Figure) cpaudit.FigureSource {
	return cpaudit.FigureSource{DocumentID: d.DocumentID, Title: d.Title, Raw: f.Raw, Value: f.Value, Unit: f.Unit,
		Period: f.Period, Near: f.Near, Offset: f.Offset, Sheet: f.Sheet, Row: f.Row, Col: f.Col}
}

// CompareFigures compares the figures of the analysed document mine with
// those of the audit's other documents and with its structured options,
// following the rules above, and returns the disagreements: under each
// other document's id those between the two, under mine's own id those
// within it and with the options. tol <= 0 is DefaultFigureTolerance.
func CompareFigures(mine cpaudit.DocFigures, others []cpaudit.DocFigures, opts []cpaudit.AuditOption, tol float64) cpaudit.FigureFinding {
	if tol <= 0 {
		tol = DefaultFigureTolerance
	}
	out := cpaudit.FigureFinding{}
	mb, order := buckets(mine, opts, tol)

	// Within the document: a tied figure stated twice, differently.
	for _, k := range order {
		b := mb[k]
		if k.context == "" || b.agree {
			continue
		}
		mm := cpaudit.FigureMismatch{Quantity: k.q, Context: k.context}
		for _, f := range b.figs {
			mm.Values = append(mm.Values, source(mine, f))
			mm.Diff = max(mm.Diff, relDiff(f.Value, b.figs[0].Value))
		}
		out[mine.DocumentID] = append(out[mine.DocumentID], mm)
	}

	// With each other document.
	for _, od := range others {
		if od.DocumentID == mine.DocumentID {
			continue
		}
		ob, _ := buckets(od, opts, tol)
		for _, k := range order {
			a, b := mb[k], ob[k]
			if b == nil || !a.agree || !b.agree {
				continue // an untied figure with several values is not the document's figure
			}
			x, y := a.figs[0], b.figs[0]
			if differ(x.Value, y.Value, tol) {
				out[od.DocumentID] = append(out[od.DocumentID], cpaudit.FigureMismatch{Quantity: k.q, Context: k.context,
					Diff: relDiff(x.Value, y.Value), Values: []cpaudit.FigureSource{source(mine, x), source(od, y)}})
			}
		}
	}

	// With the structured options.
	for _, k := range order {
		b := mb[k]
		if !b.agree {
			continue
		}
		want, label, ok := optionValue(k, opts)
		if !ok {
			continue
		}
		x := b.figs[0]
		if differ(x.Value, want, tol) {
			out[mine.DocumentID] = append(out[mine.DocumentID], cpaudit.FigureMismatch{Quantity: k.q, Context: k.context,
				Diff: relDiff(x.Value, want), Values: []cpaudit.FigureSource{source(mine, x), {
					Option: label, Raw: formatValue(want) + " " + k.q.CanonicalUnit(), Value: want, Unit: k.q.CanonicalUnit(),
					Period: optionPeriod(k.q), Offset: -1}}})
		}
	}
	for id := range out {
		slices.SortStableFunc(out[id], func(a, b cpaudit.FigureMismatch) int { return cmp.Compare(b.Diff, a.Diff) })
	}
	return out
}

func optionPeriod(q cpaudit.Quantity) cpaudit.Period {
	if q == cpaudit.QtyInvestment {
		return cpaudit.PeriodUnstated
	}
	return cpaudit.PeriodYear
}

// optionValue is what the structured options say for a key: the value of
// the option the key is tied to, the sum of all options for a total, or
// the one option stating the quantity for an untied figure. Options state
// savings a year (investment once), so other measures and periods have
// nothing to compare with.
func optionValue(k figKey, opts []cpaudit.AuditOption) (float64, string, bool) {
	wantMeasure := cpaudit.MeasureSaving
	if k.q == cpaudit.QtyInvestment || k.q == cpaudit.QtyBenefit {
		wantMeasure = cpaudit.MeasureUnstated
	}
	if k.measure != wantMeasure || k.period != optionPeriod(k.q) {
		return 0, "", false
	}
	var stating []cpaudit.AuditOption
	sum := 0.0
	for _, o := range opts {
		if v, ok := o.Figures[k.q]; ok {
			stating = append(stating, o)
			sum += v
		}
	}
	switch k.context {
	case "":
		if len(stating) == 1 {
			return stating[0].Figures[k.q], stating[0].Code, true
		}
	case TotalContext:
		if len(stating) > 0 {
			return sum, TotalContext, true
		}
	default:
		for _, o := range stating {
			if NormalizeOptionCode(o.Code) == k.context {
				return o.Figures[k.q], o.Code, true
			}
		}
	}
	return 0, "", false
}

// formatValue writes a canonical value without a float's noise.
func formatValue(v float64) string {
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 6, 64), "0"), ".")
}
