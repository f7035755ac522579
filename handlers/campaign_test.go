package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

type campaignJSON struct {
	ID         string   `json:"id"`
	Seed       int64    `json:"seed"`
	Population int      `json:"population"`
	AuditIDs   []string `json:"audit_ids"`
	Strata     []string `json:"strata"`
}

// TestCampaignsAPI draws spot-check campaigns through the contract's
// routes: reproducible by seed, strata honoured, the population the
// caller's reach, refusals with their codes, and the draw in the audit log.
func TestCampaignsAPI(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ctx := context.Background()
	sys := w.sys
	// Twelve more self-audits in Shijiazhuang (130100), and a Tangshan
	// office whose regulator sees none of them.
	for i := 1; i <= 12; i++ {
		w.enterpriseOf(i, fmt.Sprintf("石家庄第%d化工有限公司", i))
	}
	office, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "唐山市生态环境局", Region: "130200"})
	if err != nil {
		t.Fatal(err)
	}
	tangshan := e.user(sys, "li@ts.gov.cn", cpaudit.RoleRegulator, office.ID)

	body := map[string]any{"name": "2026年评估抽查", "stage": "assessment", "size": 4, "seed": 20261207,
		"strata": []string{"per_consultancy"}, "filter": map[string]any{"region": "130000"}}
	var first campaignJSON
	if status, raw := e.postJSON("/api/v1/campaigns", w.regulator, body, &first); status != 201 {
		t.Fatalf("create: %d %s", status, raw)
	}
	if first.Population != 13 || len(first.AuditIDs) != 4 || first.Seed != 20261207 || !slices.Contains(first.AuditIDs, w.auditID) {
		t.Fatalf("campaign %+v: want 4 of 13 with the one consultancy's audit %s", first, w.auditID)
	}
	var again campaignJSON
	if status, raw := e.postJSON("/api/v1/campaigns", w.admin, body, &again); status != 201 || !slices.Equal(first.AuditIDs, again.AuditIDs) || again.ID == first.ID {
		t.Fatalf("the same rules and seed drew %v, then %v (%d %s)", first.AuditIDs, again.AuditIDs, status, raw)
	}
	var read campaignJSON
	if status := e.getJSON("/api/v1/campaigns/"+first.ID, w.regulator, &read); status != 200 || !slices.Equal(read.AuditIDs, first.AuditIDs) || read.Population != 13 {
		t.Fatalf("read back: %d %+v", status, read)
	}
	// A seed left out is drawn and answered.
	delete(body, "seed")
	var drawn campaignJSON
	if status, raw := e.postJSON("/api/v1/campaigns", w.regulator, body, &drawn); status != 201 || drawn.Seed < 0 || len(drawn.AuditIDs) != 4 {
		t.Fatalf("drawn seed: %d %s", status, raw)
	}

	// Tangshan's office reaches no audit of Shijiazhuang, nor the
	// province's campaign.
	status, raw := e.postJSON("/api/v1/campaigns", tangshan, body, nil)
	if status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeCampaignPopulationEmpty) {
		t.Errorf("Tangshan's empty population: %d %s", status, raw)
	}
	if status := e.getJSON("/api/v1/campaigns/"+first.ID, tangshan, nil); status != 404 {
		t.Errorf("Tangshan reads the province's campaign: %d", status)
	}
	for _, who := range []string{w.consultant, w.otherAdmin} {
		if status := e.getJSON("/api/v1/campaigns/"+first.ID, who, nil); status != 404 {
			t.Errorf("campaign read by a consultant or another tenant: %d", status)
		}
	}
	if status, raw := e.postJSON("/api/v1/campaigns", w.consultant, body, nil); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeCampaignNotAllowed) {
		t.Errorf("a consultant draws: %d %s", status, raw)
	}
	for _, tc := range []struct {
		change map[string]any
		status int
		code   cpaudit.Code
	}{
		{map[string]any{"stage": "review"}, 422, cpaudit.CodeCampaignStageUnknown},
		{map[string]any{"size": 0}, 422, cpaudit.CodeCampaignSizeRange},
		{map[string]any{"strata": []string{"everything"}}, 422, cpaudit.CodeCampaignStratumUnknown},
		{map[string]any{"filter": map[string]any{"batch_id": "b-none"}}, 404, cpaudit.CodeNotFound},
		// One consultancy, and flagged audits none: a size of 1 holds it,
		// 13 audits in a sample of 20 are all of them.
		{map[string]any{"size": 20}, 201, ""},
	} {
		in := map[string]any{}
		for k, v := range body {
			in[k] = v
		}
		for k, v := range tc.change {
			in[k] = v
		}
		status, raw := e.postJSON("/api/v1/campaigns", w.admin, in, nil)
		if status != tc.status || (tc.code != "" && refusalCode(t, status, raw) != string(tc.code)) {
			t.Errorf("%v: %d %s, want %d %s", tc.change, status, raw, tc.status, tc.code)
		}
	}

	// The draw is in the hash-chained audit log: seed, population, sample.
	entries, err := e.store.ObjectLog(ctx, sys, "campaign", first.ID, 10)
	if err != nil || len(entries) != 1 || entries[0].Action != "campaign.create" {
		t.Fatalf("log: %+v %v", entries, err)
	}
	var d struct {
		Seed             int64    `json:"seed"`
		Population       int      `json:"population"`
		PopulationSHA256 string   `json:"population_sha256"`
		AuditIDs         []string `json:"audit_ids"`
	}
	if err := json.Unmarshal([]byte(entries[0].Detail), &d); err != nil || d.Seed != 20261207 || d.Population != 13 ||
		len(d.PopulationSHA256) != 64 || !slices.Equal(d.AuditIDs, first.AuditIDs) {
		t.Errorf("log detail %s (%v)", entries[0].Detail, err)
	}
}

