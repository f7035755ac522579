package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/cpaudit/cpaudit"
)

type assignmentJSON struct {
	ID         string
	AuditID    string `json:"audit_id"`
	ExpertID   string `json:"expert_id"`
	State      string
	ReplacedBy string `json:"replaced_by"`
	Review     *struct{ Score float64 }
	Others     []struct{ Score float64 }

	Checklist *struct{ Items []struct{ Item string } }
}

// scoreOf80 finds the first expert's score of 80 in an answer; the bare
// digits "80" may be part of an id.
var scoreOf80 = regexp.MustCompile(`"score":\s*80\b`)

// reviewWorld is the world with an expert pool around its one audit
// (enterprise of industry C2710, one consultancy): a chemist covering the
// industry, a textile expert, one working for the audit's consultancy,
// one who declared a conflict with its enterprise, and one spare.
type reviewWorld struct {
	*world
	ids    map[string]string // expert user ids by name
	tokens map[string]string
	ent    string // the enterprise user's token
}

func newReviewWorld(t *testing.T) reviewWorld {
	w := newWorld(t)
	e := w.e
	ctx := context.Background()
	sys := w.sys
	rw := reviewWorld{world: w, ids: map[string]string{}, tokens: map[string]string{}}
	rw.ent = e.user(sys, "boss@sjz-chem.cn", cpaudit.RoleEnterprise, w.entID)
	profiles := map[string]map[string]any{
		"化工专家": {"industries": []string{"C27", "C26"}, "specialities": []string{"化学原料药"}, "region": "130000"},
		"纺织专家": {"industries": []string{"C17"}, "specialities": []string{"印染"}},
		"咨询专家": {"industries": []string{"C27"}, "organisation_id": w.consID},
		"回避专家": {"industries": []string{"C27"}, "conflicts": []string{w.entID}},
		"备用专家": {},
	}
	for i, name := range []string{"化工专家", "纺织专家", "咨询专家", "回避专家", "备用专家"} {
		email := string(rune('a'+i)) + "@experts.hebei.cn"
		rw.tokens[name] = e.user(sys, email, cpaudit.RoleExpert, "")
		u, err := e.store.UserByEmail(ctx, sys.TenantID, email)
		if err != nil {
			t.Fatal(err)
		}
		rw.ids[name] = u.ID
		if status, raw := e.putJSON("/api/v1/experts/"+u.ID, w.admin, profiles[name], nil); status != 200 {
			t.Fatalf("profile of %s: %d %s", name, status, raw)
		}
	}
	return rw
}

func (e *testEnv) putJSON(path, token string, in, out any) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(in)
	status, body, _ := e.do("PUT", path, token, bytes.NewReader(b), "application/json")
	if out != nil && status < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			e.t.Fatalf("PUT %s: %v: %s", path, err, body)
		}
	}
	return status, body
}

func (rw reviewWorld) campaign(t *testing.T, stage string) string {
	var c campaignJSON
	if status, raw := rw.e.postJSON("/api/v1/campaigns", rw.regulator, map[string]any{"name": "2026年评估抽查", "stage": stage,
		"size": 1, "seed": 1, "filter": map[string]any{"consultancy_id": rw.consID}}, &c); status != 201 || len(c.AuditIDs) != 1 {
		t.Fatalf("campaign: %d %s", status, raw)
	}
	return c.ID
}

