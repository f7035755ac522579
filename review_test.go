package cpaudit_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestDrawReviewersNeverConflicts draws reviewers over random pools and
// seeds: no reviewer ever works for or declared a conflict with the
// audit's enterprise or consultancy, none is drawn twice for an audit,
// experts covering the industry come first, the same inputs in any order
// give the same draw, and too few eligible experts is a refusal naming
// the audit.
func TestDrawReviewersNeverConflicts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	orgs := []string{"o-企业甲", "o-企业乙", "o-咨询丙", "o-咨询丁", "o-大学", ""}
	industries := []string{"C26", "C2710", "C30", "D44"}
	for round := range 300 {
		var pool []cpaudit.ExpertProfile
		for i := range 3 + r.IntN(15) {
			p := cpaudit.ExpertProfile{UserID: fmt.Sprintf("u%02d", i), OrganisationID: orgs[r.IntN(len(orgs))]}
			for range r.IntN(3) {
				p.Conflicts = append(p.Conflicts, orgs[r.IntN(len(orgs)-1)])
			}
			for range r.IntN(2) {
				p.Industries = append(p.Industries, industries[r.IntN(len(industries))])
			}
			pool = append(pool, p)
		}
		var audits []cpaudit.ReviewedAudit
		for i := range 1 + r.IntN(5) {
			audits = append(audits, cpaudit.ReviewedAudit{AuditID: fmt.Sprintf("a%d", i), EnterpriseID: orgs[r.IntN(2)],
				ConsultancyID: orgs[2+r.IntN(4)], Industry: []string{"C2614", "C2710", "D4411"}[r.IntN(3)]})
		}
		k, seed := 1+r.IntN(3), r.Int64N(cpaudit.MaxSeed)
		got, err := cpaudit.DrawReviewers(audits, pool, k, seed)
		shuffled := slices.Clone(pool)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again, err2 := cpaudit.DrawReviewers(audits, shuffled, k, seed)
		if fmt.Sprint(got, err) != fmt.Sprint(again, err2) {
			t.Fatalf("round %d: the pool's order changed the draw: %v then %v", round, got, again)
		}
		byID := map[string]cpaudit.ExpertProfile{}
		for _, p := range pool {
			byID[p.UserID] = p
		}
		tooFew := false
		for i, a := range audits {
			eligible := 0
			coverers := 0
			for _, p := range pool {
				if !p.Conflicted(a) {
					eligible++
					if p.Covers(a.Industry) {
						coverers++
					}
				}
			}
			if eligible < k {
				if codeOf(err) != cpaudit.CodeReviewersTooFew || cpaudit.ErrorParams(err)["audit_id"] != a.AuditID {
					t.Fatalf("round %d: audit %s has %d eligible for %d: %v", round, a.AuditID, eligible, k, err)
				}
				tooFew = true
				break
			}
			if err != nil {
				continue // a later audit has too few: checked when reached
			}
			if len(got[i]) != k || len(slices.Compact(slices.Sorted(slices.Values(got[i])))) != k {
				t.Fatalf("round %d: audit %s drew %v, want %d distinct", round, a.AuditID, got[i], k)
			}
			for j, id := range got[i] {
				p := byID[id]
				for _, org := range []string{a.EnterpriseID, a.ConsultancyID} {
					if org != "" && (p.OrganisationID == org || slices.Contains(p.Conflicts, org)) {
						t.Fatalf("round %d: %s (%s, conflicts %v) reviews audit %+v", round, id, p.OrganisationID, p.Conflicts, a)
					}
				}
				if j < min(coverers, k) && !p.Covers(a.Industry) {
					t.Fatalf("round %d: %s does not cover %s, yet %d experts do", round, id, a.Industry, coverers)
				}
			}
		}
		if err != nil && !tooFew {
			t.Fatalf("round %d: %v, yet every audit has enough experts", round, err)
		}
	}
}

func TestDrawReviewersReproducible(t *testing.T) {
	var pool []cpaudit.ExpertProfile
	for i := range 30 {
		pool = append(pool, cpaudit.ExpertProfile{UserID: fmt.Sprintf("u%02d", i)})
	}
	audits := []cpaudit.ReviewedAudit{{AuditID: "a1", EnterpriseID: "e1"}, {AuditID: "a2", EnterpriseID: "e2"}}
	a, _ := cpaudit.DrawReviewers(audits, pool, 3, 42)
	b, _ := cpaudit.DrawReviewers(audits, pool, 3, 42)
	c, _ := cpaudit.DrawReviewers(audits, pool, 3, 43)
	if !slices.EqualFunc(a, b, slices.Equal) || slices.EqualFunc(a, c, slices.Equal) {
		t.Errorf("seed 42 drew %v then %v; seed 43 drew %v", a, b, c)
	}
	// The lot is documented: SHA-256 of seed, audit, 0, expert.
	lot := cpaudit.ReviewerLot(42, "a1", a[0][0])
	for _, p := range pool {
		if l := cpaudit.ReviewerLot(42, "a1", p.UserID); slices.Compare(l[:], lot[:]) < 0 {
			t.Errorf("%s has a lower lot than the first drawn %s", p.UserID, a[0][0])
		}
	}
}

