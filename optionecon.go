package cpaudit

import (
	"math"
	"strconv"
	"time"
)

// This file holds what is computed from an option's figures when it is
// read: its energy in tonnes of standard coal (tce) converted from each
// carrier, and its payback, NPV and IRR from its investment and yearly
// cash flows. The coefficients, the discount rate and the years a benefit
// lasts are the tenant's (OptionSettings), with the defaults below.

// Default conversion coefficients to standard coal, in tce per canonical
// unit of the carrier, from GB/T 2589-2020 《综合能耗计算通则》 Appendix A
// (reference coefficients of the common energy carriers; 1 kgce = 29 307 kJ):
//   - electricity, equivalent value (当量值): 0.1229 kgce/kWh (3 600 kJ/kWh);
//   - raw coal (原煤): 0.7143 kgce/kg (20 908 kJ/kg);
//   - natural gas (天然气): 1.2143 kgce/m³ (35 544 kJ/m³; the standard's range
//     is 1.1000–1.3300 kgce/m³, so a tenant with measured calorific values
//     sets its own);
//   - steam (蒸汽): 0.1286 kgce/kg, the low-pressure steam value (3 763 MJ/t)
//     of the standard's reference table (table A.1 of the 2008 edition; the
//     2020 edition converts steam by its enthalpy at the stated pressure and
//     temperature, so steam of another grade needs the tenant's coefficient).
//
// The energy an option states directly (energy, tce) is not among them:
// EnergyTCE is what its carriers come to, shown next to it.
var defaultEnergyCoefficients = map[Quantity]float64{
	QtyElectricity: 0.1229e-3,
	QtyCoal:        0.7143,
	QtyNaturalGas:  1.2143e-3,
	QtySteam:       0.1286,
}

// EnergyCarriers lists the quantities converted to tce, in display order.
var EnergyCarriers = []Quantity{QtyElectricity, QtySteam, QtyCoal, QtyNaturalGas}

// Default financial assumptions: an 8% discount rate (a common industrial
// benchmark rate of return, 基准收益率, in feasibility studies) and ten
// years of benefit when an option states no cash flows.
const (
	DefaultDiscountRate = 0.08
	DefaultLifeYears    = 10
)

// OptionSettings are a tenant's coefficients and assumptions for the
// computed figures of options.
type OptionSettings struct {
	// Coefficients: tce per canonical unit of each of EnergyCarriers.
	Coefficients map[Quantity]float64 `json:"coefficients"`
	DiscountRate float64              `json:"discount_rate"`
	LifeYears    int                  `json:"life_years"`
	UpdatedBy    string               `json:"updated_by"`
	UpdatedAt    *time.Time           `json:"updated_at"` // nil: the defaults, never changed
}

// DefaultOptionSettings are the settings of a tenant that set none.
func DefaultOptionSettings() OptionSettings {
	c := make(map[Quantity]float64, len(defaultEnergyCoefficients))
	for q, v := range defaultEnergyCoefficients {
		c[q] = v
	}
	return OptionSettings{Coefficients: c, DiscountRate: DefaultDiscountRate, LifeYears: DefaultLifeYears}
}

// Validate checks settings as entered, completing missing coefficients
// with the defaults. KindUnprocessable (option_settings_invalid, naming
// the field): a coefficient for something that is not an energy carrier,
// or outside 1/10 to 10 times its default (a unit mistake: kgce for
// tce); a discount rate outside 0–0.5; years outside 1–50.
func (s *OptionSettings) Validate() error {
	if s.Coefficients == nil {
		s.Coefficients = map[Quantity]float64{}
	}
	for q, v := range s.Coefficients {
		def, ok := defaultEnergyCoefficients[q]
		if !ok {
			return Refuse(KindUnprocessable, CodeOptionSettingsInvalid, "coefficients.%s: only electricity, steam, coal and natural_gas are converted to tce", q).With("field", "coefficients."+string(q))
		}
		if math.IsNaN(v) || v < def/10 || v > def*10 {
			return Refuse(KindUnprocessable, CodeOptionSettingsInvalid, "coefficients.%s must be from %g to %g tce per %s (default %g)", q, def/10, def*10, q.CanonicalUnit(), def).With("field", "coefficients."+string(q))
		}
	}
	for q, v := range defaultEnergyCoefficients {
		if _, ok := s.Coefficients[q]; !ok {
			s.Coefficients[q] = v
		}
	}
	if err := CheckDiscountRate(s.DiscountRate); err != nil {
		return Refuse(KindUnprocessable, CodeOptionSettingsInvalid, "discount_rate must be from 0 to 0.5").With("field", "discount_rate")
	}
	if s.LifeYears < 1 || s.LifeYears > MaxOptionYears {
		return Refuse(KindUnprocessable, CodeOptionSettingsInvalid, "life_years must be from 1 to %d", MaxOptionYears).With("field", "life_years")
	}
	return nil
}

