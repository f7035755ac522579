package cpaudit

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file holds the check for unit mistakes in an option's figures (元
// entered for 万元, kg for t): a figure hundreds of times larger or smaller
// than the same figure of the industry's other options is asked about
// before it is saved. The check compares orders of magnitude only: real
// options of one industry spread over two orders of magnitude or so, a
// unit mistake moves a figure by three (kg/t) or four (元/万元).

// UnusualRatio is how many times above or below the industry's median a
// figure must be to be asked about; MinPeers how many of the industry's
// other options must state the quantity for a median to mean anything.
const (
	UnusualRatio = 500
	MinPeers     = 5
)

// UnusualFigure is a figure of an option far from the industry's others.
type UnusualFigure struct {
	Quantity Quantity `json:"quantity"`
	Value    float64  `json:"value"` // canonical unit
	Unit     string   `json:"unit"`
	// Times is the power of ten nearest to value / median, e.g. 10000 or
	// 0.001: the factor a unit mistake would explain.
	Times float64 `json:"times"`
	Peers int     `json:"peers"` // how many options the median is of
	// Units are the units the figure may have been confused with.
	Units string `json:"units"`
}

// confusable names the units often mixed up for each canonical unit.
var confusable = map[string]string{"元": "元 / 万元", "t": "kg / t", "kWh": "kWh / 万kWh", "tce": "kgce / tce", "m³": "m³ / 万m³", "kg": "g / kg / t"}

// UnusualFigures lists the figures of o that are UnusualRatio times above
// or below the median of the same quantity among peers (the positive
// values of the industry's other options), in the order of Quantities.
func UnusualFigures(o AuditOption, peers map[Quantity][]float64) []UnusualFigure {
	var out []UnusualFigure
	for _, q := range quantities {
		v, ok := o.Figures[q]
		vals := peers[q]
		if !ok || v <= 0 || len(vals) < MinPeers {
			continue
		}
		m := median(vals)
		if m <= 0 {
			continue
		}
		r := v / m
		if r < UnusualRatio && r > 1.0/UnusualRatio {
			continue
		}
		out = append(out, UnusualFigure{Quantity: q, Value: v, Unit: q.CanonicalUnit(), Times: math.Pow(10, math.Round(math.Log10(r))),
			Peers: len(vals), Units: confusable[q.CanonicalUnit()]})
	}
	return out
}

func median(vals []float64) float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// UnusualRefusal is the question asked when figures are unusual: 409
// option_figures_unusual, naming each figure, how far it is from the
// industry's others and the units it may have been confused with; the
// caller confirms by sending the option again with the check off.
func UnusualRefusal(figs []UnusualFigure) error {
	var parts, names []string
	for _, f := range figs {
		parts = append(parts, fmt.Sprintf("%s %s %s is about %s times the median of %d options of the industry (%s?)",
			f.Quantity, strconv.FormatFloat(f.Value, 'f', -1, 64), f.Unit, strconv.FormatFloat(f.Times, 'g', -1, 64), f.Peers, f.Units))
		names = append(names, string(f.Quantity))
	}
	return Refuse(KindConflict, CodeOptionFiguresUnusual, "check the units before saving: %s", strings.Join(parts, "; ")).
		With("value", strings.Join(names, ", "))
}