func TestChecklistAndOutcome(t *testing.T) {
	for _, st := range []cpaudit.CampaignStage{cpaudit.StageAssessment, cpaudit.StageAcceptance} {
		var sum float64
		for _, it := range cpaudit.DefaultChecklist(st).Items {
			sum += it.Max
		}
		if sum != 100 {
			t.Errorf("%s checklist sums to %v", st, sum)
		}
	}
	cl := cpaudit.DefaultChecklist(cpaudit.StageAssessment)
	full := func(pts ...float64) []cpaudit.ItemScore {
		var out []cpaudit.ItemScore
		for i, it := range cl.Items {
			out = append(out, cpaudit.ItemScore{Item: it.Item, Points: pts[i]})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		r     cpaudit.NewReview
		score float64
		code  cpaudit.Code
	}{
		{"全部打分", cpaudit.NewReview{Items: full(28, 20, 20.5, 15), Comment: " 数据基本可信 "}, 83.5, ""},
		{"超出分值", cpaudit.NewReview{Items: full(31, 20, 20, 15)}, 0, cpaudit.CodeReviewPointsRange},
		{"负分", cpaudit.NewReview{Items: full(-1, 20, 20, 15)}, 0, cpaudit.CodeReviewPointsRange},
		{"缺项", cpaudit.NewReview{Items: full(1, 2, 3, 4)[:3]}, 0, cpaudit.CodeReviewItemMissing},
		{"重复", cpaudit.NewReview{Items: append(full(1, 2, 3, 4), cpaudit.ItemScore{Item: "targets_met"})}, 0, cpaudit.CodeReviewItemTwice},
		{"未知项", cpaudit.NewReview{Items: append(full(1, 2, 3, 4), cpaudit.ItemScore{Item: "美观"})}, 0, cpaudit.CodeReviewItemUnknown},
		{"未知否决", cpaudit.NewReview{Items: full(1, 2, 3, 4), Vetoes: []string{"迟到"}}, 0, cpaudit.CodeReviewVetoUnknown},
	} {
		score, err := cl.Check(&tc.r)
		if codeOf(err) != tc.code || score != tc.score {
			t.Errorf("%s: %v %v, want %v %s", tc.name, score, err, tc.score, tc.code)
		}
	}

	rv := func(score float64, vetoes ...string) cpaudit.Review {
		return cpaudit.Review{Score: score, Vetoes: vetoes}
	}
	for _, tc := range []struct {
		name     string
		assigned int
		reviews  []cpaudit.Review
		mean     float64
		result   string
	}{
		{"无人提交", 2, nil, -1, cpaudit.ReviewPending},
		{"一人提交", 2, []cpaudit.Review{rv(90)}, 90, cpaudit.ReviewPending},
		{"一人否决即不通过", 2, []cpaudit.Review{rv(95, "falsified_data")}, 95, cpaudit.ReviewFail},
		{"平均及格", 2, []cpaudit.Review{rv(80), rv(60)}, 70, cpaudit.ReviewPass},
		{"平均不及格", 3, []cpaudit.Review{rv(80), rv(60), rv(69)}, 69.67, cpaudit.ReviewFail},
		{"高分但否决", 2, []cpaudit.Review{rv(99), rv(98, "law_breach")}, 98.5, cpaudit.ReviewFail},
	} {
		ar := cpaudit.AuditReviews{Assigned: tc.assigned, Reviews: tc.reviews}
		ar.Outcome(cpaudit.DefaultPassMark)
		mean := -1.0
		if ar.Mean != nil {
			mean = *ar.Mean
		}
		if mean != tc.mean || ar.Result != tc.result {
			t.Errorf("%s: mean %v result %s, want %v %s", tc.name, mean, ar.Result, tc.mean, tc.result)
		}
	}
}

func codeOf(err error) cpaudit.Code {
	if err == nil {
		return ""
	}
	return cpaudit.ErrorCode(err)
}
