package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage"
)

// demoPassword is the password of every demo login; printed at start.
const demoPassword = "cpaudit-demo-2026"

// cmdDemo seeds a demo tenant (once; later runs reuse it) with one login
// per role, prints the URL and the logins, and serves.
func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := serveFlags(&cfg, getenv, stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if cfg.envErr != nil {
		return cfg.envErr
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	var logins [][2]string
	err := withStore(ctx, &cfg, func(s *storage.Store) error {
		var err error
		logins, err = seedDemo(ctx, s)
		return err
	})
	if err != nil {
		return err
	}
	return serve(ctx, &cfg, stderr, func(addr string) {
		var b strings.Builder
		fmt.Fprintf(&b, "\ncpaudit demo is running: http://%s/login?tenant=demo\n", addr)
		fmt.Fprintf(&b, "tenant (平台): demo    password for every login: %s\n", demoPassword)
		for _, l := range logins {
			fmt.Fprintf(&b, "  %-11s %s\n", l[0], l[1])
		}
		fmt.Fprintln(stdout, b.String())
	})
}

func seedDemo(ctx context.Context, s *storage.Store) ([][2]string, error) {
	roles := []cpaudit.Role{cpaudit.RoleAdmin, cpaudit.RoleRegulator, cpaudit.RoleConsultant, cpaudit.RoleEnterprise, cpaudit.RolePublisher, cpaudit.RoleExpert}
	var logins [][2]string
	for _, r := range roles {
		logins = append(logins, [2]string{string(r), string(r) + "@demo.cpaudit.cn"})
	}
	t, err := s.TenantBySlug(ctx, "demo")
	if err == nil {
		return logins, nil // seeded by an earlier run
	}
	if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return nil, err
	}
	if t, err = s.CreateTenant(ctx, "demo", "河北省清洁生产审核（演示）"); err != nil {
		return nil, err
	}
	a := cpaudit.SystemActor(t.ID)
	code := func(first17 string) string { return first17 + string(cpaudit.CreditCodeCheck(first17)) }
	orgs := map[cpaudit.Role]cpaudit.Organisation{
		cpaudit.RoleRegulator:  {Kind: cpaudit.OrgRegulator, Name: "河北省生态环境厅", Region: "130000"},
		cpaudit.RoleConsultant: {Kind: cpaudit.OrgConsultancy, Name: "石家庄绿源环保咨询有限公司", CreditCode: code("91130100MA0CXXXX0")},
		cpaudit.RoleEnterprise: {Kind: cpaudit.OrgEnterprise, Name: "保定市白洋淀印染有限公司", CreditCode: code("91130600MA0DYYYY1"), Industry: "C1713", Region: "130600"},
		cpaudit.RolePublisher:  {Kind: cpaudit.OrgPublisher, Name: "河北省清洁生产中心"},
	}
	orgIDs := map[cpaudit.Role]string{}
	for _, r := range []cpaudit.Role{cpaudit.RoleRegulator, cpaudit.RoleConsultant, cpaudit.RoleEnterprise, cpaudit.RolePublisher} {
		o, err := s.CreateOrganisation(ctx, a, orgs[r])
		if err != nil {
			return nil, err
		}
		orgIDs[r] = o.ID
	}
	for i, r := range roles {
		if _, err := s.CreateUser(ctx, a, cpaudit.NewUser{Email: logins[i][1], Role: r, Password: demoPassword, OrgID: orgIDs[r]}); err != nil {
			return nil, err
		}
	}
	batch, err := s.CreateBatch(ctx, a, cpaudit.Batch{Year: 2025, Number: 1, Name: "2025年第一批强制性清洁生产审核",
		Reasons: []cpaudit.ListingReason{cpaudit.ReasonDoubleExceed, cpaudit.ReasonToxic}, Industries: []string{"C17", "C31", "C26"},
		Obligations: cpaudit.Obligations{Register: "2025-03-01", Disclose: "2025-03-31", ApplyAssessment: "2025-12-31",
			AssessmentDone: "2026-03-31", ImplementationDone: "2026-09-30", ApplyAcceptance: "2026-12-31", AcceptanceDone: "2027-03-31"}})
	if err != nil {
		return nil, err
	}
	audit, err := s.StartAudit(ctx, a, cpaudit.NewAudit{EnterpriseID: orgIDs[cpaudit.RoleEnterprise],
		ConsultancyID: orgIDs[cpaudit.RoleConsultant], BatchID: batch.ID})
	if err != nil {
		return nil, err
	}
	if err := demoProgress(ctx, s, a, audit.ID, 12); err != nil {
		return nil, err
	}
	// More enterprises of the batch in other cities, further along or
	// behind, so that the dashboard (总览) has bars and overdue audits.
	for i, e := range demoEnterprises {
		o, err := s.CreateOrganisation(ctx, a, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: e.name,
			CreditCode: code(fmt.Sprintf("91%s00MA0E%05d", e.region[:4], i)), Industry: e.industry, Region: e.region})
		if err != nil {
			return nil, err
		}
		au, err := s.StartAudit(ctx, a, cpaudit.NewAudit{EnterpriseID: o.ID, ConsultancyID: orgIDs[cpaudit.RoleConsultant], BatchID: batch.ID})
		if err != nil {
			return nil, err
		}
		if err := demoProgress(ctx, s, a, au.ID, e.accepted); err != nil {
			return nil, err
		}
	}
	// A few documents, so that the lists and search have something to show;
	// the server extracts and indexes them when it starts.
	for _, d := range demoDocuments {
		st, err := s.Stage(strings.NewReader(d.text), 1<<20)
		if err != nil {
			return nil, err
		}
		nd := cpaudit.NewDocument{Kind: d.kind, Title: d.title, Step: d.step, Filename: d.filename, ContentType: "text/plain; charset=utf-8"}
		if d.kind != cpaudit.DocGuideline {
			nd.AuditID = audit.ID
		}
		_, err = s.CreateDocument(ctx, a, nd, st)
		st.Close()
		if err != nil {
			return nil, err
		}
	}
	return logins, nil
}

