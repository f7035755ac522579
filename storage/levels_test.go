package storage

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestAuditLevelsStorage: a dyeing enterprise (C1713) has no set until an
// admin saves one; values are saved by the audit's consultancy only; a
// tenant's set of the built-in set's industry and version replaces it for
// the tenant alone.
func TestAuditLevelsStorage(t *testing.T) {
	s, _ := newClockedStore(t, "2026-03-01 07:30")
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")
	ctx := context.Background()
	p := func(v float64) *float64 { return &v }
	sets, err := s.IndicatorSets(ctx, f.consultant)
	if err != nil || len(sets) != 1 || !sets[0].Builtin {
		t.Fatalf("built-in sets: %v %+v", err, sets)
	}
	vals := cpaudit.LevelsInput{Values: []cpaudit.IndicatorInput{{IndicatorValue: cpaudit.IndicatorValue{Code: "W1", Before: p(120), After: p(90), Target: p(100)}}}}
	if _, err := s.SaveAuditLevels(ctx, f.consultant, f.audit.ID, vals); cpaudit.ErrorCode(err) != cpaudit.CodeNoIndicatorSet {
		t.Errorf("no set: %v", err)
	}
	dye := cpaudit.IndicatorSet{Industry: "C17", Version: "1", Name: "印染（测试）", EffectiveOn: "2020-01-01", Indicators: []cpaudit.Indicator{
		{Code: "W1", Group: "资源消耗", GroupWeight: p(1), Name: "单位产品取水量", Unit: "t/百米", Direction: cpaudit.LowerBetter, Weight: p(1),
			Benchmarks: [3]*float64{p(80), p(100), p(140)}, Limiting: true}}}
	if _, _, err := s.SaveIndicatorSet(ctx, f.consultant, dye); cpaudit.ErrorCode(err) != cpaudit.CodeIndicatorSetNotAllowed {
		t.Errorf("a consultant saves a set: %v", err)
	}
	if _, created, err := s.SaveIndicatorSet(ctx, f.admin, dye); err != nil || !created {
		t.Fatalf("save: %v %v", created, err)
	}
	if _, err := s.SaveAuditLevels(ctx, f.expert, f.audit.ID, vals); cpaudit.ErrorCode(err) != cpaudit.CodeOptionsNotAllowed {
		t.Errorf("an expert enters values: %v", err)
	}
	l, err := s.SaveAuditLevels(ctx, f.consultant, f.audit.ID, vals)
	if err != nil {
		t.Fatal(err)
	}
	// 120 meets III (≤ 140), 90 meets II (≤ 100): Y = 100 at those levels.
	if l.Before.Level != cpaudit.LevelIII || l.After.Level != cpaudit.LevelII || *l.Values[0].TargetMet != true {
		t.Errorf("levels %+v %+v", l.Before, l.After)
	}
	if _, err := s.AuditLevels(ctx, g.admin, f.audit.ID); !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		t.Errorf("another tenant reads the levels: %v", err)
	}
	b := cpaudit.BuiltinIndicatorSets()[0]
	b.ID, b.Builtin = "", false
	b.Note = "本租户按发布文本补全"
	if _, _, err := s.SaveIndicatorSet(ctx, f.admin, b); err != nil {
		t.Fatal(err)
	}
	sets, _ = s.IndicatorSets(ctx, f.admin)
	for _, set := range sets {
		if set.Builtin {
			t.Errorf("the built-in set was not replaced: %+v", set.ID)
		}
	}
	if sets, _ := s.IndicatorSets(ctx, g.admin); len(sets) != 1 || !sets[0].Builtin {
		t.Errorf("another tenant lost the built-in set: %+v", sets)
	}
}
