package cpaudit

import (
	"math"
	"testing"
)

// TestOptionFinance: payback, NPV and IRR against worked examples computed
// by hand (the working is in each case's comment).
func TestOptionFinance(t *testing.T) {
	for _, c := range []struct {
		name       string
		investment float64
		flows      []float64
		rate       float64
		payback    float64 // -1: never
		npv        float64
		irr        float64 // -9: none
	}{
		// 30 000 a year for 5 years: cumulated 90 000 after year 3, the
		// remaining 10 000 is 1/3 of year 4 → 3.3333. Annuity factor
		// (1-1.1^-5)/0.1 = 3.790787, ×30 000 = 113 723.60 → NPV 13 723.60.
		// IRR: 30 000 × AF(r, 5) = 100 000 → AF = 3.3333 → r = 15.2382%.
		{"even flows", 100000, []float64{30000, 30000, 30000, 30000, 30000}, 0.10, 3.3333, 13723.60, 0.152382},
		// 500/1.1 + 400/1.21 + 300/1.331 + 100/1.4641 = 454.545 + 330.579
		// + 225.394 + 68.301 = 1 078.82 → NPV 78.82. Payback: 900 after
		// year 2, 100 of year 3's 300 → 2.3333. IRR: NPV(14%) = +8.08,
		// NPV(15%) = -8.33 → 14% + 8.08/16.41 ≈ 14.49%.
		{"uneven flows", 1000, []float64{500, 400, 300, 100}, 0.10, 2.3333, 78.82, 0.1449},
		// Never repaid: 100x + 100x² = 1000 with x = 1/(1+r) → x = (√41-1)/2
		// = 2.70156 → r = 1/x - 1 = -62.985%. NPV at 0%: 200 - 1000.
		{"never repaid", 1000, []float64{100, 100}, 0, -1, -800, -0.62985},
		// A year of loss first: cumulated -200, then 0 after year 2, so all
		// of year 3's 1 000 is needed: 2 + 1000/1000 = 3. NPV at 5%:
		// -200/1.05 + 200/1.1025 + 1000/1.157625 = -190.476 + 181.406
		// + 863.838 = 854.768 → -145.23.
		{"a bad first year", 1000, []float64{-200, 200, 1000}, 0.05, 3, -145.23, -9},
		// No investment: paid back at once, no IRR.
		{"no investment", 0, []float64{10}, 0.08, 0, 9.26, -9},
	} {
		p, ok := Payback(c.investment, c.flows)
		if c.payback < 0 {
			if ok {
				t.Errorf("%s: payback %g, want never", c.name, p)
			}
		} else if !ok || math.Abs(p-c.payback) > 1e-4 {
			t.Errorf("%s: payback %g %v, want %g", c.name, p, ok, c.payback)
		}
		if n := NPV(c.rate, c.investment, c.flows); math.Abs(n-c.npv) > 0.01 {
			t.Errorf("%s: NPV %.4f, want %.2f", c.name, n, c.npv)
		}
		r, ok := IRR(c.investment, c.flows)
		switch {
		case c.irr == -9 && c.name == "no investment":
			if ok {
				t.Errorf("%s: IRR %g, want none", c.name, r)
			}
		case c.irr == -9:
			// Not worked by hand: the NPV at the found rate is zero.
			if ok && math.Abs(NPV(r, c.investment, c.flows)) > 1e-6 {
				t.Errorf("%s: NPV at IRR %g is %g", c.name, r, NPV(r, c.investment, c.flows))
			}
		case !ok || math.Abs(r-c.irr) > 1e-4:
			t.Errorf("%s: IRR %g %v, want %g", c.name, r, ok, c.irr)
		}
	}
}

