package cpaudit

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the cleaner production level (清洁生产水平) of an audit:
// the per-industry evaluation indicator systems (清洁生产评价指标体系) it is
// rated against, and the composite index they define.
//
// The national indicator systems (NDRC, MEE and MIIT, 2015 onwards) share
// one method: for level k (I, II, III) the composite index is
//
//	Y_k = Σ_i w_i · Σ_j ω_ij · Y_k(x_ij)
//
// where w_i is the weight of first-level group i, ω_ij the weight of
// indicator j inside it, and Y_k(x_ij) is 100 when the indicator meets
// the level-k benchmark, 0 otherwise. Level I (国际清洁生产领先水平) needs
// Y_I ≥ 85 and every limiting indicator (限定性指标) at level I; level II
// (国内清洁生产先进水平) Y_II ≥ 85 and every limiting indicator at II or
// better; level III (国内清洁生产一般水平) Y_III = 100. The thresholds 85
// and 100 are those of the published systems; a set carries its own
// (IndicatorSet.Pass) so that one that differs can be entered as written.

// Level is a cleaner production level: "I", "II", "III", or "" for none
// reached (or not rated).
type Level string

const (
	LevelI   Level = "I"
	LevelII  Level = "II"
	LevelIII Level = "III"
)

// Levels lists the levels from the best.
var Levels = []Level{LevelI, LevelII, LevelIII}

// rank is 1 for I, 2 for II, 3 for III and 4 for none: lower is better.
func (l Level) rank() int {
	if i := slices.Index(Levels, l); i >= 0 {
		return i + 1
	}
	return 4
}

// AtLeast reports whether l is target or better; every level is at least
// "" (no target).
func (l Level) AtLeast(target Level) bool {
	if target == "" {
		return true
	}
	return l != "" && l.rank() <= target.rank()
}

// ParseLevel reads a level as written in the API ("I"), in Roman
// numerals (Ⅱ), in Arabic (3) or in Chinese (一级, Ⅱ级); "" is none.
// KindUnprocessable (level_unknown) otherwise.
func ParseLevel(s string) (Level, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "级")
	switch t {
	case "":
		return "", nil
	case "I", "i", "Ⅰ", "1", "一":
		return LevelI, nil
	case "II", "ii", "Ⅱ", "2", "二":
		return LevelII, nil
	case "III", "iii", "Ⅲ", "3", "三":
		return LevelIII, nil
	}
	return "", Refuse(KindUnprocessable, CodeLevelUnknown, "level %q: use I, II or III", s).With("value", s)
}

// Direction says which way an indicator improves.
type Direction string

const (
	LowerBetter  Direction = "lower"       // consumption and emission per unit product
	HigherBetter Direction = "higher"      // recovery and reuse rates
	Qualitative  Direction = "qualitative" // a requirement: the value is the level it meets (1, 2, 3; 0 none)
)

// Indicator is one second-level indicator of a set. Benchmarks holds the
// level I, II and III benchmark values (基准值) in Unit; nil when the set
// does not state it (a qualitative indicator has none: its value is the
// level it meets). GroupWeight is the weight w_i of its first-level group
// (the same on every indicator of the group), Weight its weight ω_ij in
// the group; nil when not stated.
type Indicator struct {
	Code        string      `json:"code"`
	Group       string      `json:"group"`
	GroupWeight *float64    `json:"group_weight"`
	Name        string      `json:"name"`
	Unit        string      `json:"unit"`
	Direction   Direction   `json:"direction"`
	Weight      *float64    `json:"weight"`
	Benchmarks  [3]*float64 `json:"benchmarks"`
	Limiting    bool        `json:"limiting"`
}

// IndicatorSet is one version of an industry's indicator system.
// Industry is a GB/T 4754 code prefix (C27 covers C2710...); ID is
// "builtin:..." for a set shipped with cpaudit, read by every tenant.
type IndicatorSet struct {
	ID          string      `json:"id"`
	Industry    string      `json:"industry"`
	Version     string      `json:"version"`
	Name        string      `json:"name"`
	Source      string      `json:"source"`
	EffectiveOn string      `json:"effective_on"` // YYYY-MM-DD
	Note        string      `json:"note"`
	Pass        float64     `json:"pass"` // the index levels I and II need, 85 in the national systems
	Builtin     bool        `json:"builtin"`
	Indicators  []Indicator `json:"indicators"`
	UpdatedBy   string      `json:"updated_by,omitempty"`
	UpdatedAt   *time.Time  `json:"updated_at,omitempty"`
}

