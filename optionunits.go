package cpaudit

import (
	"math"
	"strconv"
	"strings"
)

// This file holds the units an option's figures may be entered in, and
// their conversion to each quantity's canonical unit (CanonicalUnit): the
// option tables of audit reports state money in 万元, electricity in
// 万kWh and small pollutant loads in kg, and the API, the form and the
// .xlsx import take those as written.

// Unit is one unit a quantity may be entered in: Factor converts a value
// in it to the canonical unit.
type Unit struct {
	Name   string
	Factor float64
}

// quantityUnits lists, per canonical unit, the units accepted for it; the
// canonical unit comes first.
var quantityUnits = map[string][]Unit{
	"元":   {{"元", 1}, {"万元", 1e4}},
	"t":   {{"t", 1}, {"kg", 1e-3}, {"万t", 1e4}},
	"kWh": {{"kWh", 1}, {"万kWh", 1e4}, {"MWh", 1e3}},
	"tce": {{"tce", 1}, {"kgce", 1e-3}, {"万tce", 1e4}},
	"m³":  {{"m³", 1}, {"万m³", 1e4}},
	"kg":  {{"kg", 1}, {"g", 1e-3}, {"t", 1e3}},
}

// unitAliases are spellings of the same unit: ASCII forms of m³, 吨 and
// the Chinese names of kilograms and kilowatt-hours.
var unitAliases = map[string]string{
	"m3": "m³", "万m3": "万m³", "立方米": "m³", "万立方米": "万m³",
	"吨": "t", "万吨": "万t", "千克": "kg", "公斤": "kg", "克": "g",
	"度": "kWh", "万度": "万kWh", "kwh": "kWh", "万kwh": "万kWh", "mwh": "MWh",
	"吨标煤": "tce", "万吨标煤": "万tce", "千克标煤": "kgce",
}

// Units lists the units q may be entered in, its canonical unit first.
func (q Quantity) Units() []Unit {
	return append([]Unit(nil), quantityUnits[q.CanonicalUnit()]...)
}

// unitNames is the units of q, for a refusal.
func (q Quantity) unitNames() string {
	var names []string
	for _, u := range q.Units() {
		names = append(names, u.Name)
	}
	return strings.Join(names, ", ")
}

// quantityNames lists every quantity, for a refusal.
func quantityNames() string {
	names := make([]string, len(quantities))
	for i, q := range quantities {
		names[i] = string(q)
	}
	return strings.Join(names, ", ")
}

// ToCanonical converts v, stated in unit, to q's canonical unit ("" is
// the canonical unit). KindUnprocessable (option_unit_unknown, naming the
// accepted units) for a unit q is not measured in.
func (q Quantity) ToCanonical(v float64, unit string) (float64, error) {
	unit = strings.TrimSpace(unit)
	if unit == "" {
		return v, nil
	}
	if a, ok := unitAliases[unit]; ok {
		unit = a
	} else if a, ok := unitAliases[strings.ToLower(unit)]; ok {
		unit = a
	}
	for _, u := range q.Units() {
		if u.Name == unit {
			return v * u.Factor, nil
		}
	}
	return 0, Refuse(KindUnprocessable, CodeOptionUnitUnknown, "%s is not measured in %q: use %s", q, unit, q.unitNames()).
		With("quantity", string(q)).With("value", unit).With("allowed", q.unitNames())
}

// ConvertFigures converts figures stated in units (by quantity; a
// quantity with no unit is in its canonical unit) to the canonical units.
// KindUnprocessable: an unknown quantity (option_quantity_unknown) or unit
// (option_unit_unknown), or a unit for a quantity without a figure.
func ConvertFigures(figures map[Quantity]float64, units map[Quantity]string) (map[Quantity]float64, error) {
	out := make(map[Quantity]float64, len(figures))
	for q, v := range figures {
		if err := knownOptionQuantity(q); err != nil {
			return nil, err
		}
		c, err := q.ToCanonical(v, units[q])
		if err != nil {
			return nil, err
		}
		out[q] = c
	}
	for q := range units {
		if err := knownOptionQuantity(q); err != nil {
			return nil, err
		}
		if _, ok := figures[q]; !ok {
			return nil, Refuse(KindUnprocessable, CodeOptionUnitUnknown, "units.%s names a unit for a figure the option does not state", q).
				With("quantity", string(q)).With("value", units[q]).With("allowed", q.unitNames())
		}
	}
	return out, nil
}

// knownOptionQuantity refuses, 422 naming the allowed ones, a quantity an
// option cannot state.
func knownOptionQuantity(q Quantity) error {
	if _, err := ParseQuantity(string(q)); err != nil {
		return Refuse(KindUnprocessable, CodeOptionQuantityUnknown, "unknown quantity %q: use one of %s", q, quantityNames()).
			With("value", string(q)).With("allowed", quantityNames())
	}
	return nil
}

// checkFigure refuses a figure that is not a number from 0 to 1e15 in its
// canonical unit: 422 for a negative one (an option's figures are
// amounts saved or spent, never below zero), 400 for the rest.
func checkFigure(q Quantity, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v > 1e15:
		return Refuse(KindInvalid, CodeOptionInvalid, "figures.%s must be a number from 0 to 1e15, in %s", q, q.CanonicalUnit())
	case v < 0 && q == QtyInvestment:
		return Refuse(KindUnprocessable, CodeOptionInvestmentNegative, "investment must not be negative (%g 元)", v).With("value", strconv.FormatFloat(v, 'g', -1, 64))
	case v < 0:
		return Refuse(KindUnprocessable, CodeOptionFigureNegative, "figures.%s must not be negative: an option states what it saves or cuts, in %s", q, q.CanonicalUnit()).
			With("quantity", string(q)).With("value", strconv.FormatFloat(v, 'g', -1, 64))
	}
	return nil
}
