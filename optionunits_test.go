package cpaudit

import (
	"math"
	"testing"
)

// TestOptionUnits: figures stated in the units of option tables come out
// in the canonical units; an unknown unit or quantity, and a negative
// figure, are refused with 422 and the allowed ones named.
func TestOptionUnits(t *testing.T) {
	for _, c := range []struct {
		q    Quantity
		v    float64
		unit string
		want float64
		code Code
	}{
		{QtyInvestment, 45, "万元", 450000, ""},
		{QtyInvestment, 450000, "", 450000, ""},
		{QtyInvestment, 450000, "元", 450000, ""},
		{QtyElectricity, 12.5, "万kWh", 125000, ""},
		{QtyElectricity, 3, "万度", 30000, ""},
		{QtyElectricity, 2, "MWh", 2000, ""},
		{QtyCOD, 1500, "kg", 1.5, ""},
		{QtyCOD, 2, "吨", 2, ""},
		{QtyNaturalGas, 1.2, "万m3", 12000, ""},
		{QtyNaturalGas, 800, "立方米", 800, ""},
		{QtyHeavyMetals, 0.002, "t", 2, ""},
		{QtyHeavyMetals, 500, "g", 0.5, ""},
		{QtyEnergy, 1229, "kgce", 1.229, ""},
		{QtySteam, 1000, "kg", 1, ""},
		{QtyInvestment, 1, "kg", 0, CodeOptionUnitUnknown},
		{QtyCOD, 1, "万元", 0, CodeOptionUnitUnknown},
		{QtyNaturalGas, 1, "t", 0, CodeOptionUnitUnknown},
	} {
		got, err := c.q.ToCanonical(c.v, c.unit)
		if ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
			t.Errorf("%s %g %s: %v, want %s", c.q, c.v, c.unit, err, c.code)
			continue
		}
		if c.code != "" {
			if !IsKind(err, KindUnprocessable) {
				t.Errorf("%s %s: %v is not 422", c.q, c.unit, err)
			}
			continue
		}
		if math.Abs(got-c.want) > 1e-9*math.Max(1, c.want) {
			t.Errorf("%s %g %s = %g, want %g", c.q, c.v, c.unit, got, c.want)
		}
	}

	_, err := ConvertFigures(map[Quantity]float64{"mercury": 1}, nil)
	if ErrorCode(err) != CodeOptionQuantityUnknown || !IsKind(err, KindUnprocessable) || ErrorParams(err)["allowed"] == "" {
		t.Errorf("unknown quantity: %v %v", err, ErrorParams(err))
	}
	_, err = ConvertFigures(map[Quantity]float64{QtyCOD: 1}, map[Quantity]string{QtyCOD: "斤"})
	if ErrorCode(err) != CodeOptionUnitUnknown || ErrorParams(err)["allowed"] != "t, kg, 万t" {
		t.Errorf("unknown unit: %v %v", err, ErrorParams(err))
	}
	_, err = ConvertFigures(map[Quantity]float64{QtyCOD: 1}, map[Quantity]string{QtySO2: "kg"})
	if ErrorCode(err) != CodeOptionUnitUnknown {
		t.Errorf("a unit without its figure: %v", err)
	}

	for _, c := range []struct {
		figs map[Quantity]float64
		code Code
		kind Kind
	}{
		{map[Quantity]float64{QtyInvestment: -1}, CodeOptionInvestmentNegative, KindUnprocessable},
		{map[Quantity]float64{QtyCOD: -0.5}, CodeOptionFigureNegative, KindUnprocessable},
		{map[Quantity]float64{QtyCOD: math.Inf(1)}, CodeOptionInvalid, KindInvalid},
		{map[Quantity]float64{"汞": 1}, CodeOptionQuantityUnknown, KindUnprocessable},
		{map[Quantity]float64{QtyHazardousWaste: 3, QtyGeneralWaste: 40, QtyHeavyMetals: 1.5, QtyTotalPhosphorus: 0.2}, "", 0},
	} {
		o := AuditOption{Code: "F1", Name: "含铬废水回用", Category: OptionHighCost, Figures: c.figs}
		err := o.Validate()
		if c.code == "" {
			if err != nil {
				t.Errorf("%v: %v", c.figs, err)
			}
			continue
		}
		if ErrorCode(err) != c.code || !IsKind(err, c.kind) {
			t.Errorf("%v: %v, want %s", c.figs, err, c.code)
		}
	}
}
