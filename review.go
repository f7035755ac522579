package cpaudit

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Expert review of a campaign's sample: the expert pool, the draw of
// reviewers per sampled audit, and the scoring checklist (review workspace,
// issue 18). Storage keeps the rows; the rules are here.

// ExpertProfile is what the pool knows of an expert (a user of role
// expert): the industries (GB/T 4754 codes; a shorter code covers the
// longer ones) and specialities it reviews, the organisation it works for,
// its region, and the organisations it declared a conflict of interest
// with. An expert without a profile is in the pool with every field empty.
type ExpertProfile struct {
	UserID         string    `json:"user_id"`
	Email          string    `json:"email"`
	Industries     []string  `json:"industries"`
	Specialities   []string  `json:"specialities"`
	OrganisationID string    `json:"organisation_id"`
	Region         string    `json:"region"`
	Conflicts      []string  `json:"conflicts"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
}

// MaxExpertListLen bounds each list of a profile.
const MaxExpertListLen = 50

// Validate checks and normalises a profile's fields (sorted, without
// duplicates). Whether the organisations exist is storage's to check.
func (p *ExpertProfile) Validate() error {
	clean := func(field string, in []string, check func(string) error) ([]string, error) {
		out := []string{}
		for _, v := range in {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if err := check(v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		slices.Sort(out)
		out = slices.Compact(out)
		if len(out) > MaxExpertListLen {
			return nil, Refuse(KindUnprocessable, CodeExpertListTooLong, "%s: at most %d entries", field, MaxExpertListLen).
				With("field", field).With("max", strconv.Itoa(MaxExpertListLen))
		}
		return out, nil
	}
	var err error
	if p.Industries, err = clean("industries", p.Industries, ValidateIndustry); err != nil {
		return err
	}
	if p.Specialities, err = clean("specialities", p.Specialities, func(s string) error { return ValidateName("speciality", s, 100) }); err != nil {
		return err
	}
	if p.Conflicts, err = clean("conflicts", p.Conflicts, func(string) error { return nil }); err != nil {
		return err
	}
	p.OrganisationID, p.Region = strings.TrimSpace(p.OrganisationID), strings.TrimSpace(p.Region)
	if p.Region != "" {
		if err := ValidateRegion(p.Region); err != nil {
			return err
		}
	}
	return nil
}

// Covers reports whether the expert reviews an enterprise of industry.
func (p ExpertProfile) Covers(industry string) bool {
	for _, c := range p.Industries {
		if industry != "" && strings.HasPrefix(industry, c) {
			return true
		}
	}
	return false
}

// ReviewedAudit is a sampled audit with the parties a reviewer must not
// belong to nor have declared a conflict with.
type ReviewedAudit struct {
	AuditID       string
	EnterpriseID  string
	ConsultancyID string // "" for a self-audit
	Industry      string // the enterprise's
}

// Conflicted reports whether p may not review a: it works for the audit's
// enterprise or consultancy, or declared a conflict with either.
func (p ExpertProfile) Conflicted(a ReviewedAudit) bool {
	for _, org := range []string{a.EnterpriseID, a.ConsultancyID} {
		if org != "" && (p.OrganisationID == org || slices.Contains(p.Conflicts, org)) {
			return true
		}
	}
	return false
}

// MaxPerAudit bounds the reviewers drawn per audit.
const MaxPerAudit = 20

// Assignment is one reviewer of one sampled audit of a campaign. A
// replaced assignment stays, with why and by which it was replaced.
type Assignment struct {
	ID             string     `json:"id"`
	CampaignID     string     `json:"campaign_id"`
	AuditID        string     `json:"audit_id"`
	ExpertID       string     `json:"expert_id"`
	ExpertEmail    string     `json:"expert_email"`
	State          string     `json:"state"` // assigned, reviewed or replaced
	ReplacedBy     string     `json:"replaced_by,omitempty"`
	ReplacedReason string     `json:"replaced_reason,omitempty"`
	Replaces       string     `json:"replaces,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	Review         *Review    `json:"review,omitempty"`
	Checklist      *Checklist `json:"checklist,omitempty"`
	// Others are the other reviewers' reviews of the same audit in the
	// same campaign: shown to an expert only once its own is submitted.
	Others []Review `json:"others,omitempty"`
}

