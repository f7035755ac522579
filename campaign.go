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
	CreatedAt  time.Time      `json:"created_at"`
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
		if s != StratumPerConsultancy && s != StratumFlagged {
			return Refuse(KindUnprocessable, CodeCampaignStratumUnknown, "stratum %q: use per_consultancy or flagged", s).With("value", string(s))
		}
		if !seen[s] {
			seen[s] = true
			strata = append(strata, s)
		}
	}
	slices.Sort(strata)
	c.Strata = strata
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