// TestExpertProfiles: who may keep the pool, and what a profile takes.
func TestExpertProfiles(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	chem := "/api/v1/experts/" + rw.ids["化工专家"]
	good := map[string]any{"industries": []string{"C2710", "C27"}, "specialities": []string{"清洁生产审核"}, "region": "130100"}
	for _, tc := range []struct {
		who    string
		token  string
		path   string
		body   map[string]any
		status int
		code   cpaudit.Code
	}{
		{"管理员", rw.admin, chem, good, 200, ""},
		{"监管人员", rw.regulator, chem, good, 200, ""},
		{"专家本人", rw.tokens["化工专家"], chem, good, 409, cpaudit.CodeExpertPoolNotAllowed},
		{"咨询人员", rw.consultant, chem, good, 409, cpaudit.CodeExpertPoolNotAllowed},
		{"企业", rw.ent, chem, good, 409, cpaudit.CodeExpertPoolNotAllowed},
		{"他省管理员", rw.otherAdmin, chem, good, 404, cpaudit.CodeNotFound},
		{"非专家用户", rw.admin, "/api/v1/experts/nobody", good, 404, cpaudit.CodeNotFound},
		{"行业代码错误", rw.admin, chem, map[string]any{"industries": []string{"化工"}}, 422, cpaudit.CodeIndustryInvalid},
		{"机构不存在", rw.admin, chem, map[string]any{"conflicts": []string{"o-none"}}, 422, cpaudit.CodeExpertOrgUnknown},
		{"地区错误", rw.admin, chem, map[string]any{"region": "13"}, 422, cpaudit.CodeRegionInvalid},
	} {
		status, raw := e.putJSON(tc.path, tc.token, tc.body, nil)
		if status != tc.status || (tc.code != "" && refusalCode(t, status, raw) != string(tc.code)) {
			t.Errorf("%s: %d %s, want %d %s", tc.who, status, raw, tc.status, tc.code)
		}
	}
	var pool struct {
		Experts []struct {
			UserID     string `json:"user_id"`
			Industries []string
		}
	}
	if status := e.getJSON("/api/v1/experts", rw.regulator, &pool); status != 200 || len(pool.Experts) != 5 {
		t.Fatalf("pool: %d %+v", status, pool)
	}
	i := slices.IndexFunc(pool.Experts, func(x struct {
		UserID     string `json:"user_id"`
		Industries []string
	}) bool {
		return x.UserID == rw.ids["化工专家"]
	})
	if i < 0 || !slices.Equal(pool.Experts[i].Industries, []string{"C27", "C2710"}) {
		t.Errorf("the chemist's profile: %+v", pool.Experts)
	}
	for _, tok := range []string{rw.tokens["化工专家"], rw.consultant} {
		if status, raw, _ := e.do("GET", "/api/v1/experts", tok, nil, ""); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeExpertPoolNotAllowed) {
			t.Errorf("pool read by a non-manager: %d %s", status, raw)
		}
	}
}