// Assignment states.
const (
	AssignmentAssigned = "assigned"
	AssignmentReviewed = "reviewed"
	AssignmentReplaced = "replaced"
)

// Assignments is the answer of a draw of reviewers.
type Assignments struct {
	CampaignID  string       `json:"campaign_id"`
	Seed        int64        `json:"seed"`
	PerAudit    int          `json:"per_audit"`
	Assignments []Assignment `json:"assignments"`
}

// NewAssignments is what drawing reviewers takes; a nil Seed is drawn.
type NewAssignments struct {
	PerAudit int    `json:"per_audit"`
	Seed     *int64 `json:"seed"`
}

// Validate checks the draw's rules.
func (n NewAssignments) Validate() error {
	if n.PerAudit < 1 || n.PerAudit > MaxPerAudit {
		return Refuse(KindUnprocessable, CodeAssignPerAuditRange, "per_audit must be between 1 and %d", MaxPerAudit).
			With("max", strconv.Itoa(MaxPerAudit))
	}
	if n.Seed != nil && (*n.Seed < 0 || *n.Seed >= MaxSeed) {
		return Refuse(KindUnprocessable, CodeCampaignSeedRange, "seed must be between 0 and 2^53-1")
	}
	return nil
}

// ReviewerLot is an expert's lot for an audit: the SHA-256 of the seed (8
// bytes, big-endian), the audit id, a zero byte and the expert's user id.
// Ids hold no zero byte, so no two pairs give the same input.
func ReviewerLot(seed int64, auditID, expertID string) [32]byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(seed))
	b = append(b, auditID...)
	b = append(b, 0)
	b = append(b, expertID...)
	return sha256.Sum256(b)
}

// DrawReviewers draws k reviewers for each audit from pool by seed: of
// the experts without a conflict with the audit, those whose industries
// cover the audit's enterprise first, each group in lot order
// (ReviewerLot). The answer holds, per audit in the order given, the
// experts' user ids in draw order. Like DrawSample it depends only on the
// seed, the audits and the pool, whatever order they come in.
//
// KindUnprocessable (CodeReviewersTooFew, naming the audit) when an audit
// has fewer than k eligible experts.
func DrawReviewers(audits []ReviewedAudit, pool []ExpertProfile, k int, seed int64) ([][]string, error) {
	out := make([][]string, len(audits))
	type lotted struct {
		id     string
		covers bool
		lot    [32]byte
	}
	for i, a := range audits {
		var eligible []lotted
		for _, p := range pool {
			if !p.Conflicted(a) {
				eligible = append(eligible, lotted{p.UserID, p.Covers(a.Industry), ReviewerLot(seed, a.AuditID, p.UserID)})
			}
		}
		if len(eligible) < k {
			return nil, Refuse(KindUnprocessable, CodeReviewersTooFew,
				"audit %s has %d experts without a conflict, fewer than the %d reviewers asked for", a.AuditID, len(eligible), k).
				With("audit_id", a.AuditID).With("eligible", strconv.Itoa(len(eligible))).With("per_audit", strconv.Itoa(k))
		}
		slices.SortFunc(eligible, func(x, y lotted) int {
			if x.covers != y.covers {
				if x.covers {
					return -1
				}
				return 1
			}
			return cmp.Or(slices.Compare(x.lot[:], y.lot[:]), strings.Compare(x.id, y.id))
		})
		for _, e := range eligible[:k] {
			out[i] = append(out[i], e.id)
		}
	}
	return out, nil
}

// ChecklistItem is one scored item of a checklist: points from 0 to Max.
type ChecklistItem struct {
	Item string  `json:"item"`
	Name string  `json:"name"`
	Max  float64 `json:"max"`
}

