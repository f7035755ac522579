package letter

import (
	"strings"

	"github.com/cpaudit/cpaudit"
)

// Title is the title the generated letter is stored under.
const Title = "一次性告知书"

// LegalBasis is what the letter cites as the duty to audit.
const LegalBasis = "《中华人民共和国清洁生产促进法》第二十七条和《清洁生产审核办法》（国家发展改革委、环境保护部令第38号）"

// Penalties quotes the Cleaner Production Promotion Law (as amended in
// 2012): Art. 36 for not disclosing, Art. 39 for not auditing, falsifying,
// or not or untruly reporting the results.
const Penalties = "《中华人民共和国清洁生产促进法》第三十六条：违反本法第十七条第二款规定，未按照规定公布能源消耗或者重点污染物产生、排放情况的，" +
	"由县级以上地方人民政府负责清洁生产综合协调的部门、环境保护部门按照职责分工责令公布，可以处十万元以下的罚款。\n" +
	"《中华人民共和国清洁生产促进法》第三十九条：违反本法第二十七条第二款、第四款规定，不实施强制性清洁生产审核或者在清洁生产审核中弄虚作假的，" +
	"或者实施强制性清洁生产审核的企业不报告或者不如实报告审核结果的，由县级以上地方人民政府负责清洁生产综合协调的部门、环境保护部门" +
	"按照职责分工责令限期改正；拒不改正的，处以五万元以上五十万元以下的罚款。"

// ReasonZh names the listing reasons as letters do.
var reasonZh = map[cpaudit.ListingReason]string{
	cpaudit.ReasonDoubleExceed:    "双超（污染物排放超过国家或者地方排放标准，或者超过重点污染物排放总量控制指标）",
	cpaudit.ReasonToxic:           "双有（使用有毒有害原料进行生产或者在生产中排放有毒有害物质）",
	cpaudit.ReasonEnergyIntensive: "高耗能（超过单位产品能源消耗限额标准）",
	cpaudit.ReasonKeyTask:         "重点任务",
}

// obligationZh names the obligations of cpaudit.ObligationNames, in order.
var obligationZh = []string{
	"登录系统注册，选择自行审核或委托咨询机构",
	"信息公开",
	"申请评估",
	"完成评估",
	"完成中/高费方案实施",
	"申请验收",
	"完成验收",
}

// Obligation is one row of the schedule.
type Obligation struct{ What, Due string }

// Material is one row of the list of materials: a step and what it files.
type Material struct{ Step, Documents string }

// Facts are what one audit's letter says.
type Facts struct {
	Enterprise, CreditCode, Address string
	Batch                           string
	Reasons                         []string
	Authority                       string // the tenant: who gives notice
	Date                            string // YYYY-MM-DD
	Obligations                     []Obligation
	Materials                       []Material
}

// FactsOf gathers the facts of a letter from the domain: the enterprise,
// the audit's batch (nil when none), the steps' expected documents and the
// notifying authority.
func FactsOf(ent cpaudit.Organisation, batch *cpaudit.Batch, reqs []cpaudit.StepRequirement, authority, date string) Facts {
	f := Facts{Enterprise: ent.Name, CreditCode: ent.CreditCode, Address: ent.Address, Authority: authority, Date: date}
	if batch != nil {
		f.Batch = batch.Name
		for _, r := range batch.Reasons {
			f.Reasons = append(f.Reasons, reasonZh[r])
		}
		for i, p := range batch.Obligations.Fields() {
			due := *p
			if due == "" {
				due = "另行通知"
			}
			f.Obligations = append(f.Obligations, Obligation{What: obligationZh[i], Due: due})
		}
	}
	for _, r := range reqs {
		var docs []string
		for _, d := range r.Documents {
			name := d.Zh
			if d.Required {
				name += "（必交）"
			}
			docs = append(docs, name)
		}
		if len(docs) == 0 {
			docs = []string{"按审核工作需要提交"}
		}
		f.Materials = append(f.Materials, Material{Step: r.Code + " " + r.Zh, Documents: strings.Join(docs, "；")})
	}
	return f
}

// scalars are the values of the placeholders outside repeated rows.
func (f Facts) scalars() map[string]string {
	orDash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	return map[string]string{
		PEnterprise: clean(f.Enterprise), PCreditCode: orDash(clean(f.CreditCode)), PAddress: orDash(clean(f.Address)),
		PBatch: orDash(clean(f.Batch)), PReasons: orDash(clean(strings.Join(f.Reasons, "、"))),
		PLegalBasis: LegalBasis, PPenalties: Penalties, PAuthority: orDash(clean(f.Authority)), PDate: clean(f.Date),
	}
}

// clean drops control characters (they cannot appear in XML text, and
// \x00 and \x01 mark values while filling) but keeps line breaks.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n') || r == 0x7f || r == 0xfffe || r == 0xffff {
			return -1
		}
		return r
	}, s)
}
