package cpaudit

import "testing"

// TestUnusualFigures: a figure 500 times or more off the median of at
// least 5 peers is asked about, with the power of ten a unit mistake
// would explain; closer figures, too few peers and zero are not.
func TestUnusualFigures(t *testing.T) {
	peers := map[Quantity][]float64{
		QtyInvestment: {100000, 200000, 450000, 800000, 3000000}, // median 450 000 元
		QtyCOD:        {1, 2, 3, 5, 8, 13},                       // median (3+5)/2 = 4 t
		QtySO2:        {1, 2, 3, 4},                              // too few
	}
	for _, c := range []struct {
		name  string
		figs  map[Quantity]float64
		want  Quantity
		times float64
	}{
		{"万元 typed in 元", map[Quantity]float64{QtyInvestment: 45}, QtyInvestment, 0.0001},   // 45/450000 = 1e-4
		{"元 typed in 万元", map[Quantity]float64{QtyInvestment: 4.5e9}, QtyInvestment, 10000}, // ×1e4
		{"kg typed in t", map[Quantity]float64{QtyCOD: 3000}, QtyCOD, 1000},                 // 3000/4 = 750 → 10^3
		{"a cheap option", map[Quantity]float64{QtyInvestment: 1000}, "", 0},                // 1/450: within 500
		{"a big one", map[Quantity]float64{QtyInvestment: 2e8}, "", 0},                      // ×444
		{"too few peers", map[Quantity]float64{QtySO2: 1e6}, "", 0},                         // 4 peers
		{"no peers", map[Quantity]float64{QtyHeavyMetals: 1e9}, "", 0},                      // none
		{"zero", map[Quantity]float64{QtyCOD: 0}, "", 0},                                    // nothing stated
	} {
		got := UnusualFigures(AuditOption{Figures: c.figs}, peers)
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s: %+v, want none", c.name, got)
		case c.want != "" && (len(got) != 1 || got[0].Quantity != c.want || got[0].Times != c.times):
			t.Errorf("%s: %+v, want %s ×%g", c.name, got, c.want, c.times)
		}
	}
	err := UnusualRefusal(UnusualFigures(AuditOption{Figures: map[Quantity]float64{QtyInvestment: 45}}, peers))
	if ErrorCode(err) != CodeOptionFiguresUnusual || !IsKind(err, KindConflict) || ErrorParams(err)["value"] != "investment" {
		t.Errorf("refusal: %v", err)
	}
}
