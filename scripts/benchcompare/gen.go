package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Report-like prose: sentences of a cleaner production audit report drawn
// from the same chapter plan and phrases real reports use, full of
// figures, units, pollutants, standards and people, so that two reports
// of the same generator share many short phrases (as real reports do) but
// no long passage unless one was copied.

var (
	cities      = []string{"石家庄市", "唐山市", "秦皇岛市", "邯郸市", "邢台市", "保定市", "张家口市", "承德市", "沧州市", "廊坊市", "衡水市"}
	towns       = []string{"藁城区", "鹿泉区", "栾城区", "正定县", "高阳县", "清河县", "安平县", "武安市", "迁安市", "任丘市", "黄骅市"}
	brands      = []string{"华润", "恒信", "鑫源", "金泰", "宏达", "瑞丰", "永兴", "冀东", "新星", "天成", "盛世", "海通", "中瑞", "德隆", "润泽", "凯盛"}
	trades      = []string{"印染", "造纸", "制药", "化工", "钢铁", "水泥", "电镀", "皮革", "焦化", "玻璃"}
	products    = []string{"棉布印染产品", "瓦楞原纸", "原料药", "烧碱", "热轧带钢", "熟料", "镀锌件", "成品革", "冶金焦", "浮法玻璃"}
	pollutants  = []string{"化学需氧量", "氨氮", "二氧化硫", "氮氧化物", "颗粒物", "总磷", "总氮", "挥发性有机物", "六价铬", "苯胺类"}
	standards   = []string{"纺织染整工业水污染物排放标准", "制浆造纸工业水污染物排放标准", "锅炉大气污染物排放标准", "污水综合排放标准", "大气污染物综合排放标准", "电镀污染物排放标准"}
	measures    = []string{"冷凝水回收利用", "中水回用", "空压机变频改造", "余热回收", "逆流漂洗", "碱回收", "白水回用", "锅炉低氮燃烧改造", "照明节能改造", "溶剂回收", "膜处理技术改造", "雨污分流改造", "蒸汽管道保温", "水泵变频改造"}
	chapters    = []string{"企业概况", "审核准备", "预审核", "审核", "方案的产生和筛选", "可行性分析", "方案实施", "持续清洁生产", "结论与建议"}
	surnames    = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"}
	givens      = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "建国", "志强", "海燕"}
	departments = []string{"生产部", "设备部", "环保部", "技术部", "财务部", "质检部", "动力车间"}
	equipment   = []string{"燃气锅炉", "定型机", "染色机", "空压机", "循环水泵", "冷却塔", "反应釜", "离心机", "除尘器", "脱硫塔", "污水处理站"}
	fillers     = []string{"根据", "通过", "经过", "按照", "结合", "针对", "在此基础上，", "同时，", "此外，", "经审核小组讨论，", "由表可知，"}
	problems    = []string{"存在跑冒滴漏现象", "能耗高于行业先进水平", "水重复利用率偏低", "部分设备老化", "计量器具配备不全", "物料损耗较大", "管理制度不够完善"}
)

// company is the enterprise a report is about.
type company struct{ name, short, city, town, trade, product string }

func newCompany(r *rand.Rand) company {
	t := r.IntN(len(trades))
	city := cities[r.IntN(len(cities))]
	short := brands[r.IntN(len(brands))] + brands[r.IntN(len(brands))]
	return company{name: strings.TrimSuffix(city, "市") + short + trades[t] + "有限公司", short: short, city: city,
		town: towns[r.IntN(len(towns))], trade: trades[t], product: products[t]}
}