// MaxIndicators bounds one set: published systems have 20 to 60.
const MaxIndicators = 200

// DefaultPass is the index the national systems require for levels I and II.
const DefaultPass = 85.0

// Complete reports whether every weight and every quantitative
// benchmark is stated, so that a level can be computed from the set.
func (s IndicatorSet) Complete() bool {
	for _, in := range s.Indicators {
		if in.Weight == nil || in.GroupWeight == nil {
			return false
		}
		if in.Direction != Qualitative && (in.Benchmarks[0] == nil || in.Benchmarks[1] == nil || in.Benchmarks[2] == nil) {
			return false
		}
	}
	return len(s.Indicators) > 0
}

// Indicator answers the indicator of the set with code.
func (s IndicatorSet) Indicator(code string) (Indicator, bool) {
	for _, in := range s.Indicators {
		if in.Code == code {
			return in, true
		}
	}
	return Indicator{}, false
}

// Codes lists the indicator codes of the set, for a refusal.
func (s IndicatorSet) codes() string {
	var c []string
	for _, in := range s.Indicators {
		c = append(c, in.Code)
	}
	return strings.Join(c, ", ")
}

// setInvalid refuses a set for field; the refusal's value is "" unless
// the caller names one.
func setInvalid(field, format string, args ...any) *Error {
	return Refuse(KindUnprocessable, CodeIndicatorSetInvalid, format, args...).With("field", field).With("value", "")
}

// Validate checks a set as a tenant enters it and fills its defaults (a
// pass of 0 is DefaultPass). KindUnprocessable (indicator_set_invalid,
// naming the field): an industry that is not a GB/T 4754 code prefix
// (a letter and up to 4 digits), an empty version or name, an effective
// date that is not YYYY-MM-DD, no indicator or more than MaxIndicators, a
// repeated or empty code, an unknown direction, a weight outside 0–1,
// benchmarks out of order for the direction, group weights that differ
// within a group, and — when every weight is stated — group weights or
// weights within a group that do not add up to 1.
func (s *IndicatorSet) Validate() error {
	s.Industry = strings.ToUpper(strings.TrimSpace(s.Industry))
	s.Version, s.Name = strings.TrimSpace(s.Version), strings.TrimSpace(s.Name)
	if !industryPrefix(s.Industry) {
		return setInvalid("industry", "industry %q: a GB/T 4754 code or its prefix, such as C27", s.Industry).With("value", s.Industry)
	}
	for f, v := range map[string]string{"version": s.Version, "name": s.Name} {
		if v == "" || utf8.RuneCountInString(v) > 200 || !utf8.ValidString(v) {
			return setInvalid(f, "%s: 1 to 200 characters", f)
		}
	}
	if utf8.RuneCountInString(s.Source) > 1000 || utf8.RuneCountInString(s.Note) > 4000 {
		return setInvalid("source", "source: at most 1000 characters, note at most 4000")
	}
	if t, err := time.Parse(time.DateOnly, s.EffectiveOn); err != nil || t.Format(time.DateOnly) != s.EffectiveOn {
		return setInvalid("effective_on", "effective_on %q is not a date of the form YYYY-MM-DD", s.EffectiveOn).With("value", s.EffectiveOn)
	}
	if s.Pass == 0 {
		s.Pass = DefaultPass
	}
	if s.Pass < 0 || s.Pass > 100 {
		return setInvalid("pass", "pass: an index between 0 and 100")
	}
	if len(s.Indicators) == 0 || len(s.Indicators) > MaxIndicators {
		return setInvalid("indicators", "a set has 1 to %d indicators", MaxIndicators)
	}
	seen := map[string]bool{}
	for i := range s.Indicators {
		if err := s.Indicators[i].validate(); err != nil {
			return err
		}
		in := s.Indicators[i]
		if seen[in.Code] {
			return setInvalid("code", "indicator code %s is repeated", in.Code).With("value", in.Code)
		}
		seen[in.Code] = true
	}
	return s.checkWeights()
}