// TestReviewerAssignment draws reviewers through the router: conflicts
// excluded, the covering expert first, reproducible, logged, drawn once;
// then a replacement under the same rules.
func TestReviewerAssignment(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	cid := rw.campaign(t, "assessment")
	path := "/api/v1/campaigns/" + cid + "/assignments"

	// Three of five experts are free of conflict: four is too many.
	status, raw := e.postJSON(path, rw.regulator, map[string]any{"per_audit": 4, "seed": 7}, nil)
	if status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeReviewersTooFew) || !bytes.Contains(raw, []byte(rw.auditID)) {
		t.Fatalf("too few: %d %s", status, raw)
	}
	for _, tc := range []struct {
		who    string
		token  string
		body   map[string]any
		status int
		code   cpaudit.Code
	}{
		{"专家", rw.tokens["化工专家"], map[string]any{"per_audit": 2}, 409, cpaudit.CodeAssignNotAllowed},
		{"咨询人员", rw.consultant, map[string]any{"per_audit": 2}, 404, cpaudit.CodeNotFound},
		{"企业", rw.ent, map[string]any{"per_audit": 2}, 404, cpaudit.CodeNotFound},
		{"他省管理员", rw.otherAdmin, map[string]any{"per_audit": 2}, 404, cpaudit.CodeNotFound},
		{"人数为零", rw.admin, map[string]any{"per_audit": 0}, 422, cpaudit.CodeAssignPerAuditRange},
		{"种子越界", rw.admin, map[string]any{"per_audit": 1, "seed": -1}, 422, cpaudit.CodeCampaignSeedRange},
	} {
		status, raw := e.postJSON(path, tc.token, tc.body, nil)
		if status != tc.status || refusalCode(t, status, raw) != string(tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.who, status, raw, tc.status, tc.code)
		}
	}

	var drawn struct {
		Seed        int64
		Assignments []assignmentJSON
	}
	if status, raw := e.postJSON(path, rw.regulator, map[string]any{"per_audit": 2, "seed": 7}, &drawn); status != 201 || len(drawn.Assignments) != 2 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	experts := []string{drawn.Assignments[0].ExpertID, drawn.Assignments[1].ExpertID}
	if experts[0] != rw.ids["化工专家"] || slices.Contains(experts, rw.ids["咨询专家"]) || slices.Contains(experts, rw.ids["回避专家"]) {
		t.Fatalf("drew %v: want the chemist first and no conflicted expert (%v)", experts, rw.ids)
	}
	if status, raw := e.postJSON(path, rw.admin, map[string]any{"per_audit": 2, "seed": 7}, nil); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeAssignmentsDrawn) {
		t.Errorf("second draw: %d %s", status, raw)
	}
	// The same seed over the same pool draws the same reviewers.
	var again struct{ Assignments []assignmentJSON }
	if status, raw := e.postJSON("/api/v1/campaigns/"+rw.campaign(t, "assessment")+"/assignments", rw.admin, map[string]any{"per_audit": 2, "seed": 7}, &again); status != 201 ||
		len(again.Assignments) != 2 || again.Assignments[0].ExpertID != experts[0] || again.Assignments[1].ExpertID != experts[1] {
		t.Errorf("redraw with the same seed: %d %s, want %v", status, raw, experts)
	}
	ctx := context.Background()
	entries, err := e.store.ObjectLog(ctx, rw.sys, "campaign", cid, 10)
	if err != nil || len(entries) != 2 || entries[0].Action != "campaign.assign" && entries[1].Action != "campaign.assign" {
		t.Fatalf("log: %+v %v", entries, err)
	}

	// Replacing the second reviewer: conflicts again refused.
	second := drawn.Assignments[1]
	replace := "/api/v1/campaigns/" + cid + "/assignments/" + second.ID + "/replace"
	for _, tc := range []struct {
		who    string
		token  string
		body   map[string]any
		status int
		code   cpaudit.Code
	}{
		{"咨询机构的专家", rw.regulator, map[string]any{"expert_id": rw.ids["咨询专家"], "reason": "原专家出差"}, 409, cpaudit.CodeExpertConflict},
		{"申明回避的专家", rw.regulator, map[string]any{"expert_id": rw.ids["回避专家"], "reason": "原专家出差"}, 409, cpaudit.CodeExpertConflict},
		{"已是评审专家", rw.regulator, map[string]any{"expert_id": experts[0], "reason": "原专家出差"}, 409, cpaudit.CodeExpertAlreadyAssigned},
		{"专家库外", rw.regulator, map[string]any{"expert_id": "nobody", "reason": "原专家出差"}, 409, cpaudit.CodeExpertNotInPool},
		{"没有理由", rw.regulator, map[string]any{"expert_id": rw.ids["备用专家"]}, 400, cpaudit.CodeReasonRequired},
		{"专家自己换人", rw.tokens["化工专家"], map[string]any{"expert_id": rw.ids["备用专家"], "reason": "原专家出差"}, 409, cpaudit.CodeAssignNotAllowed},
		{"咨询人员", rw.consultant, map[string]any{"expert_id": rw.ids["备用专家"], "reason": "原专家出差"}, 404, cpaudit.CodeNotFound},
	} {
		status, raw := e.postJSON(replace, tc.token, tc.body, nil)
		if status != tc.status || refusalCode(t, status, raw) != string(tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.who, status, raw, tc.status, tc.code)
		}
	}
	free := rw.ids["备用专家"]
	if experts[1] == free {
		free = rw.ids["纺织专家"]
	}
	var repl assignmentJSON
	if status, raw := e.postJSON(replace, rw.regulator, map[string]any{"expert_id": free, "reason": "原专家出差"}, &repl); status != 201 || repl.ExpertID != free {
		t.Fatalf("replace: %d %s", status, raw)
	}
	if status, raw := e.postJSON(replace, rw.regulator, map[string]any{"expert_id": experts[1], "reason": "再换回来"}, nil); status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeAssignmentNotActive) {
		t.Errorf("replace a replaced assignment: %d %s", status, raw)
	}
	// An assignment of another campaign is not this campaign's.
	if status, _ := e.postJSON("/api/v1/campaigns/"+cid+"/assignments/"+again.Assignments[0].ID+"/replace", rw.regulator, map[string]any{"expert_id": free, "reason": "换人"}, nil); status != 404 {
		t.Errorf("another campaign's assignment: %d", status)
	}
	entries, _ = e.store.ObjectLog(ctx, rw.sys, "campaign", cid, 10)
	if len(entries) != 3 || !bytes.Contains([]byte(entries[0].Detail+entries[2].Detail), []byte("原专家出差")) {
		t.Errorf("replacement log: %+v", entries)
	}
}