// demoProgress submits and accepts the first n steps of an audit.
func demoProgress(ctx context.Context, s *storage.Store, a cpaudit.Actor, auditID string, n int) error {
	for step := 1; step <= n; step++ {
		for _, act := range []cpaudit.StepAction{cpaudit.StepSubmit, cpaudit.StepAccept} {
			if _, err := s.TransitionStep(ctx, a, auditID, step, cpaudit.StepChange{Action: act}); err != nil {
				return err
			}
		}
	}
	return nil
}

var demoEnterprises = []struct {
	name, industry, region string
	accepted               int
}{
	{"唐山市丰南区鑫达钢铁有限公司", "C3120", "130207", 27},
	{"邯郸市永年区恒信紧固件有限公司", "C3482", "130408", 31},
	{"沧州市渤海新区临港化工有限公司", "C2614", "130983", 4},
	{"石家庄市藁城区宏远制药有限公司", "C2710", "130109", 0},
}

var demoDocuments = []struct {
	kind            cpaudit.DocKind
	title, filename string
	step            int
	text            string
}{
	{cpaudit.DocGuideline, "印染行业清洁生产评价指标体系（节选）", "印染行业清洁生产评价指标体系.txt", 0,
		"印染行业清洁生产评价指标体系\n\n一、适用范围\n本指标体系适用于印染企业的清洁生产审核、清洁生产潜力与机会的判断。\n" +
			"二、评价指标\n单位产品新鲜水取水量、单位产品综合能耗、水重复利用率、化学需氧量（COD）产生量。\n"},
	{cpaudit.DocReport, "保定市白洋淀印染有限公司清洁生产审核报告（中期）", "清洁生产审核中期报告.txt", 22,
		"第一章 审核准备\n公司成立清洁生产审核领导小组，由总经理任组长。\n\n" +
			"第四章 方案的产生和筛选\n共提出清洁生产方案12项，其中无低费方案9项、中高费方案3项。\n" +
			"中高费方案一：印染废水深度处理回用，投资45万元，预计节水量12000吨/年，COD削减8.6吨/年。\n" +
			"中高费方案二：定形机余热回收，投资30万元，预计节约标准煤210吨/年。\n"},
	{cpaudit.DocEvidence, "2025年新鲜水取水量台账", "取水台账.csv", 12,
		"月份,新鲜水取水量（吨）,产量（万米）\n1月,8650,52.1\n2月,7920,47.6\n3月,9010,55.3\n"},
}
