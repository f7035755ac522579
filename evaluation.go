package cpaudit

import (
	"slices"
	"strconv"
	"time"
)

// The comprehensive evaluation of consultancies (咨询机构综合评价) and the
// record of expert reviewers, per period. The weights are the tenant's
// (an admin sets them; DefaultEvaluationWeights otherwise) and every page
// that shows a score shows them, so a firm can redo the arithmetic.

// EvaluationWeights are the points a firm loses per counted fact, the
// share of its expert review scores, the pass mark, and the days an
// expert has for a review.
type EvaluationWeights struct {
	Minor          int `json:"minor"`           // per minor finding
	Major          int `json:"major"`           // per major finding
	Overdue        int `json:"overdue"`         // per rectification still open past its due date
	Late           int `json:"late"`            // per rectification answered after its due date
	Reopened       int `json:"reopened"`        // per rectification sent back
	ObligationLate int `json:"obligation_late"` // per obligation of its audits that went overdue
	ConfirmedFlag  int `json:"confirmed_flag"`  // per flag a regulator confirmed on its audits
	ReviewShare    int `json:"review_share"`    // percent of the score from the mean expert review score, when there are reviews
	PassMark       int `json:"pass_mark"`       // below it the firm is 不合格 even without a veto
	ReviewDays     int `json:"review_days"`     // an expert's review is on time within these days of the assignment
}

// DefaultEvaluationWeights are the weights of a tenant that set none.
func DefaultEvaluationWeights() EvaluationWeights {
	return EvaluationWeights{Minor: 5, Major: 20, Overdue: 10, Late: 5, Reopened: 5, ObligationLate: 5,
		ConfirmedFlag: 0, ReviewShare: 40, PassMark: 60, ReviewDays: 15}
}

// Validate refuses a weight out of bounds: deductions 0..100, the review
// share and the pass mark 0..100, review days 1..365
// (KindUnprocessable, evaluation_weights_invalid, with the field).
func (w EvaluationWeights) Validate() error {
	for _, f := range []struct {
		name     string
		v, lo, h int
	}{
		{"minor", w.Minor, 0, 100}, {"major", w.Major, 0, 100}, {"overdue", w.Overdue, 0, 100}, {"late", w.Late, 0, 100},
		{"reopened", w.Reopened, 0, 100}, {"obligation_late", w.ObligationLate, 0, 100}, {"confirmed_flag", w.ConfirmedFlag, 0, 100},
		{"review_share", w.ReviewShare, 0, 100}, {"pass_mark", w.PassMark, 0, 100}, {"review_days", w.ReviewDays, 1, 365},
	} {
		if f.v < f.lo || f.v > f.h {
			return Refuse(KindUnprocessable, CodeEvaluationWeightsInvalid, "%s must be between %d and %d", f.name, f.lo, f.h).
				With("field", f.name).With("min", strconv.Itoa(f.lo)).With("max", strconv.Itoa(f.h))
		}
	}
	return nil
}

// EvalPeriod is the span an evaluation covers: a calendar year in China, or
// one quarter of it (Quarter 1..4; 0 the whole year).
type EvalPeriod struct {
	Year    int `json:"year"`
	Quarter int `json:"quarter,omitempty"`
}

// Span is the period in loc: [start, end).
func (p EvalPeriod) Span(loc *time.Location) (time.Time, time.Time) {
	if p.Quarter == 0 {
		return YearIn(p.Year, loc)
	}
	start := time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 3, 0)
}

// Dates is the period as the first and last days, YYYY-MM-DD.
func (p EvalPeriod) Dates(loc *time.Location) (string, string) {
	start, end := p.Span(loc)
	return start.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
}

// EvaluatedFinding is a finding with what the evaluation counts of its
// rectification, read by the store.
type EvaluatedFinding struct {
	Finding
	AnsweredLate bool // first answered (or closed) after its due date
	AnsweredOn   bool // first answered or closed on or before its due date
	Returns      int  // times sent back
	// Confirmed: a regulator or an admin recorded it, confirmed the flag it
	// came from, or closed or sent it back; only then may it veto.
	Confirmed bool
}

// EvaluationFacts are the inputs of one firm's evaluation for a period.
type EvaluationFacts struct {
	Findings        []EvaluatedFinding // recorded in the period, oldest first
	ReviewScores    []float64          // expert review scores (0..100) of its audits submitted in the period
	ObligationsLate int                // obligations of its audits that went overdue in the period
	ConfirmedFlags  int                // flags confirmed in the period on its audits
}

