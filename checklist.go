package cpaudit

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// A tenant's own scoring checklists (issue 18): each stage may replace the
// built-in DefaultChecklist with its items (points), veto items and pass
// mark. A campaign keeps the checklist its stage had when it was drawn,
// so a later edit never changes the scale of reviews already given.

// MaxChecklistItems bounds a checklist's scored items and its veto items.
const MaxChecklistItems = 30

// ChecklistTotal is what a checklist's points sum to: the opinion and the
// pass mark speak of a score out of 100.
const ChecklistTotal = 100

var checklistKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Validate checks and normalises a checklist a tenant sets for stage:
// 1 to MaxChecklistItems items whose points sum to ChecklistTotal, each
// with a key (lower-case letters, digits, _) and a name; at most
// MaxChecklistItems veto items; keys unique across both; a pass mark
// above 0 and at most ChecklistTotal. KindUnprocessable
// (checklist_invalid, with the field and why) otherwise.
func (c *Checklist) Validate(stage CampaignStage) error {
	bad := func(field, why string, args ...any) error {
		return Refuse(KindUnprocessable, CodeChecklistInvalid, "checklist %s: "+why, append([]any{field}, args...)...).With("field", field)
	}
	switch stage {
	case StageInProgress, StageAssessment, StageAcceptance, StageAfterAcceptance:
	default:
		return Refuse(KindUnprocessable, CodeCampaignStageUnknown,
			"stage %q: use in_progress, assessment, acceptance or after_acceptance", stage).With("value", string(stage))
	}
	c.Stage, c.MissingRequirements = stage, nil
	if len(c.Items) == 0 || len(c.Items) > MaxChecklistItems {
		return bad("items", "between 1 and %d items", MaxChecklistItems)
	}
	if len(c.Vetoes) > MaxChecklistItems {
		return bad("vetoes", "at most %d veto items", MaxChecklistItems)
	}
	seen := map[string]bool{}
	key := func(field, k string) error {
		if !checklistKeyRE.MatchString(k) {
			return bad(field, "key %q: lower-case letters, digits and _, starting with a letter", k)
		}
		if k == VetoMissingRequirement { // WithMissingRequirements adds it
			return bad(field, "key %q is reserved", k)
		}
		if seen[k] {
			return bad(field, "key %q used twice", k)
		}
		seen[k] = true
		return nil
	}
	var sum float64
	for i := range c.Items {
		it := &c.Items[i]
		it.Item, it.Name = strings.TrimSpace(it.Item), strings.TrimSpace(it.Name)
		if err := key("items", it.Item); err != nil {
			return err
		}
		if err := ValidateName("items", it.Name, 100); err != nil {
			return err
		}
		if math.IsNaN(it.Max) || it.Max <= 0 || it.Max > ChecklistTotal || math.Round(it.Max*100) != it.Max*100 {
			return bad("items", "item %q: points above 0 and at most %d, to two decimals", it.Item, ChecklistTotal)
		}
		sum += it.Max
	}
	if math.Abs(sum-ChecklistTotal) > 0.001 {
		return bad("items", "the points sum to %s, not %d", strconv.FormatFloat(sum, 'f', -1, 64), ChecklistTotal)
	}
	for i := range c.Vetoes {
		v := &c.Vetoes[i]
		v.Item, v.Name = strings.TrimSpace(v.Item), strings.TrimSpace(v.Name)
		if err := key("vetoes", v.Item); err != nil {
			return err
		}
		if err := ValidateName("vetoes", v.Name, 100); err != nil {
			return err
		}
	}
	if c.Vetoes == nil {
		c.Vetoes = []VetoItem{}
	}
	if math.IsNaN(c.PassMark) || c.PassMark <= 0 || c.PassMark > ChecklistTotal {
		return bad("pass_mark", "above 0 and at most %d", ChecklistTotal)
	}
	return nil
}
