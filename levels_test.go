package cpaudit

import (
	"testing"
)

func f(v float64) *float64 { return &v }

// levelFixture is a small set worked by hand: group 资源能源 (w 0.2) with
// 单位产品取水量 (limiting, ω 0.25; benchmarks 5/8/12 m³/t, lower better)
// and 单位产品综合能耗 (ω 0.75; 0.3/0.5/0.8 tce/t), group 综合利用与管理
// (w 0.8) with 溶剂回收率 (ω 0.5; 95/90/80 %, higher better) and 管理制度
// (qualitative, ω 0.5). Each indicator adds w·ω·100 to Y_k when it meets
// level k: 5, 15, 40 and 40 points.
func levelFixture() IndicatorSet {
	return IndicatorSet{Industry: "C27", Version: "测试", Name: "化学原料药（测试）", EffectiveOn: "2024-01-01",
		Indicators: []Indicator{
			{Code: "A1", Group: "资源能源", GroupWeight: f(0.2), Name: "单位产品取水量", Unit: "m³/t", Direction: LowerBetter, Weight: f(0.25),
				Benchmarks: [3]*float64{f(5), f(8), f(12)}, Limiting: true},
			{Code: "A2", Group: "资源能源", GroupWeight: f(0.2), Name: "单位产品综合能耗", Unit: "tce/t", Direction: LowerBetter, Weight: f(0.75),
				Benchmarks: [3]*float64{f(0.3), f(0.5), f(0.8)}},
			{Code: "B1", Group: "综合利用与管理", GroupWeight: f(0.8), Name: "溶剂回收率", Unit: "%", Direction: HigherBetter, Weight: f(0.5),
				Benchmarks: [3]*float64{f(95), f(90), f(80)}},
			{Code: "B2", Group: "综合利用与管理", GroupWeight: f(0.8), Name: "管理制度", Direction: Qualitative, Weight: f(0.5)},
		}}
}

func TestRateHandWorked(t *testing.T) {
	set := levelFixture()
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name           string
		a1, a2, b1, b2 float64
		index          [3]float64
		level          Level
		limitCap       Level
	}{
		// Y_I = 15+40+40 = 95 ≥ 85, but the limiting 取水量 (7 m³/t) meets
		// level II only: the level is II (Y_II = 100), not I.
		{"limiting caps at II", 7, 0.25, 96, 1, [3]float64{95, 100, 100}, LevelII, LevelII},
		{"all at I", 4, 0.25, 96, 1, [3]float64{100, 100, 100}, LevelI, LevelI},
		// 取水量 13 meets no level: no I or II whatever the index, and
		// Y_III = 95 < 100, so no level at all.
		{"limiting fails every level", 13, 0.25, 96, 1, [3]float64{95, 95, 95}, "", ""},
		// 能耗 0.6 meets III only: Y_I = 5+40+40 = 85, exactly the pass.
		{"index exactly 85", 5, 0.6, 95, 1, [3]float64{85, 85, 100}, LevelI, LevelI},
		// and with 管理制度 at II: Y_I = 45, Y_II = 85 → II.
		{"index 85 at II", 5, 0.6, 95, 2, [3]float64{45, 85, 100}, LevelII, LevelI},
		// 回收率 85 meets III only: Y_I = Y_II = 60, Y_III = 100 → III.
		{"all at III", 4, 0.25, 85, 1, [3]float64{60, 60, 100}, LevelIII, LevelI},
	}
	for _, c := range cases {
		r := set.Rate(map[string]*float64{"A1": f(c.a1), "A2": f(c.a2), "B1": f(c.b1), "B2": f(c.b2)})
		if !r.Rated || r.Index != c.index || r.Level != c.level || r.LimitCap != c.limitCap {
			t.Errorf("%s: got %+v, want index %v level %q cap %q", c.name, r, c.index, c.level, c.limitCap)
		}
	}
	r := set.Rate(map[string]*float64{"A1": f(4), "A2": f(0.25), "B2": f(1)})
	if r.Rated || r.Level != "" || len(r.Missing) != 1 || r.Missing[0] != "B1" || r.Index[0] != 60 {
		t.Errorf("a missing value: %+v", r)
	}
}

