package handlers_test

import (
	"net/url"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestSearchFollowsVisibilityChanges moves an enterprise from Tangshan
// (130203) to Shijiazhuang (130102) and gives its audit to another
// consultancy: from the moment each PATCH answers, every caller's count
// is what it may open — before the indexer has rewritten the document,
// and after. A regulator also never counts what an organisation of its
// region uploaded outside any audit, which it may not open.
func TestSearchFollowsVisibilityChanges(t *testing.T) {
	w := newWorld(t)
	e := w.e
	ctx := t.Context()
	sys := w.sys
	tsEnt, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "唐山钢铁有限公司",
		CreditCode: "91130200MA0CCCCC3" + string(cpaudit.CreditCodeCheck("91130200MA0CCCCC3")), Industry: "C3110", Region: "130203"})
	if err != nil {
		t.Fatal(err)
	}
	rivalFirm := e.org(sys, cpaudit.OrgConsultancy, "蓝天咨询", "91130200MA0DDDDD4")
	rival := e.user(sys, "wang@lantian.cn", cpaudit.RoleConsultant, rivalFirm.ID)
	au, err := e.store.CreateAudit(ctx, sys, tsEnt.ID, rivalFirm.ID)
	if err != nil {
		t.Fatal(err)
	}
	owner := e.user(sys, "boss@ts-steel.cn", cpaudit.RoleEnterprise, tsEnt.ID)
	regulator := func(region, email string) string {
		o, err := e.store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: region + "生态环境局", Region: region})
		if err != nil {
			t.Fatal(err)
		}
		return e.user(sys, email, cpaudit.RoleRegulator, o.ID)
	}
	ts, sjz := regulator("130200", "ts@hebei.gov.cn"), regulator("130100", "sjz@hebei.gov.cn")

	// Uploaded by the enterprise: the firm reads it through the audit only.
	doc := e.uploadText(owner, [][2]string{{"kind", "report"}, {"audit_id", au.ID}}, "report.txt", []byte("高炉煤气余压发电改造方案"))
	// Outside any audit: its region is Tangshan's, its readers are the
	// enterprise (and admins), not the Tangshan office.
	loose := e.uploadText(owner, [][2]string{{"kind", "other"}}, "note.txt", []byte("高炉煤气内部备忘"))
	e.process()

	type seen struct {
		who, token string
		params     url.Values
		want       int
	}
	q := func(extra ...string) url.Values {
		v := url.Values{"q": {"高炉煤气"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	check := func(when string, cases []seen) {
		t.Helper()
		for _, c := range cases {
			ans := e.search(c.token, c.params)
			if ans.Total != c.want || len(ans.Hits) != c.want {
				t.Errorf("%s: %s searches %s: total %d, %d hits; want %d", when, c.who, c.params.Encode(), ans.Total, len(ans.Hits), c.want)
			}
			// Counted is openable, hit by hit.
			for _, h := range ans.Hits {
				if status := e.getJSON("/api/v1/documents/"+h.DocumentID, c.token, nil); status != 200 {
					t.Errorf("%s: %s counts %s but opens it with %d", when, c.who, h.DocumentID, status)
				}
			}
		}
	}
	pending := func() int {
		t.Helper()
		var st cpaudit.SearchStatus
		if status := e.getJSON("/api/v1/status", w.admin, &st); status != 200 {
			t.Fatalf("status: %d", status)
		}
		return st.IndexPending
	}
	patch := func(path string, body map[string]any) {
		t.Helper()
		if status, b := (&orgWorld{stepWorld: &stepWorld{world: w}}).send(t, "PATCH", path, w.admin, body); status != 200 {
			t.Fatalf("PATCH %s: %d %s", path, status, b)
		}
	}

	inTangshan := []seen{
		{"Tangshan", ts, q(), 1}, {"Shijiazhuang", sjz, q(), 0},
		{"the admin, filtering on Tangshan", w.admin, q("region", "130200"), 2}, {"the admin, filtering on Shijiazhuang", w.admin, q("region", "130100"), 0},
		{"the enterprise", owner, q(), 2},
	}
	check("before", inTangshan)
	if status := e.getJSON("/api/v1/documents/"+loose, ts, nil); status != 404 {
		t.Fatalf("Tangshan opens the enterprise's note: %d", status)
	}

	patch("/api/v1/organisations/"+tsEnt.ID, map[string]any{"region": "130102"})
	inShijiazhuang := []seen{
		{"Tangshan", ts, q(), 0}, {"Shijiazhuang", sjz, q(), 1},
		{"the admin, filtering on Tangshan", w.admin, q("region", "130200"), 0}, {"the admin, filtering on Shijiazhuang", w.admin, q("region", "130100"), 2},
		{"the enterprise", owner, q(), 2},
	}
	if pending() == 0 {
		t.Fatal("the move queued nothing for the index")
	}
	check("right after the move", inShijiazhuang)
	e.process()
	if n := pending(); n != 0 {
		t.Fatalf("index_pending %d after processing", n)
	}
	check("once indexed", inShijiazhuang)
	if status := e.getJSON("/api/v1/documents/"+doc, sjz, nil); status != 200 {
		t.Errorf("Shijiazhuang opens the moved report: %d", status)
	}

	patch("/api/v1/organisations/"+tsEnt.ID, map[string]any{"region": "130203"})
	check("right after moving back", inTangshan)
	e.process()
	check("moved back and indexed", inTangshan)

	// The audit goes to the world's consultancy.
	patch("/api/v1/audits/"+au.ID, map[string]any{"consultancy_id": w.consID})
	reassigned := []seen{
		{"the old firm", rival, q(), 0}, {"the new firm", w.consultant, q(), 1},
		{"the admin, filtering on the old firm", w.admin, q("consultancy_id", rivalFirm.ID), 0},
		{"the admin, filtering on the new firm", w.admin, q("consultancy_id", w.consID), 1},
	}
	check("right after the reassignment", reassigned)
	e.process()
	check("reassigned and indexed", reassigned)
	if n := pending(); n != 0 {
		t.Fatalf("index_pending %d after processing", n)
	}
}