// refusalCode checks a refusal is a problem document with a declared code
// (problemOf; its content type is checked for every API answer by
// checkAPI) and returns the code.
func refusalCode(t *testing.T, status int, raw []byte) string {
	t.Helper()
	problemOf(t, status, raw, http.Header{"Content-Type": {"application/problem+json"}})
	var p struct{ Code string }
	json.Unmarshal(raw, &p)
	return p.Code
}

// TestCampaignFilterFlaggedAndDates: the population filters of issue 18
// beyond the contract's: flagged or not, and the audits' start days; and
// the proportional stratum through the API.
func TestCampaignFilterFlaggedAndDates(t *testing.T) {
	w := newWorld(t)
	e := w.e
	for i := 1; i <= 5; i++ {
		w.enterpriseOf(i, fmt.Sprintf("石家庄第%d化工有限公司", i))
	}
	today := time.Now().In(cpaudit.ChinaLocation()).Format(time.DateOnly)
	tomorrow := time.Now().In(cpaudit.ChinaLocation()).AddDate(0, 0, 1).Format(time.DateOnly)
	draw := func(filter map[string]any, strata ...string) (int, campaignJSON, []byte) {
		var c campaignJSON
		status, raw := e.postJSON("/api/v1/campaigns", w.regulator, map[string]any{"name": "筛选抽查", "stage": "assessment", "size": 3,
			"seed": 5, "filter": filter, "strata": strata}, &c)
		return status, c, raw
	}
	if status, c, raw := draw(map[string]any{"started_from": today, "started_to": today}); status != 201 || c.Population != 6 {
		t.Errorf("started today: %d %s", status, raw)
	}
	for name, f := range map[string]map[string]any{
		"started from tomorrow":  {"started_from": tomorrow},
		"a range ending earlier": {"started_from": today, "started_to": "2020-01-01"},
		"only flagged (none is)": {"flagged": true},
	} {
		if status, _, raw := draw(f); status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeCampaignPopulationEmpty) {
			t.Errorf("%s: %d %s", name, status, raw)
		}
	}
	if status, c, raw := draw(map[string]any{"flagged": false}); status != 201 || c.Population != 6 {
		t.Errorf("only unflagged: %d %s", status, raw)
	}
	if status, _, raw := draw(map[string]any{"started_to": "2026-02-30"}); status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeDateInvalid) {
		t.Errorf("a bad date: %d %s", status, raw)
	}
	if status, c, raw := draw(nil, "proportional_city"); status != 201 || len(c.AuditIDs) != 3 || !slices.Equal(c.Strata, []string{"proportional_city"}) {
		t.Errorf("proportional by city: %d %s", status, raw)
	}
	if status, _, raw := draw(nil, "proportional_city", "proportional_county"); status != 422 {
		t.Errorf("both proportional strata: %d %s", status, raw)
	}
}
