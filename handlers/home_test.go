package handlers_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// homeWorld is a province with two cities: an audit in Shijiazhuang run
// by one consultancy and one in Tangshan run by another, each with a step
// submitted and a step returned, a regulator office in each city, and a
// user of every role.
type homeWorld struct {
	e                 *testEnv
	sjzAudit, tsAudit string
}

const (
	sjzName   = "石家庄化工有限公司"
	tsName    = "唐山钢铁集团有限公司"
	sjzReason = `物料平衡数据不全<script>alert("x")</script>`
	tsReason  = "唐山：能耗台账缺失"
)

func newHomeWorld(t *testing.T) *homeWorld {
	e := newTestEnv(t)
	ctx := context.Background()
	a := e.tenant("hebei")
	org := func(kind cpaudit.OrgKind, name, first17, region string) cpaudit.Organisation {
		o := cpaudit.Organisation{Kind: kind, Name: name, Region: region}
		if kind == cpaudit.OrgEnterprise || kind == cpaudit.OrgConsultancy {
			o.CreditCode = creditCode(first17)
		}
		if kind == cpaudit.OrgEnterprise {
			o.Industry = "C2710"
		}
		o, err := e.store.CreateOrganisation(ctx, a, o)
		if err != nil {
			t.Fatalf("organisation %s: %v", name, err)
		}
		return o
	}
	sjz := org(cpaudit.OrgEnterprise, sjzName, "91130100MA0AAAA01", "130102")
	ts := org(cpaudit.OrgEnterprise, tsName, "91130200MA0BBBB01", "130203")
	lvyuan := org(cpaudit.OrgConsultancy, "绿源环保咨询", "91110000600037341", "")
	other := org(cpaudit.OrgConsultancy, "蓝天咨询", "91110000600037342", "")
	regSJZ := org(cpaudit.OrgRegulator, "石家庄市生态环境局", "", "130100")
	regTS := org(cpaudit.OrgRegulator, "唐山市生态环境局", "", "130200")
	pub := org(cpaudit.OrgPublisher, "中国环境科学学会", "", "")
	pub2 := org(cpaudit.OrgPublisher, "另一发布机构", "", "")

	e.user(a, "admin@hebei.gov.cn", cpaudit.RoleAdmin, "")
	e.user(a, "wang@sjz.gov.cn", cpaudit.RoleRegulator, regSJZ.ID)
	e.user(a, "li@ts.gov.cn", cpaudit.RoleRegulator, regTS.ID)
	e.user(a, "zhang@lvyuan.cn", cpaudit.RoleConsultant, lvyuan.ID)
	e.user(a, "zhao@lantian.cn", cpaudit.RoleConsultant, other.ID)
	e.user(a, "qian@sjzchem.cn", cpaudit.RoleEnterprise, sjz.ID)
	e.user(a, "sun@expert.cn", cpaudit.RoleExpert, "")
	e.user(a, "lone@lvyuan.cn", cpaudit.RoleConsultant, "")
	pubTok := e.user(a, "zhou@csES.org.cn", cpaudit.RolePublisher, pub.ID)
	pub2Tok := e.user(a, "wu@other.org.cn", cpaudit.RolePublisher, pub2.ID)

	w := &homeWorld{e: e}
	for _, x := range []struct {
		ent, cons string
		id        *string
		reason    string
	}{{sjz.ID, lvyuan.ID, &w.sjzAudit, sjzReason}, {ts.ID, other.ID, &w.tsAudit, tsReason}} {
		au, err := e.store.CreateAudit(ctx, a, x.ent, x.cons)
		if err != nil {
			t.Fatal(err)
		}
		*x.id = au.ID
		for _, c := range []struct {
			n int
			cpaudit.StepChange
		}{
			{3, cpaudit.StepChange{Action: cpaudit.StepSubmit}},
			{5, cpaudit.StepChange{Action: cpaudit.StepSubmit}},
			{5, cpaudit.StepChange{Action: cpaudit.StepReturn, Reason: x.reason}},
		} {
			if _, err := e.store.TransitionStep(ctx, a, au.ID, c.n, c.StepChange); err != nil {
				t.Fatalf("step %d %s: %v", c.n, c.Action, err)
			}
		}
	}
	if _, err := e.store.CreateFinding(ctx, a, cpaudit.NewFinding{AuditID: w.sjzAudit, Category: "falsified_data", Severity: "minor",
		Description: "物料平衡数据与原始台账不一致 <b>粗体</b>"}); err != nil {
		t.Fatal(err)
	}
	for tok, title := range map[string]string{pubTok: "化学原料药行业清洁生产审核指南", pub2Tok: "钢铁行业指南（他人）"} {
		if status, out := e.upload(tok, [][2]string{{"kind", "guideline"}, {"title", title}}, "指南.txt", []byte(title)); status != 201 {
			t.Fatalf("guideline upload: %d %v", status, out)
		}
	}
	return w
}

