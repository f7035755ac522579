package letter

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// Issuing opinions with the tenant's own template, for the API and the web
// UI alike: the rules of what an opinion says are FillOpinion's, the rights
// and the milestone storage's.

// DefaultOpinionName is the file name the built-in opinion template is
// served as.
const DefaultOpinionName = "审查意见模板.docx"

// RequiredOpinion are the placeholders every opinion template must hold:
// without them the opinion would not say whom it concerns, what each
// item scored, or what was concluded.
var RequiredOpinion = []string{OEnterprise, OMean, OResult, OItem, OItemMean}

var knownOpinion = []string{OTitle, OEnterprise, OConsultancy, OCampaign, OMean, OPassMark, OResult, OVetoes, OConditions,
	OAuthority, ODate, OItem, OItemMax, OItemMean, OItemScores, OExpert, OExpertScore, OComment}

// CheckOpinion validates an opinion template a tenant uploads, as Check
// does a letter template.
func CheckOpinion(docx []byte) error { return checkPlaceholders(docx, knownOpinion, RequiredOpinion) }

// OpinionStore is what issuing opinions needs from storage.
type OpinionStore interface {
	OpinionTemplate(ctx context.Context, a cpaudit.Actor) ([]byte, string, error)
	OpinionBasis(ctx context.Context, a cpaudit.Actor, campaignID, auditID string) (cpaudit.OpinionBasis, error)
	Stage(r io.Reader, max int64) (cpaudit.Staged, error)
	SaveOpinion(ctx context.Context, a cpaudit.Actor, campaignID, auditID, result, title string, upload cpaudit.Staged) (cpaudit.Opinion, error)
}

// Opinions issues opinions; it is built over storage (NewOpinions).
type Opinions struct {
	store OpinionStore
	now   func() time.Time
}

// NewOpinions returns an opinion issuer over store; now may be nil.
func NewOpinions(store OpinionStore, now func() time.Time) *Opinions {
	if now == nil {
		now = time.Now
	}
	return &Opinions{store: store, now: now}
}

// Template returns the tenant's opinion template and its file name, or
// the built-in default when the tenant has none.
func (o *Opinions) Template(ctx context.Context, a cpaudit.Actor) ([]byte, string, error) {
	docx, name, err := o.store.OpinionTemplate(ctx, a)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		d, err := DefaultOpinion()
		if err != nil {
			return nil, "", cpaudit.Internal("letter.Opinions.Template", err)
		}
		return d, DefaultOpinionName, nil
	}
	return docx, name, err
}

// Issue fills the tenant's opinion template with the reviews of audit
// auditID in campaign campaignID and stores it (storage's SaveOpinion:
// the document, the result, the milestone). conditions, trimmed, make a
// pass a pass with conditions; on a fail they are printed as they are.
// Errors as the store's OpinionBasis and SaveOpinion; KindInvalid for
// conditions too long.
func (o *Opinions) Issue(ctx context.Context, a cpaudit.Actor, campaignID, auditID, conditions string) (cpaudit.Opinion, error) {
	conditions = strings.TrimSpace(conditions)
	if !utf8.ValidString(conditions) || utf8.RuneCountInString(conditions) > cpaudit.MaxOpinionConditions {
		return cpaudit.Opinion{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTextTooLong, "conditions must be valid text of at most %d characters",
			cpaudit.MaxOpinionConditions).With("field", "conditions").With("max", strconv.Itoa(cpaudit.MaxOpinionConditions))
	}
	basis, err := o.store.OpinionBasis(ctx, a, campaignID, auditID)
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	result := OpinionFail
	if basis.Reviews.Result == cpaudit.ReviewPass {
		result = OpinionPass
		if conditions != "" {
			result = OpinionPassConditions
		}
	}
	tmpl, _, err := o.Template(ctx, a)
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	docx, err := FillOpinion(tmpl, OpinionFacts{Stage: basis.Campaign.Stage, Enterprise: basis.Enterprise,
		Consultancy: basis.Consultancy, Campaign: basis.Campaign.Name, Checklist: basis.Checklist, Reviews: basis.Reviews,
		Result: result, Conditions: conditions, Authority: basis.Authority,
		Date: o.now().In(cpaudit.ChinaLocation()).Format(time.DateOnly)})
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	st, err := o.store.Stage(bytes.NewReader(docx), int64(len(docx))+1)
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	defer st.Close()
	return o.store.SaveOpinion(ctx, a, campaignID, auditID, result, OpinionTitle(basis.Campaign.Stage), st)
}

// OpinionPlaceholders are the placeholders an opinion template may use,
// in the order a page lists them.
func OpinionPlaceholders() []string { return slices.Clone(knownOpinion) }