// Evaluation is a consultancy's record for a period: the score and what
// it is made of, and whether a confirmed finding vetoes it whatever the
// score (一票否决).
type Evaluation struct {
	ConsultancyID   string            `json:"consultancy_id"`
	Name            string            `json:"name,omitempty"`
	Year            int               `json:"year"`
	Quarter         int               `json:"quarter,omitempty"`
	Score           int               `json:"score"`
	Vetoed          bool              `json:"vetoed"`
	VetoFindingIDs  []string          `json:"veto_finding_ids"`
	VetoCategories  []FindingCategory `json:"veto_categories"` // of those findings, in their order
	Qualified       bool              `json:"qualified"`       // not vetoed and at or above the pass mark (合格)
	Findings        int               `json:"findings"`        // findings counted
	Major           int               `json:"major"`
	Minor           int               `json:"minor"`
	Overdue         int               `json:"overdue"`          // rectifications still open past their due date
	OnTime          int               `json:"on_time"`          // rectifications answered by their due date
	Late            int               `json:"late"`             // rectifications answered after their due date
	Reopened        int               `json:"reopened"`         // times a rectification was sent back
	ObligationsLate int               `json:"obligations_late"` // obligations of its audits that went overdue
	ConfirmedFlags  int               `json:"confirmed_flags"`
	Reviews         int               `json:"reviews"`        // expert reviews of its audits
	ReviewAverage   float64           `json:"review_average"` // their mean score, 0 without reviews
	Deduction       int               `json:"deduction"`      // 100 less the points lost, floored at 0
	Weights         EvaluationWeights `json:"weights"`
}

// EvaluationFullScore is the score of a firm with nothing against it.
const EvaluationFullScore = 100

// Evaluate rates a consultancy for a period. The deduction part is 100
// less, per fact, its weight (minor and major findings, rectifications
// overdue, answered late, sent back, obligations gone overdue, confirmed
// flags), never below 0. With expert reviews the score is
// (100−ReviewShare)% of it plus ReviewShare% of their mean; without, it
// is the deduction part alone. Rounded to the nearest point. A confirmed
// finding of a veto category vetoes the firm (named in VetoFindingIDs, in
// the order given) whatever the score. A finding counts whatever its state:
// a rectified problem was still a problem.
func Evaluate(consultancyID string, p EvalPeriod, w EvaluationWeights, facts EvaluationFacts) Evaluation {
	ev := Evaluation{ConsultancyID: consultancyID, Year: p.Year, Quarter: p.Quarter, VetoFindingIDs: []string{}, VetoCategories: []FindingCategory{}, Weights: w,
		ObligationsLate: facts.ObligationsLate, ConfirmedFlags: facts.ConfirmedFlags, Reviews: len(facts.ReviewScores)}
	lost := facts.ObligationsLate*w.ObligationLate + facts.ConfirmedFlags*w.ConfirmedFlag
	for _, f := range facts.Findings {
		ev.Findings++
		if f.Severity == SeverityMajor {
			ev.Major++
			lost += w.Major
		} else {
			ev.Minor++
			lost += w.Minor
		}
		switch {
		case f.Overdue:
			ev.Overdue++
			lost += w.Overdue
		case f.AnsweredLate:
			ev.Late++
			lost += w.Late
		case f.AnsweredOn:
			ev.OnTime++
		}
		ev.Reopened += f.Returns
		lost += f.Returns * w.Reopened
		if f.Category.Veto() && f.Confirmed {
			ev.Vetoed = true
			ev.VetoFindingIDs = append(ev.VetoFindingIDs, f.ID)
			ev.VetoCategories = append(ev.VetoCategories, f.Category)
		}
	}
	ev.Deduction = max(EvaluationFullScore-lost, 0)
	score := float64(ev.Deduction)
	if ev.Reviews > 0 {
		sum := 0.0
		for _, s := range facts.ReviewScores {
			sum += s
		}
		ev.ReviewAverage = sum / float64(ev.Reviews)
		score = float64(100-w.ReviewShare)/100*score + float64(w.ReviewShare)/100*ev.ReviewAverage
	}
	ev.Score = int(score + 0.5)
	ev.Qualified = !ev.Vetoed && ev.Score >= w.PassMark
	return ev
}

// RankEvaluations orders firms for the ranking page: qualified firms by
// score, then firms below the pass mark by score, then vetoed firms by
// score; ties by name. A veto puts a firm below every firm without one,
// whatever the scores.
func RankEvaluations(evs []Evaluation) {
	band := func(e Evaluation) int {
		switch {
		case e.Vetoed:
			return 2
		case !e.Qualified:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(evs, func(a, b Evaluation) int {
		if d := band(a) - band(b); d != 0 {
			return d
		}
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}

// ExpertRecord is an expert reviewer's record for a period: the reviews
// assigned in it, done, on time (within ReviewDays of the assignment),
// late, still pending, and the mean score given.
type ExpertRecord struct {
	ExpertID     string  `json:"expert_id"`
	Email        string  `json:"email"`
	Assigned     int     `json:"assigned"`
	Done         int     `json:"done"`
	OnTime       int     `json:"on_time"`
	Late         int     `json:"late"`
	Pending      int     `json:"pending"`
	Overdue      int     `json:"overdue"` // pending past ReviewDays
	AverageScore float64 `json:"average_score"`
}