// VetoItem is a finding that fails an audit whatever its score.
type VetoItem struct {
	Item string `json:"item"`
	Name string `json:"name"`
}

// Checklist is what a reviewer scores at a stage: items whose points sum
// to 100, veto items, and the mean score an audit needs to pass.
type Checklist struct {
	Stage    CampaignStage   `json:"stage"`
	Items    []ChecklistItem `json:"items"`
	Vetoes   []VetoItem      `json:"vetoes"`
	PassMark float64         `json:"pass_mark"`
	// MissingRequirements are the veto requirements of the guidelines of
	// the audit's industry that its reports do not address (issue 22).
	MissingRequirements []MissingRequirement `json:"missing_requirements,omitempty"`
}

// DefaultPassMark is the mean score of 100 an audit needs to pass.
const DefaultPassMark = 70

// DefaultChecklist is the checklist of a stage, after the assessment and
// acceptance guidance (清洁生产审核评估与验收指南): truthfulness of the data,
// conformity of the process, soundness of the options, targets met. The
// assessment weighs the process and the options, the acceptance the
// results.
func DefaultChecklist(stage CampaignStage) Checklist {
	weights := [4]float64{30, 25, 25, 20}
	if stage == StageAcceptance || stage == StageAfterAcceptance {
		weights = [4]float64{30, 20, 20, 30}
	}
	return Checklist{
		Stage: stage,
		Items: []ChecklistItem{
			{"data_truthfulness", "数据真实性", weights[0]},
			{"process_conformity", "审核过程规范性", weights[1]},
			{"option_soundness", "方案合理性", weights[2]},
			{"targets_met", "目标完成情况", weights[3]},
		},
		Vetoes: []VetoItem{
			{"falsified_data", "数据弄虚作假"},
			{"plagiarised_report", "报告抄袭或雷同"},
			{"law_breach", "存在重大环境违法行为"},
		},
		PassMark: DefaultPassMark,
	}
}

// ItemScore is the points given to one item.
type ItemScore struct {
	Item   string  `json:"item"`
	Points float64 `json:"points"`
}

// NewReview is a reviewer's submission.
type NewReview struct {
	Items   []ItemScore `json:"items"`
	Vetoes  []string    `json:"vetoes"`
	Comment string      `json:"comment"`
}

// Review is a submitted review.
type Review struct {
	AssignmentID string      `json:"assignment_id"`
	ExpertID     string      `json:"expert_id"`
	ExpertEmail  string      `json:"expert_email"`
	Items        []ItemScore `json:"items"`
	Vetoes       []string    `json:"vetoes"`
	Comment      string      `json:"comment"`
	Score        float64     `json:"score"`
	SubmittedAt  time.Time   `json:"submitted_at"`
}

// MaxReviewComment bounds a review's comment, in characters.
const MaxReviewComment = 5000

// Check validates a submission against the checklist and answers its
// score: every item scored once, within its range, vetoes known.
func (c Checklist) Check(r *NewReview) (float64, error) {
	given := map[string]float64{}
	for _, s := range r.Items {
		i := slices.IndexFunc(c.Items, func(it ChecklistItem) bool { return it.Item == s.Item })
		if i < 0 {
			return 0, Refuse(KindUnprocessable, CodeReviewItemUnknown, "item %q is not on the %s checklist", s.Item, c.Stage).With("item", s.Item)
		}
		if _, dup := given[s.Item]; dup {
			return 0, Refuse(KindUnprocessable, CodeReviewItemTwice, "item %q is scored twice", s.Item).With("item", s.Item)
		}
		if math.IsNaN(s.Points) || s.Points < 0 || s.Points > c.Items[i].Max {
			max := strconv.FormatFloat(c.Items[i].Max, 'f', -1, 64)
			return 0, Refuse(KindUnprocessable, CodeReviewPointsRange, "item %q takes 0 to %s points", s.Item, max).
				With("item", s.Item).With("max", max)
		}
		given[s.Item] = s.Points
	}
	var score float64
	for _, it := range c.Items {
		p, ok := given[it.Item]
		if !ok {
			return 0, Refuse(KindUnprocessable, CodeReviewItemMissing, "item %q is not scored", it.Item).With("item", it.Item)
		}
		score += p
	}
	vetoes := []string{}
	for _, v := range r.Vetoes {
		if !slices.ContainsFunc(c.Vetoes, func(vi VetoItem) bool { return vi.Item == v }) {
			return 0, Refuse(KindUnprocessable, CodeReviewVetoUnknown, "veto %q is not on the %s checklist", v, c.Stage).With("item", v)
		}
		vetoes = append(vetoes, v)
	}
	slices.Sort(vetoes)
	r.Vetoes = slices.Compact(vetoes)
	r.Comment = strings.TrimSpace(r.Comment)
	if n := len([]rune(r.Comment)); n > MaxReviewComment {
		return 0, Refuse(KindUnprocessable, CodeReviewCommentTooLong, "the comment has %d characters, more than %d", n, MaxReviewComment).
			With("max", strconv.Itoa(MaxReviewComment))
	}
	// Points are kept to two decimals, so sums and means print exactly.
	return math.Round(score*100) / 100, nil
}