// checkWeights: group weights agree within a group, and when all weights
// are stated they add up to 1 (to 0.001: the published tables round).
func (s IndicatorSet) checkWeights() error {
	groupW := map[string]float64{}
	inGroup := map[string]float64{}
	var order []string
	all := true
	for _, in := range s.Indicators {
		if in.GroupWeight == nil || in.Weight == nil {
			all = false
			continue
		}
		if w, ok := groupW[in.Group]; ok && math.Abs(w-*in.GroupWeight) > 1e-9 {
			return setInvalid("group_weight", "group %s has two weights, %g and %g", in.Group, w, *in.GroupWeight).With("value", in.Group)
		}
		if _, ok := groupW[in.Group]; !ok {
			order = append(order, in.Group)
		}
		groupW[in.Group] = *in.GroupWeight
		inGroup[in.Group] += *in.Weight
	}
	if !all {
		return nil
	}
	sum := 0.0
	for _, g := range order {
		sum += groupW[g]
		if math.Abs(inGroup[g]-1) > 1e-3 {
			return setInvalid("weight", "the weights of group %s add up to %g, not 1", g, inGroup[g]).With("value", g)
		}
	}
	if math.Abs(sum-1) > 1e-3 {
		return setInvalid("group_weight", "the group weights add up to %g, not 1", sum).With("value", strconv.FormatFloat(sum, 'g', 6, 64))
	}
	return nil
}

func (in *Indicator) validate() error {
	in.Code, in.Group, in.Name, in.Unit = strings.TrimSpace(in.Code), strings.TrimSpace(in.Group), strings.TrimSpace(in.Name), strings.TrimSpace(in.Unit)
	if in.Code == "" || utf8.RuneCountInString(in.Code) > 20 {
		return setInvalid("code", "an indicator needs a code of 1 to 20 characters")
	}
	if in.Name == "" || in.Group == "" || utf8.RuneCountInString(in.Name) > 200 || utf8.RuneCountInString(in.Group) > 200 || utf8.RuneCountInString(in.Unit) > 50 {
		return setInvalid("name", "indicator %s needs a group and a name of 1 to 200 characters, a unit of at most 50", in.Code).With("value", in.Code)
	}
	switch in.Direction {
	case LowerBetter, HigherBetter:
	case Qualitative:
		in.Benchmarks = [3]*float64{}
	default:
		return setInvalid("direction", "indicator %s: direction %q; use lower, higher or qualitative", in.Code, in.Direction).With("value", string(in.Direction))
	}
	for _, w := range []*float64{in.Weight, in.GroupWeight} {
		if w != nil && (*w < 0 || *w > 1 || math.IsNaN(*w)) {
			return setInvalid("weight", "indicator %s: weights are fractions from 0 to 1", in.Code).With("value", in.Code)
		}
	}
	b := in.Benchmarks
	for k := 0; k < 2; k++ {
		if b[k] == nil || b[k+1] == nil {
			continue
		}
		if (in.Direction == LowerBetter && *b[k] > *b[k+1]) || (in.Direction == HigherBetter && *b[k] < *b[k+1]) {
			return setInvalid("benchmarks", "indicator %s: the level %s benchmark %g is not as strict as level %s's %g",
				in.Code, Levels[k], *b[k], Levels[k+1], *b[k+1]).With("value", in.Code)
		}
	}
	return nil
}