// TestOptionEnergyAndEconomics: carriers to tce with the default
// coefficients of GB/T 2589 and a tenant's own; the benefit over the
// tenant's years when no cash flows are stated.
func TestOptionEnergyAndEconomics(t *testing.T) {
	def := DefaultOptionSettings()
	// 100 000 kWh × 0.1229 kgce + 50 t steam × 0.1286 + 100 t coal ×
	// 0.7143 + 10 000 m³ gas × 1.2143 kgce = 12.29 + 6.43 + 71.43 + 12.143
	// = 102.293 tce.
	o := AuditOption{Code: "F1", Name: "锅炉节能改造", Figures: map[Quantity]float64{
		QtyElectricity: 100000, QtySteam: 50, QtyCoal: 100, QtyNaturalGas: 10000,
		QtyInvestment: 50000, QtyBenefit: 20000}}
	e := EconomicsOf(o, def, def.DiscountRate)
	if e.EnergyTCE == nil || math.Abs(*e.EnergyTCE-102.293) > 1e-6 {
		t.Errorf("default tce: %v", e.EnergyTCE)
	}
	// Benefit 20 000 for 10 years at 8%: AF = (1-1.08^-10)/0.08 = 6.710081,
	// × 20 000 = 134 201.63 → NPV 84 201.63; payback 50 000/20 000 = 2.5.
	if e.NPV == nil || math.Abs(*e.NPV-84201.63) > 0.05 || e.PaybackYears == nil || *e.PaybackYears != 2.5 ||
		len(e.CashFlows) != 10 || e.DiscountRate != 0.08 {
		t.Errorf("benefit over 10 years: %+v", e)
	}
	// A tenant measuring its gas at 1.1000 kgce/m³: 11 instead of 12.143.
	own := DefaultOptionSettings()
	own.Coefficients = map[Quantity]float64{QtyNaturalGas: 1.1e-3}
	own.LifeYears = 3
	if err := own.Validate(); err != nil {
		t.Fatal(err)
	}
	e = EconomicsOf(o, own, 0)
	if math.Abs(*e.EnergyTCE-101.15) > 1e-6 || *e.NPV != 10000 || len(e.CashFlows) != 3 {
		t.Errorf("tenant coefficients: %v %v %v", *e.EnergyTCE, *e.NPV, e.CashFlows)
	}
	// Nothing to compute from: all null.
	e = EconomicsOf(AuditOption{Figures: map[Quantity]float64{QtyCOD: 1}}, def, 0.08)
	if e.EnergyTCE != nil || e.NPV != nil || e.PaybackYears != nil || e.IRR != nil {
		t.Errorf("no figures: %+v", e)
	}

	for _, c := range []struct {
		name string
		s    OptionSettings
	}{
		{"kgce for tce", OptionSettings{Coefficients: map[Quantity]float64{QtyCoal: 714.3}, DiscountRate: 0.08, LifeYears: 10}},
		{"not a carrier", OptionSettings{Coefficients: map[Quantity]float64{QtyCOD: 1}, DiscountRate: 0.08, LifeYears: 10}},
		{"percent for fraction", OptionSettings{DiscountRate: 8, LifeYears: 10}},
		{"no years", OptionSettings{DiscountRate: 0.08}},
	} {
		if err := c.s.Validate(); ErrorCode(err) != CodeOptionSettingsInvalid || !IsKind(err, KindUnprocessable) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestOptionStatusDates: dates entered are checked; storage's merge keeps
// the dates of statuses still reached, stamps the status reached today,
// and drops those beyond.
func TestOptionStatusDates(t *testing.T) {
	for _, c := range []struct {
		name   string
		status OptionStatus
		dates  map[OptionStatus]string
		code   Code
	}{
		{"in order", OptionImplemented, map[OptionStatus]string{"proposed": "2026-03-01", "feasible": "2026-04-10", "implemented": "2026-09-30"}, ""},
		{"beyond the status", OptionScreened, map[OptionStatus]string{"implemented": "2026-09-30"}, CodeOptionDatesInconsistent},
		{"out of order", OptionVerified, map[OptionStatus]string{"implemented": "2026-09-30", "verified": "2026-01-01"}, CodeOptionDatesInconsistent},
		{"not a day", OptionProposed, map[OptionStatus]string{"proposed": "2026-02-30"}, CodeDateInvalid},
		{"not a status", OptionProposed, map[OptionStatus]string{"done": "2026-02-01"}, CodeOptionStatusUnknown},
	} {
		o := AuditOption{Code: "F1", Name: "中水回用", Category: OptionHighCost, Status: c.status, StatusDates: c.dates}
		err := o.Validate()
		if ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", c.name, err, c.code)
		}
	}
	had := map[OptionStatus]string{"proposed": "2026-03-01", "screened": "2026-03-20", "implemented": "2026-08-01"}
	o := AuditOption{Status: OptionFeasible, StatusDates: map[OptionStatus]string{}}
	if err := o.MergeStatusDates(had, "2026-12-07"); err != nil {
		t.Fatal(err)
	}
	want := map[OptionStatus]string{"proposed": "2026-03-01", "screened": "2026-03-20", "feasible": "2026-12-07"}
	if len(o.StatusDates) != len(want) {
		t.Errorf("merged %v, want %v", o.StatusDates, want)
	}
	for st, d := range want {
		if o.StatusDates[st] != d {
			t.Errorf("merged %v, want %v", o.StatusDates, want)
		}
	}
	// An entered date earlier than a kept one of an earlier status (the
	// day the option was typed in): the kept one goes.
	o = AuditOption{Status: OptionScreened, StatusDates: map[OptionStatus]string{"screened": "2026-01-01"}}
	if err := o.MergeStatusDates(had, "2026-12-07"); err != nil || len(o.StatusDates) != 1 || o.StatusDates["screened"] != "2026-01-01" {
		t.Errorf("merged before the date kept: %v %v", o.StatusDates, err)
	}
	// Today before an entered date of an earlier status: out of order.
	o = AuditOption{Status: OptionFeasible, StatusDates: map[OptionStatus]string{"screened": "2027-01-01"}}
	if err := o.MergeStatusDates(nil, "2026-12-07"); ErrorCode(err) != CodeOptionDatesInconsistent {
		t.Errorf("today before an entered date: %v %v", o.StatusDates, err)
	}
}
