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

// industries are GB/T 4754 classes of the audited trades.
var industries = []string{"C2614", "C2619", "C2621", "C2631", "C2710", "C2720", "C2740", "C1713", "C1752", "C1910",
	"C2211", "C2221", "C3011", "C3041", "C3110", "C3120", "C3130", "C3216", "C3311", "C3360", "D4411", "C1511", "C1512", "C2511"}

// counties spreads 170 counties over Hebei's 11 cities.
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

// generate makes the consultancies and batches through the store and
// returns c.n enterprises with their audits for SeedAuditsForBench.
func generate(ctx context.Context, store *storage.Store, sys cpaudit.Actor, rng *rand.Rand, c config) ([]storage.SeedAudit, error) {
	var consultancies, batches []string
	for i := 0; i < 40; i++ {
		first17 := fmt.Sprintf("91130000MB%07d", i)
		o, err := store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgConsultancy,
			Name: fmt.Sprintf("河北第%d环保咨询有限公司", i+1), CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))})
		if err != nil {
			return nil, err
		}
		consultancies = append(consultancies, o.ID)
	}
	for i, y := range []int{2024, 2025, 2026} {
		b, err := store.CreateBatch(ctx, sys, cpaudit.Batch{Year: y, Number: 1, Name: fmt.Sprintf("%d年第1批", y)})
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
		batches = append(batches, b.ID)
	}
	cs := counties()
	now := time.Now()
	out := make([]storage.SeedAudit, c.n)
	for i := range out {
		created := now.Add(-time.Duration(24*(30+rng.IntN(700))) * time.Hour)
		first17 := fmt.Sprintf("91130000MA%07d", i)
		sa := storage.SeedAudit{
			Enterprise: cpaudit.Organisation{Name: fmt.Sprintf("河北%05d号化工有限公司", i+1), Region: cs[rng.IntN(len(cs))],
				Industry: industries[rng.IntN(len(industries))], CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))},
			CreatedAt: created, ChangedAt: created.Add(24 * time.Hour), Accepted: min(35, rng.IntN(40)), Current: cpaudit.StepInProgress,
		}
		if rng.Float64() < 0.9 {
			sa.BatchID = batches[rng.IntN(len(batches))]
		}
		if rng.Float64() > 0.15 {
			sa.ConsultancyID = consultancies[rng.IntN(len(consultancies))]
		}
		out[i] = sa
	}
	return out, nil
}

var statuses = []cpaudit.OptionStatus{cpaudit.OptionProposed, cpaudit.OptionScreened, cpaudit.OptionFeasible,
	cpaudit.OptionImplemented, cpaudit.OptionImplemented, cpaudit.OptionVerified, cpaudit.OptionVerified, cpaudit.OptionVerified}

// options makes n options of one audit: figures as auditors state them
// (an investment for most, a benefit for many, two or three reductions).
func options(rng *rand.Rand, n int) []cpaudit.AuditOption {
	reductions := []cpaudit.Quantity{cpaudit.QtyCOD, cpaudit.QtyAmmonia, cpaudit.QtySO2, cpaudit.QtyNOx, cpaudit.QtyVOCs,
		cpaudit.QtyCO2, cpaudit.QtyWater, cpaudit.QtyElectricity, cpaudit.QtyEnergy, cpaudit.QtySolidWaste}
	out := make([]cpaudit.AuditOption, n)
	for i := range out {
		figs := map[cpaudit.Quantity]float64{}
		if rng.Float64() < 0.9 {
			figs[cpaudit.QtyInvestment] = float64(1000 * (1 + rng.IntN(5000)))
		}
		if rng.Float64() < 0.7 {
			figs[cpaudit.QtyBenefit] = float64(100 * (1 + rng.IntN(10000)))
		}
		for k := 0; k < 2+rng.IntN(2); k++ {
			figs[reductions[rng.IntN(len(reductions))]] = float64(1+rng.IntN(100000)) / 100
		}
		cat := cpaudit.OptionLowCost
		if rng.IntN(3) == 0 {
			cat = cpaudit.OptionHighCost
		}
		out[i] = cpaudit.AuditOption{Code: fmt.Sprintf("F%d", i+1), Name: fmt.Sprintf("清洁生产方案%d", i+1), Category: cat,
			Status: statuses[rng.IntN(len(statuses))], Figures: figs}
	}
	return out
}

// office is a regulator office with a user, an API token and a session.
type office struct {
	actor         cpaudit.Actor
	token, cookie string
}

func login(ctx context.Context, store *storage.Store, sys cpaudit.Actor, region string) (*office, error) {
	org, err := store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "生态环境厅 " + region, Region: region})
	if err != nil {
		return nil, err
	}
	u, err := store.CreateUser(ctx, sys, cpaudit.NewUser{Email: "reg@hebei.gov.cn", Role: cpaudit.RoleRegulator,
		Password: "bench-password-2026", OrgID: org.ID})
	if err != nil {
		return nil, err
	}
	l := &office{actor: cpaudit.Actor{TenantID: sys.TenantID, UserID: u.ID, Email: u.Email, Role: cpaudit.RoleRegulator, OrgID: org.ID, Region: region}}
	if l.token, _, err = store.CreateToken(ctx, sys, u.ID, "bench"); err != nil {
		return nil, err
	}
	sessUser, err := store.UserByToken(ctx, l.token)
	if err != nil {
		return nil, err
	}
	l.cookie, _, err = store.CreateSession(ctx, sessUser, "127.0.0.1", 2*time.Hour)
	return l, err
}
