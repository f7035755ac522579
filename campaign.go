package cpaudit

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CampaignStage is what a spot-check campaign (抽查任务) checks, and so which
// checklist its reviewers use. It does not narrow the population, except
// through CampaignFilter.ReachedStage.
type CampaignStage string

const (
	StageInProgress      CampaignStage = "in_progress"      // audits under way
	StageAssessment      CampaignStage = "assessment"       // 评估
	StageAcceptance      CampaignStage = "acceptance"       // 验收
	StageAfterAcceptance CampaignStage = "after_acceptance" // re-checks of passed audits
)

// Stratum is a rule of the draw that some audits must be in the sample
// whatever the lot says.
type Stratum string

const (
	// StratumPerConsultancy: at least one audit of every consultancy of
	// the population (self-audits have none).
	StratumPerConsultancy Stratum = "per_consultancy"
	// StratumFlagged: every audit with an open or confirmed flag.
	StratumFlagged Stratum = "flagged"
	// StratumPerCity and StratumPerCounty: the sample is shared among the
	// cities (counties) of the population in proportion to how many of
	// its audits each holds (largest remainders; an audit other strata
	// require counts toward its region's share; when such audits overfill
	// one region, the others' shares are filled in lot order up to the
	// size, none beyond its share).
	StratumPerCity   Stratum = "proportional_city"
	StratumPerCounty Stratum = "proportional_county"
)

// CampaignFilter chooses a campaign's population among the audits the
// creator may see; every field is optional.
type CampaignFilter struct {
	BatchID       string `json:"batch_id,omitempty"`
	Region        string `json:"region,omitempty"` // a division code: it and every division below
	Industry      string `json:"industry,omitempty"`
	ConsultancyID string `json:"consultancy_id,omitempty"`
	// ReachedStage keeps only the audits that reached the campaign's
	// stage: its assessment gate open (assessment), its acceptance gate
	// open (acceptance, after acceptance).
	ReachedStage bool `json:"reached_stage,omitempty"`
	// Flagged keeps only the audits with (true) or without (false) an
	// open or confirmed flag.
	Flagged *bool `json:"flagged,omitempty"`
	// StartedFrom and StartedTo (YYYY-MM-DD, China time, inclusive) keep
	// only the audits started within them.
	StartedFrom string `json:"started_from,omitempty"`
	StartedTo   string `json:"started_to,omitempty"`
}

// NewCampaign is what creating a campaign takes. A nil Seed is drawn.
type NewCampaign struct {
	Name   string         `json:"name"`
	Stage  CampaignStage  `json:"stage"`
	Filter CampaignFilter `json:"filter"`
	Size   int            `json:"size"`
	Seed   *int64         `json:"seed"`
	Strata []Stratum      `json:"strata"`
}

