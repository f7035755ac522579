//go:build benchseed

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage"
)

// industries are GB/T 4754 classes of the audited trades (chemicals,
// pharmaceuticals, dyeing, paper, steel, cement, power, ...).
var industries = []string{"C2614", "C2619", "C2621", "C2631", "C2710", "C2720", "C2740", "C1713", "C1752", "C1910",
	"C2211", "C2221", "C3011", "C3041", "C3110", "C3120", "C3130", "C3216", "C3311", "C3360", "D4411", "C1511", "C1512", "C2511"}

// counties spreads 170 counties over Hebei's 11 cities (15 or 16 each).
func counties() []string {
	var out []string
	for city := 1; city <= 11; city++ {
		n := 15
		if city <= 5 {
			n = 16
		}
		for k := 0; k < n; k++ {
			out = append(out, fmt.Sprintf("13%02d%02d", city, k+2))
		}
	}
	return out
}

func date(t time.Time) string { return cpaudit.DateIn(t, cpaudit.ChinaLocation()) }

// generate creates the consultancies and batches through the store and
// returns c.n enterprises with random audits for SeedAuditsForBench.
func generate(ctx context.Context, store *storage.Store, sys cpaudit.Actor, rng *rand.Rand, c config) ([]storage.SeedAudit, error) {
	var consultancies []string
	for i := 0; i < c.consultancies; i++ {
		first17 := fmt.Sprintf("91130000MB%07d", i)
		o, err := store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgConsultancy,
			Name: fmt.Sprintf("河北第%d环保咨询有限公司", i+1), CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))})
		if err != nil {
			return nil, err
		}
		consultancies = append(consultancies, o.ID)
	}
	type batch struct {
		id    string
		start time.Time
	}
	var batches []batch
	for i, b := range []struct {
		year, number int
		start        string
		o            cpaudit.Obligations
	}{
		{2025, 1, "2025-01-15", cpaudit.Obligations{Register: "2025-02-28", Disclose: "2025-03-31", ApplyAssessment: "2025-09-30",
			AssessmentDone: "2025-11-30", ImplementationDone: "2026-06-30", ApplyAcceptance: "2026-09-30", AcceptanceDone: "2026-12-31"}},
		{2025, 2, "2025-04-15", cpaudit.Obligations{Register: "2025-05-31", Disclose: "2025-06-30", ApplyAssessment: "2025-12-31",
			AssessmentDone: "2026-02-28", ImplementationDone: "2026-09-30", ApplyAcceptance: "2026-12-31", AcceptanceDone: "2027-03-31"}},
		{2026, 1, "2026-01-15", cpaudit.Obligations{Register: "2026-02-28", Disclose: "2026-03-31", ApplyAssessment: "2026-09-30",
			AssessmentDone: "2026-11-30", ImplementationDone: "2027-06-30", ApplyAcceptance: "2027-09-30", AcceptanceDone: "2027-12-31"}},
	} {
		nb, err := store.CreateBatch(ctx, sys, cpaudit.Batch{Year: b.year, Number: b.number,
			Name: fmt.Sprintf("%d年第%d批", b.year, b.number), Obligations: b.o})
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
		start, _ := time.ParseInLocation(time.DateOnly, b.start, cpaudit.ChinaLocation())
		batches = append(batches, batch{nb.ID, start})
	}
	now := time.Now()
	cs := counties()
	states := []cpaudit.StepState{cpaudit.StepNotStarted, cpaudit.StepInProgress, cpaudit.StepSubmitted, cpaudit.StepReturned}
	out := make([]storage.SeedAudit, c.n)
	for i := range out {
		b := batches[rng.IntN(len(batches))]
		created := b.start.Add(time.Duration(rng.IntN(30*24)) * time.Hour)
		if created.After(now) {
			created = now.Add(-time.Hour)
		}
		changed := created.Add(time.Duration(rng.Int64N(int64(now.Sub(created)))))
		first17 := fmt.Sprintf("91130000MA%07d", i)
		sa := storage.SeedAudit{
			Enterprise: cpaudit.Organisation{Name: fmt.Sprintf("河北%05d号化工有限公司", i+1), Region: cs[rng.IntN(len(cs))],
				Industry: industries[rng.IntN(len(industries))], CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))},
			BatchID: b.id, CreatedAt: created, ChangedAt: changed,
			Accepted: min(35, rng.IntN(40)), Current: states[rng.IntN(len(states))],
		}
		if rng.Float64() > 0.15 {
			sa.ConsultancyID = consultancies[rng.IntN(len(consultancies))]
		}
		day := func(t time.Time) string {
			if t.After(now) {
				t = now
			}
			return date(t)
		}
		if rng.Float64() < 0.8 {
			sa.Milestones = append(sa.Milestones, cpaudit.Milestone{Obligation: "disclose", Date: day(created.AddDate(0, 0, 20+rng.IntN(40)))})
		}
		if sa.Accepted >= cpaudit.AssessmentLastStep && rng.Float64() < 0.7 {
			sa.Milestones = append(sa.Milestones, cpaudit.Milestone{Obligation: "assessment_done", Date: day(changed), Result: cpaudit.ResultPass})
			if sa.Accepted == cpaudit.StepCount && rng.Float64() < 0.6 {
				sa.Milestones = append(sa.Milestones, cpaudit.Milestone{Obligation: "acceptance_done", Date: day(changed), Result: cpaudit.ResultPass})
			}
		}
		out[i] = sa
	}
	return out, nil
}
