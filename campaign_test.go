package cpaudit

import (
	"fmt"
	"slices"
	"testing"
)

func population(n, consultancies int, flagged ...int) []Candidate {
	out := make([]Candidate, n)
	for i := range out {
		out[i] = Candidate{AuditID: fmt.Sprintf("a%04d", i), ConsultancyID: fmt.Sprintf("c%d", i%consultancies)}
		if consultancies == 0 {
			out[i].ConsultancyID = ""
		}
	}
	for _, i := range flagged {
		out[i].Flagged = true
	}
	return out
}

// TestDrawSampleReproducible: the same population, size, strata and seed
// give the same sample, whatever order the population was read in; another
// seed gives another sample.
func TestDrawSampleReproducible(t *testing.T) {
	pop := population(200, 7, 3, 50)
	first, err := DrawSample(pop, 20, 42, []Stratum{StratumFlagged})
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(pop)
	slices.Reverse(reversed)
	again, err := DrawSample(reversed, 20, 42, []Stratum{StratumFlagged})
	if err != nil || !slices.Equal(first, again) {
		t.Fatalf("the same draw gave %v then %v (%v)", first, again, err)
	}
	other, _ := DrawSample(pop, 20, 43, []Stratum{StratumFlagged})
	if slices.Equal(first, other) {
		t.Error("seeds 42 and 43 drew the same sample")
	}
	if len(first) != 20 || len(uniq(first)) != 20 {
		t.Errorf("sample %v: want 20 different audits", first)
	}
}

func uniq(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// TestDrawSampleStrata: every flagged audit and at least one audit of every
// consultancy are drawn, whatever the seed; self-audits are no
// consultancy; strata that need more than the size are refused.
func TestDrawSampleStrata(t *testing.T) {
	pop := population(120, 9, 5, 17, 99)
	pop = append(pop, Candidate{AuditID: "self-1"}, Candidate{AuditID: "self-2"})
	for seed := int64(0); seed < 50; seed++ {
		got, err := DrawSample(pop, 12, seed, []Stratum{StratumPerConsultancy, StratumFlagged})
		if err != nil {
			t.Fatal(err)
		}
		in := uniq(got)
		for _, i := range []int{5, 17, 99} {
			if !in[pop[i].AuditID] {
				t.Fatalf("seed %d: flagged %s not drawn: %v", seed, pop[i].AuditID, got)
			}
		}
		cons := map[string]bool{}
		for _, c := range pop {
			if in[c.AuditID] && c.ConsultancyID != "" {
				cons[c.ConsultancyID] = true
			}
		}
		if len(cons) != 9 || len(got) != 12 {
			t.Fatalf("seed %d: %d consultancies in a sample of %d: %v", seed, len(cons), len(got), got)
		}
	}
	// Nine consultancies and three flagged audits (two of them covering
	// their consultancy) need at least ten audits.
	_, err := DrawSample(pop, 5, 1, []Stratum{StratumPerConsultancy, StratumFlagged})
	if ErrorCode(err) != CodeCampaignStrataExceedSize || !IsKind(err, KindUnprocessable) {
		t.Errorf("strata over the size: %v", err)
	}
	if _, err := DrawSample(nil, 5, 1, nil); ErrorCode(err) != CodeCampaignPopulationEmpty {
		t.Errorf("empty population: %v", err)
	}
	// A size over the population draws all of it.
	if got, _ := DrawSample(pop[:4], 10, 1, nil); len(got) != 4 {
		t.Errorf("size over the population: %v", got)
	}
}

func TestNewCampaignValidate(t *testing.T) {
	seed := int64(7)
	neg := int64(-1)
	ok := NewCampaign{Name: " 2026年评估抽查 ", Stage: StageAssessment, Size: 10, Seed: &seed,
		Strata: []Stratum{StratumFlagged, StratumPerConsultancy, StratumFlagged}}
	if err := ok.Validate(); err != nil || ok.Name != "2026年评估抽查" || !slices.Equal(ok.Strata, []Stratum{StratumFlagged, StratumPerConsultancy}) {
		t.Fatalf("%v %+v", err, ok)
	}
	for _, tc := range []struct {
		c    NewCampaign
		code Code
	}{
		{NewCampaign{Name: "抽查", Stage: "review", Size: 1}, CodeCampaignStageUnknown},
		{NewCampaign{Name: "抽查", Stage: StageAcceptance, Size: 0}, CodeCampaignSizeRange},
		{NewCampaign{Name: "抽查", Stage: StageAcceptance, Size: MaxCampaignSize + 1}, CodeCampaignSizeRange},
		{NewCampaign{Name: "抽查", Stage: StageAcceptance, Size: 1, Seed: &neg}, CodeCampaignSeedRange},
		{NewCampaign{Name: "抽查", Stage: StageAcceptance, Size: 1, Strata: []Stratum{"all"}}, CodeCampaignStratumUnknown},
		{NewCampaign{Name: "抽查", Stage: StageAcceptance, Size: 1, Filter: CampaignFilter{Region: "13"}}, CodeRegionInvalid},
		{NewCampaign{Name: " ", Stage: StageAcceptance, Size: 1}, CodeFieldRequired},
	} {
		if err := tc.c.Validate(); ErrorCode(err) != tc.code {
			t.Errorf("%+v: %v, want %s", tc.c, err, tc.code)
		}
	}
}

// TestDrawSampleByTheDocumentedRule: the lot is SHA-256(seed as 8 bytes
// big-endian ‖ audit id), lowest first, so anyone can redo a draw from the
// audit log without cpaudit. The expected sample was computed outside Go
// (Python's hashlib) from that rule alone.
func TestDrawSampleByTheDocumentedRule(t *testing.T) {
	got, err := DrawSample(population(50, 3), 5, 20261207, nil)
	want := []string{"a0027", "a0017", "a0030", "a0011", "a0035"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("seed 20261207: %v %v, want %v", got, err, want)
	}
}

// TestProportionalShares: the whole parts of the exact shares, the rest
// to the largest remainders (ties: the larger group, then the key).
func TestProportionalShares(t *testing.T) {
	pop := []string{"1301", "1301", "1301", "1301", "1301", "1301", "1302", "1302", "1302", "1303"}
	for n, want := range map[int]map[string]int{
		5:  {"1301": 3, "1302": 2, "1303": 0},
		10: {"1301": 6, "1302": 3, "1303": 1},
		1:  {"1301": 1, "1302": 0, "1303": 0},
		0:  {"1301": 0, "1302": 0, "1303": 0},
	} {
		got := ProportionalShares(pop, n)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("n=%d: %v, want %v", n, got, want)
				break
			}
		}
	}
}