// industryPrefix: a GB/T 4754 section letter and up to 4 digits.
func industryPrefix(s string) bool {
	if len(s) < 1 || len(s) > 5 || s[0] < 'A' || s[0] > 'T' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// LevelMet answers the best level an indicator's value meets: 1 (I), 2,
// 3, or 0 for none; -1 when it cannot be judged (no value, or no
// benchmark stated). A qualitative value is the level it meets.
func (in Indicator) LevelMet(v *float64) int {
	if v == nil {
		return -1
	}
	if in.Direction == Qualitative {
		if *v >= 1 && *v <= 3 && *v == math.Trunc(*v) {
			return int(*v)
		}
		return 0
	}
	for k, b := range in.Benchmarks {
		if b == nil {
			return -1
		}
		if (in.Direction == LowerBetter && *v <= *b) || (in.Direction == HigherBetter && *v >= *b) {
			return k + 1
		}
	}
	return 0
}

// LevelResult is the rating of one set of indicator values: the composite
// index of each level (Index[0] is Y_I), the level those and the limiting
// indicators allow, the level the limiting indicators alone cap it at,
// and which indicators could not be judged. Level is "" when one of them
// could not be judged (Rated false) or no level is reached.
type LevelResult struct {
	Index    [3]float64     `json:"index"`
	Level    Level          `json:"level"`
	Rated    bool           `json:"rated"`
	LimitCap Level          `json:"limit_cap"` // the best level every limiting indicator meets; "" none
	Missing  []string       `json:"missing"`   // codes of indicators with no value or no benchmark
	Met      map[string]int `json:"met"`       // code → best level met (1–3; 0 none)
}

// Rate computes the composite indices and the level of values (by
// indicator code) under the set. An indicator that cannot be judged
// counts as meeting no level in the indices and leaves the result
// unrated. Indices are rounded to 0.01.
func (s IndicatorSet) Rate(values map[string]*float64) LevelResult {
	r := LevelResult{Missing: []string{}, Met: map[string]int{}, LimitCap: LevelI}
	for _, in := range s.Indicators {
		met := in.LevelMet(values[in.Code])
		if met < 0 || in.Weight == nil || in.GroupWeight == nil {
			r.Missing = append(r.Missing, in.Code)
			met = 0
		} else {
			r.Met[in.Code] = met
		}
		if in.Limiting {
			if met == 0 {
				r.LimitCap = ""
			} else if r.LimitCap != "" && met > r.LimitCap.rank() {
				r.LimitCap = Levels[met-1]
			}
		}
		if in.Weight == nil || in.GroupWeight == nil {
			continue
		}
		for k := range 3 {
			if met >= 1 && met <= k+1 {
				r.Index[k] += *in.GroupWeight * *in.Weight * 100
			}
		}
	}
	for k := range r.Index {
		r.Index[k] = math.Round(r.Index[k]*100) / 100
	}
	r.Rated = len(r.Missing) == 0 && len(s.Indicators) > 0
	if !r.Rated {
		return r
	}
	pass := s.Pass
	if pass == 0 {
		pass = DefaultPass
	}
	switch {
	case r.Index[0] >= pass && r.LimitCap.AtLeast(LevelI):
		r.Level = LevelI
	case r.Index[1] >= pass && r.LimitCap.AtLeast(LevelII):
		r.Level = LevelII
	case r.Index[2] >= 100-1e-9:
		r.Level = LevelIII
	}
	return r
}

// ApplicableSet picks the set for an enterprise of industry among sets:
// the longest industry prefix of it, then the newest effective date, then
// a tenant's set before a built-in one. false when none applies.
func ApplicableSet(sets []IndicatorSet, industry string) (IndicatorSet, bool) {
	industry = strings.ToUpper(strings.TrimSpace(industry))
	var best IndicatorSet
	found := false
	for _, s := range sets {
		if s.Industry == "" || !strings.HasPrefix(industry, s.Industry) {
			continue
		}
		switch {
		case !found, len(s.Industry) > len(best.Industry),
			len(s.Industry) == len(best.Industry) && s.EffectiveOn > best.EffectiveOn,
			len(s.Industry) == len(best.Industry) && s.EffectiveOn == best.EffectiveOn && best.Builtin && !s.Builtin:
			best, found = s, true
		}
	}
	return best, found
}

//go:embed levels_c27.json
var builtinC27 []byte

// BuiltinIndicatorSets are the sets shipped with cpaudit, read by every
// tenant (a tenant's set of the same industry and version replaces one).
func BuiltinIndicatorSets() []IndicatorSet {
	var s IndicatorSet
	if err := json.Unmarshal(builtinC27, &s); err != nil {
		panic(fmt.Sprintf("levels_c27.json: %v", err)) // embedded; TestBuiltinIndicatorSets keeps it valid
	}
	s.Builtin = true
	return []IndicatorSet{s}
}

// IndicatorValue is one indicator of an audit: its value before the audit
// (the baseline year), after (once options are carried out) and the
// audit's target, in the indicator's unit; nil when not entered.
type IndicatorValue struct {
	Code   string   `json:"code"`
	Before *float64 `json:"before"`
	After  *float64 `json:"after"`
	Target *float64 `json:"target"`
}

// AuditLevels is what an audit's before/after section shows: the set its
// enterprise's industry is rated against (nil when none applies), the
// audit's target level, each indicator's values with whether its target
// is met, and the rating before and after.
type AuditLevels struct {
	AuditID     string         `json:"audit_id"`
	Set         *IndicatorSet  `json:"indicator_set"`
	TargetLevel Level          `json:"target_level"`
	Values      []IndicatorRow `json:"indicators"`
	Before      LevelResult    `json:"before"`
	After       LevelResult    `json:"after"`
	// TargetLevelReached: the level after is the target level or better
	// (false while unrated or when no target is set).
	TargetLevelReached bool `json:"target_level_reached"`
}

// IndicatorRow is one indicator of the set with the audit's values.
type IndicatorRow struct {
	Indicator
	Before *float64 `json:"before"`
	After  *float64 `json:"after"`
	Target *float64 `json:"target"`
	// TargetMet: the value after meets the target in the indicator's
	// direction; nil when either is missing.
	TargetMet   *bool `json:"target_met"`
	LevelBefore int   `json:"level_before"` // LevelMet of before
	LevelAfter  int   `json:"level_after"`
}

// NewAuditLevels rates an audit's values under set (nil: no set applies).
func NewAuditLevels(auditID string, set *IndicatorSet, target Level, values []IndicatorValue) AuditLevels {
	out := AuditLevels{AuditID: auditID, Set: set, TargetLevel: target, Values: []IndicatorRow{},
		Before: LevelResult{Missing: []string{}, Met: map[string]int{}}, After: LevelResult{Missing: []string{}, Met: map[string]int{}}}
	if set == nil {
		return out
	}
	byCode := map[string]IndicatorValue{}
	for _, v := range values {
		byCode[v.Code] = v
	}
	before, after := map[string]*float64{}, map[string]*float64{}
	for _, in := range set.Indicators {
		v := byCode[in.Code]
		v.Code = in.Code
		row := IndicatorRow{Indicator: in, Before: v.Before, After: v.After, Target: v.Target, LevelBefore: in.LevelMet(v.Before), LevelAfter: in.LevelMet(v.After)}
		if v.After != nil && v.Target != nil {
			met := *v.After <= *v.Target
			if in.Direction != LowerBetter {
				met = *v.After >= *v.Target
			}
			row.TargetMet = &met
		}
		before[in.Code], after[in.Code] = v.Before, v.After
		out.Values = append(out.Values, row)
	}
	out.Before, out.After = set.Rate(before), set.Rate(after)
	out.TargetLevelReached = target != "" && out.After.Rated && out.After.Level.AtLeast(target)
	return out
}

// IndicatorInput is one indicator's values as the API takes them; Unit,
// when given, must be the indicator's.
type IndicatorInput struct {
	IndicatorValue
	Unit string `json:"unit"`
}

// CheckIndicatorValues checks values against set: a known code
// (indicator_unknown, naming the set's codes), the indicator's unit when
// one is stated (indicator_unit_unknown, naming it), finite values, not
// negative, and a qualitative value of 0 to 3 (indicator_value_invalid);
// all KindUnprocessable.
func CheckIndicatorValues(set IndicatorSet, in []IndicatorInput) error {
	if len(in) > MaxIndicators {
		return Refuse(KindUnprocessable, CodeIndicatorValueInvalid, "at most %d indicators", MaxIndicators)
	}
	for _, v := range in {
		ind, ok := set.Indicator(v.Code)
		if !ok {
			return Refuse(KindUnprocessable, CodeIndicatorUnknown, "indicator %q is not in the set %s %s; it has %s", v.Code, set.Name, set.Version, set.codes()).
				With("value", v.Code).With("allowed", set.codes())
		}
		if u := strings.TrimSpace(v.Unit); u != "" && u != ind.Unit {
			allowed := ind.Unit
			if allowed == "" {
				allowed = "(none)"
			}
			return Refuse(KindUnprocessable, CodeIndicatorUnitUnknown, "indicator %s is stated in %s, not %q", v.Code, allowed, u).
				With("value", u).With("allowed", allowed)
		}
		for _, x := range []*float64{v.Before, v.After, v.Target} {
			if x == nil {
				continue
			}
			bad := math.IsNaN(*x) || math.IsInf(*x, 0) || *x < 0 || *x > 1e12
			if ind.Direction == Qualitative && (*x > 3 || *x != math.Trunc(*x)) {
				bad = true
			}
			if bad {
				return Refuse(KindUnprocessable, CodeIndicatorValueInvalid, "indicator %s: %g is not a value it can take", v.Code, *x).
					With("value", strconv.FormatFloat(*x, 'g', -1, 64))
			}
		}
	}
	return nil
}

// LevelsInput is what an audit's levels are saved from: the target level
// when it changes (nil: kept; "" clears it), and the values of the
// indicators given (each one given replaces that indicator's before,
// after and target; those not given are kept).
type LevelsInput struct {
	TargetLevel *string          `json:"target_level"`
	Values      []IndicatorInput `json:"indicators"`
}

// MayEditIndicatorSets: only an admin edits or imports the tenant's
// indicator sets (KindConflict, indicator_set_not_allowed).
func MayEditIndicatorSets(a Actor) error {
	if a.Role != RoleAdmin {
		return Refuse(KindConflict, CodeIndicatorSetNotAllowed, "only an admin edits indicator sets")
	}
	return nil
}