// Campaign is a spot check: its rules, the population they gave and the
// audits drawn. It never changes once made; its creation, with the
// population's digest, the seed and the sample, is in the audit log.
type Campaign struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Stage      CampaignStage  `json:"stage"`
	Filter     CampaignFilter `json:"filter"`
	Size       int            `json:"size"`
	Seed       int64          `json:"seed"`
	Strata     []Stratum      `json:"strata"`
	Population int            `json:"population"`
	AuditIDs   []string       `json:"audit_ids"`
	// Checklist is the stage's checklist as the tenant had it when the
	// campaign was drawn: its reviews are scored on it.
	Checklist Checklist `json:"checklist"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxCampaignSize bounds a sample: a campaign is work for people.
const MaxCampaignSize = 10000

// MaxSeed keeps seeds exact in JSON clients that read numbers as
// doubles (2^53).
const MaxSeed = 1 << 53

// Validate checks and normalises a campaign's rules.
func (c *NewCampaign) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if err := ValidateName("name", c.Name, 200); err != nil {
		return err
	}
	switch c.Stage {
	case StageInProgress, StageAssessment, StageAcceptance, StageAfterAcceptance:
	default:
		return Refuse(KindUnprocessable, CodeCampaignStageUnknown,
			"stage %q: use in_progress, assessment, acceptance or after_acceptance", c.Stage).With("value", string(c.Stage))
	}
	if c.Size < 1 || c.Size > MaxCampaignSize {
		return Refuse(KindUnprocessable, CodeCampaignSizeRange, "size must be between 1 and %d", MaxCampaignSize).
			With("max", strconv.Itoa(MaxCampaignSize))
	}
	if c.Seed != nil && (*c.Seed < 0 || *c.Seed >= MaxSeed) {
		return Refuse(KindUnprocessable, CodeCampaignSeedRange, "seed must be between 0 and 2^53-1")
	}
	seen := map[Stratum]bool{}
	strata := []Stratum{}
	for _, s := range c.Strata {
		switch s {
		case StratumPerConsultancy, StratumFlagged, StratumPerCity, StratumPerCounty:
		default:
			return Refuse(KindUnprocessable, CodeCampaignStratumUnknown,
				"stratum %q: use per_consultancy, flagged, proportional_city or proportional_county", s).With("value", string(s))
		}
		if !seen[s] {
			seen[s] = true
			strata = append(strata, s)
		}
	}
	if seen[StratumPerCity] && seen[StratumPerCounty] {
		return Refuse(KindUnprocessable, CodeCampaignStratumUnknown, "choose proportional_city or proportional_county, not both").
			With("value", string(StratumPerCounty))
	}
	slices.Sort(strata)
	c.Strata = strata
	for _, d := range []struct{ field, value string }{{"started_from", c.Filter.StartedFrom}, {"started_to", c.Filter.StartedTo}} {
		if d.value == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.value); err != nil {
			return Refuse(KindUnprocessable, CodeDateInvalid, "%s %q is not a date YYYY-MM-DD", d.field, d.value).
				With("field", d.field).With("value", d.value)
		}
	}
	// A range that ends before it starts matches nothing: the
	// population is empty, refused as such.
	if c.Filter.Region != "" && RegionPrefix(c.Filter.Region) == "" {
		return Refuse(KindUnprocessable, CodeRegionInvalid, "region %q is not a 6-digit division code such as 130100", c.Filter.Region).With("value", c.Filter.Region)
	}
	return nil
}

// Candidate is an audit of a campaign's population, with what the strata
// look at.
type Candidate struct {
	AuditID       string
	ConsultancyID string // "" for a self-audit
	Region        string // the enterprise's division code
	Flagged       bool
}

// DrawSample draws size audits of population by seed under strata: the
// audits the strata require first, then the rest by lot. Each audit's lot
// is the SHA-256 of the seed and its id, so the draw depends only on the
// seed and the population, not on the order the population was read in,
// nor on a random number generator that a later Go release may change:
// anyone can redo it from the audit log. The sample holds the audits the
// strata require, then the others, each part in lot order.
//
// KindUnprocessable when the population is empty, or when the strata
// require more audits than size.
func DrawSample(population []Candidate, size int, seed int64, strata []Stratum) ([]string, error) {
	if len(population) == 0 {
		return nil, Refuse(KindUnprocessable, CodeCampaignPopulationEmpty, "no audit matches the campaign's filter")
	}
	type lotted struct {
		Candidate
		lot [32]byte
	}
	lots := make([]lotted, len(population))
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(seed))
	for i, c := range population {
		lots[i] = lotted{c, sha256.Sum256(append(buf[:], c.AuditID...))}
	}
	slices.SortFunc(lots, func(x, y lotted) int {
		return cmp.Or(slices.Compare(x.lot[:], y.lot[:]), strings.Compare(x.AuditID, y.AuditID))
	})
	required := map[string]bool{}
	for _, s := range strata {
		switch s {
		case StratumFlagged:
			for _, l := range lots {
				if l.Flagged {
					required[l.AuditID] = true
				}
			}
		case StratumPerConsultancy:
			// The first audit of each consultancy in lot order, unless
			// one of its audits is required already.
			covered := map[string]bool{}
			for _, l := range lots {
				if l.ConsultancyID != "" && required[l.AuditID] {
					covered[l.ConsultancyID] = true
				}
			}
			for _, l := range lots {
				if l.ConsultancyID != "" && !covered[l.ConsultancyID] {
					covered[l.ConsultancyID] = true
					required[l.AuditID] = true
				}
			}
		}
	}
	if len(required) > size {
		return nil, Refuse(KindUnprocessable, CodeCampaignStrataExceedSize,
			"the strata require %d audits, more than the campaign's size of %d", len(required), size).
			With("required", strconv.Itoa(len(required))).With("size", strconv.Itoa(size))
	}
	sample := make([]string, 0, min(size, len(lots)))
	for _, l := range lots {
		if required[l.AuditID] {
			sample = append(sample, l.AuditID)
		}
	}
	// Proportional strata: each region's share is filled by lot before
	// the rest of the sample.
	for _, s := range strata {
		if s != StratumPerCity && s != StratumPerCounty {
			continue
		}
		key := func(c Candidate) string {
			if s == StratumPerCity && len(c.Region) >= 4 {
				return c.Region[:4]
			}
			return c.Region
		}
		pop := make([]string, len(population))
		for i, c := range population {
			pop[i] = key(c)
		}
		share := ProportionalShares(pop, cap(sample))
		taken := map[string]int{}
		for _, l := range lots {
			if required[l.AuditID] {
				taken[key(l.Candidate)]++
			}
		}
		for _, l := range lots {
			if len(sample) == cap(sample) {
				break
			}
			if k := key(l.Candidate); !required[l.AuditID] && taken[k] < share[k] {
				taken[k]++
				required[l.AuditID] = true
				sample = append(sample, l.AuditID)
			}
		}
	}
	for _, l := range lots {
		if len(sample) == cap(sample) {
			break
		}
		if !required[l.AuditID] {
			sample = append(sample, l.AuditID)
		}
	}
	return sample, nil
}

// ProportionalShares shares n among the keys of population (one key per
// member) in proportion to how many members each holds: each gets the
// whole part of its exact share, and what is left goes one by one to the
// largest remainders (ties: the larger group, then the smaller key).
func ProportionalShares(population []string, n int) map[string]int {
	count := map[string]int{}
	for _, k := range population {
		count[k]++
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	share := map[string]int{}
	total := len(population)
	if total == 0 {
		return share
	}
	left := n
	for _, k := range keys {
		share[k] = n * count[k] / total
		left -= share[k]
	}
	// Remainders compared exactly as n*count mod total.
	slices.SortFunc(keys, func(x, y string) int {
		return cmp.Or(cmp.Compare(n*count[y]%total, n*count[x]%total), cmp.Compare(count[y], count[x]), strings.Compare(x, y))
	})
	for i := 0; left > 0 && i < len(keys); i++ {
		share[keys[i]]++
		left--
	}
	return share
}