// section is the HTML of the home page's section with that id, or "".
func section(body, id string) string {
	i := strings.Index(body, `<section class="dash-section" id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// TestHomeQueues checks each role's home page lists its own work and
// nobody else's, in Chinese, with user text escaped.
func TestHomeQueues(t *testing.T) {
	w := newHomeWorld(t)
	for _, tc := range []struct {
		email string
		want  map[string][]string // section id: what it must hold
		never []string            // anywhere on the page
		nav   []string            // ids the navigation must have
		noNav []string            // and must not
	}{
		{"li@ts.gov.cn", map[string][]string{
			"q-submitted": {"待审查的步骤", tsName, "/audits/" + w.tsAudit, "3 ", "蓝天咨询", "唐山市路北区"},
			"q-flags":     {"待审查的问题线索"},
			"q-overdue":   {"已逾期事项"},
			"q-answered":  {"已答复待关闭的审核问题"},
		}, []string{sjzName, w.sjzAudit}, []string{"nav-home", "nav-batches", "nav-flags"}, []string{"nav-upload"}},
		{"wang@sjz.gov.cn", map[string][]string{
			"q-submitted": {sjzName, "/audits/" + w.sjzAudit, "绿源环保咨询"},
		}, []string{tsName, w.tsAudit}, nil, nil},
		{"zhang@lvyuan.cn", map[string][]string{
			"q-returned": {"被退回的步骤", sjzName, "/audits/" + w.sjzAudit + "#step-5", "物料平衡数据不全&lt;script&gt;"},
			"q-due":      {"即将到期的事项"},
			"q-findings": {"待整改的审核问题", "物料平衡数据与原始台账不一致 &lt;b&gt;粗体&lt;/b&gt;", "数据弄虚作假"},
		}, []string{tsName, tsReason, "<script>alert", "<b>粗体"}, []string{"nav-home", "nav-upload"}, []string{"nav-batches", "nav-enterprises", "nav-flags"}},
		{"zhao@lantian.cn", map[string][]string{
			"q-returned": {tsName, "唐山：能耗台账缺失"},
		}, []string{sjzName, "物料平衡数据"}, nil, nil},
		{"qian@sjzchem.cn", map[string][]string{
			"q-own":      {"本企业的审核进度", sjzName, `id="progress-0"`, "0/35"},
			"q-returned": {"等待本企业处理的步骤", "物料平衡数据不全&lt;script&gt;"},
			"q-findings": {"物料平衡数据与原始台账不一致"},
		}, []string{tsName, tsReason}, []string{"nav-home", "nav-documents"}, []string{"nav-dashboard", "nav-batches", "nav-results"}},
		{"sun@expert.cn", map[string][]string{
			"q-assignments": {"分配给我的评审任务"},
			"q-flags":       {"待审查的问题线索"},
		}, nil, []string{"nav-flags"}, []string{"nav-upload", "nav-batches"}},
		{"zhou@csES.org.cn", map[string][]string{
			"q-guidelines": {"本机构的行业指南", "化学原料药行业清洁生产审核指南", `href="/upload?kind=guideline"`},
		}, []string{"钢铁行业指南（他人）", "q-submitted", "dash-numbers"}, []string{"nav-upload"}, []string{"nav-dashboard", "nav-results"}},
		{"admin@hebei.gov.cn", map[string][]string{
			"q-no-org":      {"尚未关联单位的用户", "lone@lvyuan.cn", "咨询机构人员"},
			"tenant-counts": {"企业: 2", "咨询机构: 2", "审核: 2"},
			"admin-links":   {`href="/enterprises/import"`, `href="/batches"`},
		}, []string{"sun@expert.cn"}, []string{"nav-batches", "nav-upload"}, nil},
	} {
		t.Run(tc.email, func(t *testing.T) {
			b := w.e.browser()
			b.mustLogin("hebei", tc.email)
			body := b.page("/")
			for id, wants := range tc.want {
				sec := section(body, id)
				if sec == "" {
					t.Errorf("no section %s", id)
					continue
				}
				for _, want := range wants {
					if !strings.Contains(sec, want) {
						t.Errorf("section %s lacks %q:\n%s", id, want, sec)
					}
				}
			}
			for _, never := range tc.never {
				if strings.Contains(body, never) {
					t.Errorf("the page shows %q", never)
				}
			}
			for _, id := range tc.nav {
				if !strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("the navigation lacks %s", id)
				}
			}
			for _, id := range tc.noNav {
				if strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("the navigation offers %s", id)
				}
			}
		})
	}
}

// TestHomeWords checks every role's home page in both languages shows no
// message key, and the English page no Chinese word of ours (the names
// of enterprises and reasons, which users typed, stay as typed).
func TestHomeWords(t *testing.T) {
	w := newHomeWorld(t)
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	key := regexp.MustCompile(`\b(home|nav|due|finding|flag|role|industry|state)\.[a-zA-Z._]+`)
	ours := []string{"待审查", "被退回", "即将到期", "待整改", "本机构", "尚未关联", "审核进度", "暂无待办", "查看全部", "评审任务", "自行审核"}
	for _, email := range []string{"li@ts.gov.cn", "zhang@lvyuan.cn", "qian@sjzchem.cn", "sun@expert.cn", "zhou@csES.org.cn", "admin@hebei.gov.cn", "lone@lvyuan.cn"} {
		b := w.e.browser()
		b.mustLogin("hebei", email)
		for _, lang := range []string{"zh", "en"} {
			text := tags.ReplaceAllString(b.page("/?lang="+lang), " ")
			if k := key.FindString(text); k != "" {
				t.Errorf("%s home in %s shows the message key %q", email, lang, k)
			}
			if lang == "en" {
				for _, word := range ours {
					if strings.Contains(text, word) {
						t.Errorf("%s: the English home page says %q", email, word)
					}
				}
			}
		}
	}
}