// AuditReviews is the outcome of one sampled audit's reviews.
type AuditReviews struct {
	AuditID   string   `json:"audit_id"`
	Assigned  int      `json:"assigned"`  // reviewers not replaced
	Submitted int      `json:"submitted"` // of them, those who submitted
	Reviews   []Review `json:"reviews"`
	Mean      *float64 `json:"mean"` // of the submitted scores; null before the first
	Vetoed    bool     `json:"vetoed"`
	// Result is pending until every reviewer submitted, then pass or
	// fail; a veto fails the audit as soon as it is submitted.
	Result string `json:"result"`
}

// CampaignReviews is every sampled audit's outcome.
type CampaignReviews struct {
	CampaignID string         `json:"campaign_id"`
	Checklist  Checklist      `json:"checklist"`
	PassMark   float64        `json:"pass_mark"`
	Audits     []AuditReviews `json:"audits"`
}

// Review results.
const (
	ReviewPending = "pending"
	ReviewPass    = "pass"
	ReviewFail    = "fail"
)

// Outcome fills an audit's mean, veto and result from its reviews, with
// passMark the mean score needed to pass.
func (ar *AuditReviews) Outcome(passMark float64) {
	ar.Submitted = len(ar.Reviews)
	ar.Mean, ar.Vetoed = nil, false
	if ar.Submitted > 0 {
		var sum float64
		for _, r := range ar.Reviews {
			sum += r.Score
			ar.Vetoed = ar.Vetoed || len(r.Vetoes) > 0
		}
		m := math.Round(sum/float64(ar.Submitted)*100) / 100
		ar.Mean = &m
	}
	switch {
	case ar.Vetoed:
		ar.Result = ReviewFail
	case ar.Submitted == 0 || ar.Submitted < ar.Assigned:
		ar.Result = ReviewPending
	case *ar.Mean >= passMark:
		ar.Result = ReviewPass
	default:
		ar.Result = ReviewFail
	}
}

// OpinionBasis is what an opinion on one sampled audit is made from: the
// campaign, the stage's checklist, the audit's complete reviews and the
// names of its parties and of the issuing authority (the tenant).
type OpinionBasis struct {
	Campaign    Campaign
	Checklist   Checklist
	Reviews     AuditReviews
	Enterprise  string
	Consultancy string // "" for a self-audit
	Authority   string
}

// MaxOpinionConditions bounds the conditions of a pass, in characters.
const MaxOpinionConditions = 2000

// Opinion is what issuing an opinion did: the stored document, the
// result, and the milestone it recorded (nil when the stage has none, or
// when the milestone could not be recorded: MilestoneRefused says why).
type Opinion struct {
	CampaignID       string
	AuditID          string
	Result           string // pass, pass_with_conditions or fail
	Mean             float64
	Document         Document
	Milestone        *Milestone
	MilestoneRefused *Error
}