// paragraph writes one paragraph (3 to 8 sentences) about c.
func paragraph(r *rand.Rand, c company) string {
	var b strings.Builder
	num := func(n int) int { return 1 + r.IntN(n) }
	dec := func(x float64) string { return fmt.Sprintf("%.2f", r.Float64()*x) }
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	person := func() string { return pick(surnames) + pick(givens) }
	for range 3 + r.IntN(6) {
		switch r.IntN(12) {
		case 0:
			fmt.Fprintf(&b, "%s位于%s%s，占地面积%d平方米，现有职工%d人，主要产品为%s，年产量%d吨。", c.name, c.city, c.town, num(200000), num(3000), c.product, num(50000))
		case 1:
			fmt.Fprintf(&b, "本轮清洁生产审核共提出清洁生产方案%d项，其中无低费方案%d项，中高费方案%d项，总投资%s万元。", num(40), num(30), num(10), dec(5000))
		case 2:
			fmt.Fprintf(&b, "实施%s后，预计年节水量%d吨，节电%s万千瓦时，折合标准煤%s吨，年经济效益%s万元。", pick(measures), num(500000), dec(500), dec(3000), dec(800))
		case 3:
			fmt.Fprintf(&b, "%s排放浓度为%s毫克每升，年排放量%s吨，满足《%s》的要求。", pick(pollutants), dec(300), dec(200), pick(standards))
		case 4:
			fmt.Fprintf(&b, "审核小组由%s任组长，%s任副组长，成员包括%s、%s等部门负责人。", person(), person(), pick(departments), pick(departments))
		case 5:
			fmt.Fprintf(&b, "%s%s%s，%s的%s%s，建议纳入清洁生产方案。", pick(fillers), c.short, pick(problems), c.city, pick(equipment), pick(problems))
		case 6:
			fmt.Fprintf(&b, "%d年%d月%d日，%s组织召开清洁生产审核启动会，%s生态环境局%s参加会议。", 2018+r.IntN(8), num(12), num(28), c.name, c.city, person())
		case 7:
			fmt.Fprintf(&b, "企业%d年万元产值综合能耗为%s吨标准煤，单位产品取水量%s立方米，水重复利用率%s%%。", 2019+r.IntN(6), dec(3), dec(80), dec(100))
		case 8:
			fmt.Fprintf(&b, "%s车间的%s运行%d年，%s，%s。", c.trade, pick(equipment), num(20), pick(problems), pick(measures))
		case 9:
			fmt.Fprintf(&b, "第%d步%s：完成%s，形成%s报告，提交%s生态环境局备案。", num(35), pick(chapters), pick(measures), pick(chapters), c.city)
		case 10:
			fmt.Fprintf(&b, "%s%s，%s%s，经测算投资回收期为%s年。", pick(fillers), pick(problems), pick(fillers), pick(measures), dec(6))
		default:
			fmt.Fprintf(&b, "%s%s%s车间年用水量%d吨，用电量%s万千瓦时，产生%s%s吨，%s。", pick(fillers), c.short, c.trade, num(900000), dec(2000), pick(pollutants), dec(500), pick(problems))
		}
	}
	return b.String()
}

// pair makes two reports of about chars runes each: b carries copies of
// a's paragraphs making up about share of its text (a's enterprise name
// replaced by b's), in a's order, between paragraphs of its own.
func pair(seed uint64, i, chars int, share float64) (string, string) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	ca, cb := newCompany(r), newCompany(r)
	var pa []string
	n := 0
	for n < chars {
		p := paragraph(r, ca)
		if r.IntN(12) == 0 {
			p = fmt.Sprintf("第%d章 %s\n", len(pa)%9+1, chapters[len(pa)%9]) + p
		}
		pa = append(pa, p+"\n")
		n += len([]rune(p)) + 1
	}
	// Copy a's paragraphs chosen at random, in order, until share of b's
	// length; fill the rest with b's own.
	want := int(float64(chars) * share)
	copied := make([]bool, len(pa))
	for got := 0; got < want; {
		k := r.IntN(len(pa))
		if !copied[k] {
			copied[k] = true
			got += len([]rune(pa[k]))
		}
	}
	m := 0
	for _, c := range copied {
		if c {
			m++
		}
	}
	var b strings.Builder
	own := chars - want
	perGap := own / (m + 1) // own text before each copy
	for k, p := range pa {
		if !copied[k] {
			continue
		}
		for g := 0; g < perGap && own > 0; {
			q := paragraph(r, cb) + "\n"
			b.WriteString(q)
			g += len([]rune(q))
			own -= len([]rune(q))
		}
		b.WriteString(strings.ReplaceAll(p, ca.name, cb.name))
	}
	for own > 0 {
		q := paragraph(r, cb) + "\n"
		b.WriteString(q)
		own -= len([]rune(q))
	}
	return strings.Join(pa, ""), b.String()
}