// TestDrawSampleProportional: with proportional_city the sample holds
// each city's share (by county: each county's), whatever the order of
// the population; an audit another stratum requires counts toward its
// city's share; the same seed gives the same sample.
func TestDrawSampleProportional(t *testing.T) {
	pop := population(20, 2)
	for i := range pop { // 12 in Shijiazhuang (two counties), 6 in Tangshan, 2 in Handan
		switch {
		case i < 6:
			pop[i].Region = "130102"
		case i < 12:
			pop[i].Region = "130104"
		case i < 18:
			pop[i].Region = "130202"
		default:
			pop[i].Region = "130402"
		}
	}
	regionOf := map[string]string{}
	for _, c := range pop {
		regionOf[c.AuditID] = c.Region
	}
	count := func(sample []string, digits int) map[string]int {
		m := map[string]int{}
		for _, id := range sample {
			m[regionOf[id][:digits]]++
		}
		return m
	}
	sample, err := DrawSample(pop, 10, 42, []Stratum{StratumPerCity})
	if err != nil {
		t.Fatal(err)
	}
	if got := count(sample, 4); len(sample) != 10 || got["1301"] != 6 || got["1302"] != 3 || got["1304"] != 1 {
		t.Errorf("by city: %v", got)
	}
	reversed := slices.Clone(pop)
	slices.Reverse(reversed)
	if again, _ := DrawSample(reversed, 10, 42, []Stratum{StratumPerCity}); !slices.Equal(again, sample) {
		t.Errorf("the order of the population changed the sample")
	}
	byCounty, err := DrawSample(pop, 10, 42, []Stratum{StratumPerCounty})
	if got := count(byCounty, 6); err != nil || got["130102"] != 3 || got["130104"] != 3 || got["130202"] != 3 || got["130402"] != 1 {
		t.Errorf("by county: %v %v", got, err)
	}
	// Both Handan audits flagged: both in, Handan's share of 1 exceeded;
	// the other cities' shares are filled in lot order up to the size,
	// none beyond its share.
	pop[18].Flagged, pop[19].Flagged = true, true
	flagged, err := DrawSample(pop, 10, 42, []Stratum{StratumFlagged, StratumPerCity})
	if got := count(flagged, 4); err != nil || len(flagged) != 10 || got["1304"] != 2 || got["1301"] > 6 || got["1302"] > 3 || got["1301"]+got["1302"] != 8 {
		t.Errorf("flagged and by city: %v %v", got, err)
	}
	nc := NewCampaign{Name: "抽查", Stage: StageAssessment, Size: 3, Strata: []Stratum{StratumPerCity, StratumPerCounty}}
	if err := nc.Validate(); ErrorCode(err) != CodeCampaignStratumUnknown {
		t.Errorf("both proportional strata: %v", err)
	}
	nc = NewCampaign{Name: "抽查", Stage: StageAssessment, Size: 3, Filter: CampaignFilter{StartedFrom: "2026-13-01"}}
	if err := nc.Validate(); ErrorCode(err) != CodeDateInvalid {
		t.Errorf("bad date: %v", err)
	}
}