func TestAuditLevelsTargets(t *testing.T) {
	set := levelFixture()
	set.Validate()
	al := NewAuditLevels("a1", &set, LevelII, []IndicatorValue{
		{Code: "A1", Before: f(13), After: f(7), Target: f(8)},
		{Code: "A2", Before: f(0.6), After: f(0.25), Target: f(0.2)},
		{Code: "B1", Before: f(85), After: f(96), Target: f(90)},
		{Code: "B2", Before: f(2), After: f(1)},
	})
	if al.Before.Rated != true || al.Before.Level != "" || al.After.Level != LevelII || !al.TargetLevelReached {
		t.Fatalf("before %+v after %+v reached %v", al.Before, al.After, al.TargetLevelReached)
	}
	want := map[string]*bool{"A1": f2b(true), "A2": f2b(false), "B1": f2b(true), "B2": nil}
	for _, row := range al.Values {
		w := want[row.Code]
		if (w == nil) != (row.TargetMet == nil) || (w != nil && *w != *row.TargetMet) {
			t.Errorf("%s: target met %v, want %v", row.Code, row.TargetMet, w)
		}
	}
	if NewAuditLevels("a1", &set, LevelI, nil).TargetLevelReached {
		t.Error("an unrated audit reached its target level")
	}
}

func f2b(b bool) *bool { return &b }

func TestIndicatorSetValidate(t *testing.T) {
	bad := []func(*IndicatorSet){
		func(s *IndicatorSet) { s.Industry = "制药" },
		func(s *IndicatorSet) { s.EffectiveOn = "2024-13-01" },
		func(s *IndicatorSet) { s.Indicators[1].Code = "A1" },
		func(s *IndicatorSet) { s.Indicators[0].Benchmarks[0] = f(9) },  // I laxer than II for lower-better
		func(s *IndicatorSet) { s.Indicators[2].Benchmarks[2] = f(99) }, // III stricter than I for higher-better
		func(s *IndicatorSet) { s.Indicators[1].Weight = f(0.5) },       // group A adds up to 0.75
		func(s *IndicatorSet) { s.Indicators[1].GroupWeight = f(0.3) },  // two weights for one group
		func(s *IndicatorSet) { s.Indicators[0].Direction = "up" },
	}
	for i, mut := range bad {
		s := levelFixture()
		mut(&s)
		if err := s.Validate(); ErrorCode(err) != CodeIndicatorSetInvalid {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestApplicableSet(t *testing.T) {
	sets := []IndicatorSet{
		{ID: "b", Industry: "C27", EffectiveOn: "2016-10-11", Builtin: true},
		{ID: "old", Industry: "C271", EffectiveOn: "2015-01-01"},
		{ID: "new", Industry: "C271", EffectiveOn: "2020-01-01"},
		{ID: "t", Industry: "C27", EffectiveOn: "2016-10-11"},
	}
	for industry, want := range map[string]string{"C2710": "new", "C2720": "t", "C2611": ""} {
		s, ok := ApplicableSet(sets, industry)
		if (want == "") == ok || s.ID != want {
			t.Errorf("%s: %q %v, want %q", industry, s.ID, ok, want)
		}
	}
}

func TestBuiltinIndicatorSets(t *testing.T) {
	sets := BuiltinIndicatorSets()
	if len(sets) == 0 || sets[0].Industry != "C27" || sets[0].Source == "" {
		t.Fatalf("%+v", sets)
	}
	s := sets[0]
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	// No weight or benchmark is shipped that could not be verified: the
	// set is structure only and rates nothing until an admin fills it in.
	if s.Complete() {
		t.Error("the shipped C27 set claims complete figures")
	}
}

func TestCheckIndicatorValues(t *testing.T) {
	set := levelFixture()
	set.Validate()
	for in, code := range map[IndicatorInput]Code{
		{IndicatorValue: IndicatorValue{Code: "Z9"}}:                            CodeIndicatorUnknown,
		{IndicatorValue: IndicatorValue{Code: "A1"}, Unit: "t/t"}:               CodeIndicatorUnitUnknown,
		{IndicatorValue: IndicatorValue{Code: "A1", Before: f(-1)}}:             CodeIndicatorValueInvalid,
		{IndicatorValue: IndicatorValue{Code: "B2", After: f(2.5)}}:             CodeIndicatorValueInvalid,
		{IndicatorValue: IndicatorValue{Code: "A1", After: f(3)}, Unit: "m³/t"}: "",
	} {
		err := CheckIndicatorValues(set, []IndicatorInput{in})
		if ErrorCode(err) != code && !(code == "" && err == nil) {
			t.Errorf("%+v: %v, want %s", in, err, code)
		}
	}
	err := CheckIndicatorValues(set, []IndicatorInput{{IndicatorValue: IndicatorValue{Code: "Z9"}}})
	if ErrorParams(err)["allowed"] != "A1, A2, B1, B2" {
		t.Errorf("allowed: %v", ErrorParams(err))
	}
}