// TestExpertReviews scores a campaign: only the assigned expert, points in
// range, once; independence of the scores; the campaign's results.
func TestExpertReviews(t *testing.T) {
	rw := newReviewWorld(t)
	e := rw.e
	cid := rw.campaign(t, "assessment")
	var drawn struct{ Assignments []assignmentJSON }
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid+"/assignments", rw.admin, map[string]any{"per_audit": 2, "seed": 7}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	tokenOf := map[string]string{}
	for name, id := range rw.ids {
		tokenOf[id] = rw.tokens[name]
	}
	a1, a2 := drawn.Assignments[0], drawn.Assignments[1]
	first, second := tokenOf[a1.ExpertID], tokenOf[a2.ExpertID]
	review := func(pts [4]float64, vetoes ...string) map[string]any {
		return map[string]any{"items": []map[string]any{{"item": "data_truthfulness", "points": pts[0]},
			{"item": "process_conformity", "points": pts[1]}, {"item": "option_soundness", "points": pts[2]},
			{"item": "targets_met", "points": pts[3]}}, "vetoes": vetoes, "comment": "报告数据与台账基本一致。"}
	}

	// Only the assigned expert: everyone else gets 404.
	for _, tok := range []string{second, rw.admin, rw.regulator, rw.consultant, rw.ent, rw.otherAdmin} {
		if status, raw := e.postJSON("/api/v1/assignments/"+a1.ID+"/review", tok, review([4]float64{25, 20, 20, 15}), nil); status != 404 {
			t.Errorf("a review by someone else: %d %s", status, raw)
		}
	}
	for _, tok := range []string{second, rw.consultant, rw.otherAdmin} {
		if status := e.getJSON("/api/v1/assignments/"+a1.ID, tok, nil); status != 404 {
			t.Errorf("another's assignment read: %d", status)
		}
	}
	var before struct {
		Audits []struct {
			Mean   *float64
			Result string
		}
	}
	if status := e.getJSON("/api/v1/campaigns/"+cid+"/reviews", rw.regulator, &before); status != 200 || len(before.Audits) != 1 ||
		before.Audits[0].Mean != nil || before.Audits[0].Result != "pending" {
		t.Errorf("results before any review: %d %+v", status, before)
	}
	var mine struct{ Assignments []assignmentJSON }
	if status := e.getJSON("/api/v1/assignments", first, &mine); status != 200 || len(mine.Assignments) != 1 || mine.Assignments[0].ID != a1.ID {
		t.Errorf("my assignments: %d %+v", status, mine)
	}
	status, raw := e.postJSON("/api/v1/assignments/"+a1.ID+"/review", first, review([4]float64{31, 20, 20, 15}), nil)
	if status != 422 || refusalCode(t, status, raw) != string(cpaudit.CodeReviewPointsRange) {
		t.Errorf("points out of range: %d %s", status, raw)
	}
	if status, raw := e.postJSON("/api/v1/assignments/"+a1.ID+"/review", first, review([4]float64{28, 22, 20, 10}), nil); status != 201 {
		t.Fatalf("first review: %d %s", status, raw)
	}
	status, raw = e.postJSON("/api/v1/assignments/"+a1.ID+"/review", first, review([4]float64{28, 22, 20, 10}), nil)
	if status != 409 || refusalCode(t, status, raw) != string(cpaudit.CodeReviewSubmitted) {
		t.Errorf("second submission: %d %s", status, raw)
	}

	// Independence: the second expert does not see the first's score
	// until it submitted its own; then it does.
	var own assignmentJSON
	if status, raw, _ := e.do("GET", "/api/v1/assignments/"+a2.ID, second, nil, ""); status != 200 || scoreOf80.Match(raw) {
		t.Errorf("before submitting: %d %s", status, raw)
	}
	if status := e.getJSON("/api/v1/assignments/"+a2.ID, second, &own); len(own.Others) != 0 || own.Checklist == nil || len(own.Checklist.Items) != 4 {
		t.Errorf("before submitting: %d %+v", status, own)
	}
	var results struct {
		PassMark float64 `json:"pass_mark"`
		Audits   []struct {
			AuditID   string `json:"audit_id"`
			Mean      *float64
			Vetoed    bool
			Result    string
			Submitted int
		}
	}
	if status := e.getJSON("/api/v1/campaigns/"+cid+"/reviews", rw.regulator, &results); status != 200 || len(results.Audits) != 1 ||
		results.Audits[0].Result != "pending" || *results.Audits[0].Mean != 80 || results.PassMark != 70 {
		t.Errorf("results after one review: %d %+v", status, results)
	}
	if status, raw := e.postJSON("/api/v1/assignments/"+a2.ID+"/review", second, review([4]float64{20, 15, 15, 10}), nil); status != 201 {
		t.Fatalf("second review: %d %s", status, raw)
	}
	if status := e.getJSON("/api/v1/assignments/"+a2.ID, second, &own); len(own.Others) != 1 || own.Others[0].Score != 80 || own.Review.Score != 60 {
		t.Errorf("after submitting: %d %+v", status, own)
	}
	if status := e.getJSON("/api/v1/campaigns/"+cid+"/reviews", rw.admin, &results); status != 200 || results.Audits[0].Result != "pass" ||
		*results.Audits[0].Mean != 70 || results.Audits[0].Submitted != 2 || results.Audits[0].AuditID != rw.auditID {
		t.Errorf("results: %d %+v", status, results)
	}
	for _, tc := range []struct {
		token  string
		status int
	}{{first, 409}, {rw.consultant, 404}, {rw.ent, 404}, {rw.otherAdmin, 404}} {
		if status, raw, _ := e.do("GET", "/api/v1/campaigns/"+cid+"/reviews", tc.token, nil, ""); status != tc.status {
			t.Errorf("results read: %d %s, want %d", status, raw, tc.status)
		}
	}

	// A veto fails the audit whatever the scores.
	cid2 := rw.campaign(t, "acceptance")
	if status, raw := e.postJSON("/api/v1/campaigns/"+cid2+"/assignments", rw.admin, map[string]any{"per_audit": 1, "seed": 3}, &drawn); status != 201 {
		t.Fatalf("draw: %d %s", status, raw)
	}
	if status, raw := e.postJSON("/api/v1/assignments/"+drawn.Assignments[0].ID+"/review", tokenOf[drawn.Assignments[0].ExpertID],
		review([4]float64{30, 20, 20, 30}, "falsified_data"), nil); status != 201 {
		t.Fatalf("veto review: %d %s", status, raw)
	}
	if e.getJSON("/api/v1/campaigns/"+cid2+"/reviews", rw.admin, &results); !results.Audits[0].Vetoed || results.Audits[0].Result != "fail" || *results.Audits[0].Mean != 100 {
		t.Errorf("vetoed: %+v", results)
	}
}