// CheckDiscountRate refuses a rate outside 0–0.5 (a fraction: 0.08 is 8%).
func CheckDiscountRate(r float64) error {
	if math.IsNaN(r) || r < 0 || r > 0.5 {
		return Refuse(KindInvalid, CodeDiscountRateInvalid, "discount_rate must be a fraction from 0 to 0.5 (0.08 is 8%%), not %g", r).With("value", strconv.FormatFloat(r, 'g', -1, 64))
	}
	return nil
}

// OptionEconomics is what an option's figures come to, computed when read.
// A figure the option's data cannot give is null: no carrier stated, no
// investment, no cash flow or benefit, a payback never reached, no rate
// at which the NPV is zero.
type OptionEconomics struct {
	EnergyTCE    *float64 `json:"energy_tce"`    // Σ carrier × coefficient, tce a year
	PaybackYears *float64 `json:"payback_years"` // static, from the cumulated cash flows
	NPV          *float64 `json:"npv"`           // 元, at DiscountRate
	IRR          *float64 `json:"irr"`           // a fraction: 0.15 is 15%
	DiscountRate float64  `json:"discount_rate"`
	// CashFlows are the flows the figures were computed from: the
	// option's own, or its benefit over the tenant's years.
	CashFlows []float64 `json:"cash_flows"`
}

// WithEconomics sets the Economics of each option from the settings, at
// the discount rate rate (the settings' when rate < 0).
func WithEconomics(opts []AuditOption, s OptionSettings, rate float64) {
	if rate < 0 {
		rate = s.DiscountRate
	}
	for i := range opts {
		e := EconomicsOf(opts[i], s, rate)
		opts[i].Economics = &e
	}
}

// EconomicsOf computes an option's economics.
func EconomicsOf(o AuditOption, s OptionSettings, rate float64) OptionEconomics {
	e := OptionEconomics{DiscountRate: rate, CashFlows: []float64{}}
	var tce float64
	stated := false
	for _, q := range EnergyCarriers {
		if v, ok := o.Figures[q]; ok {
			tce += v * s.Coefficients[q]
			stated = true
		}
	}
	if stated {
		e.EnergyTCE = ptr(round(tce, 6))
	}
	flows := o.CashFlows
	if len(flows) == 0 && o.Figures[QtyBenefit] > 0 {
		flows = make([]float64, s.LifeYears)
		for i := range flows {
			flows[i] = o.Figures[QtyBenefit]
		}
	}
	e.CashFlows = append(e.CashFlows, flows...)
	inv, ok := o.Figures[QtyInvestment]
	if !ok || len(flows) == 0 {
		return e
	}
	if p, ok := Payback(inv, flows); ok {
		e.PaybackYears = ptr(round(p, 4))
	}
	e.NPV = ptr(round(NPV(rate, inv, flows), 2))
	if r, ok := IRR(inv, flows); ok {
		e.IRR = ptr(round(r, 6))
	}
	return e
}

// Payback is the static payback period in years: when the cash flows,
// cumulated from year 1, first cover the investment, the last year
// counted in the fraction of it needed. False when they never do.
func Payback(investment float64, flows []float64) (float64, bool) {
	if investment <= 0 {
		return 0, true
	}
	cum := 0.0
	for i, f := range flows {
		if f > 0 && cum+f >= investment {
			return float64(i) + (investment-cum)/f, true
		}
		cum += f
	}
	return 0, false
}

// NPV is the net present value at rate of an investment made at the start
// of year 1 and the cash flows at the end of years 1, 2, …
func NPV(rate, investment float64, flows []float64) float64 {
	v := -investment
	d := 1.0
	for _, f := range flows {
		d *= 1 + rate
		v += f / d
	}
	return v
}

// IRR is the internal rate of return: the rate at which NPV is zero,
// found by bisection between -99% and 1000%. False when the NPV does not
// change sign there (no investment, or flows that never repay it).
func IRR(investment float64, flows []float64) (float64, bool) {
	if investment <= 0 {
		return 0, false
	}
	lo, hi := -0.99, 10.0
	flo, fhi := NPV(lo, investment, flows), NPV(hi, investment, flows)
	if flo == 0 {
		return lo, true
	}
	if math.Signbit(flo) == math.Signbit(fhi) {
		return 0, false
	}
	for range 200 {
		mid := (lo + hi) / 2
		fm := NPV(mid, investment, flows)
		if fm == 0 || hi-lo < 1e-12 {
			return mid, true
		}
		if math.Signbit(fm) == math.Signbit(flo) {
			lo, flo = mid, fm
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2, true
}

func ptr(v float64) *float64 { return &v }

// round rounds v to n decimals, so that answers do not carry float noise.
func round(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}
