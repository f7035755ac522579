package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cpaudit/cpaudit/search/extract"
)

// The corpus imitates what a provincial authority holds: cleaner
// production audit reports, evidence and guidelines of a few thousand
// enterprises, written from the same chapter plan and the same phrases,
// full of figures, units, pollutant names, standards and tables. That
// sameness matters: most random phrases drawn from it occur in thousands
// of documents, which is the hard case for an index.

var (
	cities = []string{"石家庄市", "唐山市", "秦皇岛市", "邯郸市", "邢台市", "保定市", "张家口市", "承德市", "沧州市", "廊坊市", "衡水市", "辛集市", "定州市"}
	towns  = []string{"藁城区", "鹿泉区", "栾城区", "正定县", "高阳县", "清河县", "安平县", "武安市", "迁安市", "任丘市", "黄骅市", "霸州市", "晋州市", "无极县", "元氏县"}
	brands = []string{"华润", "恒信", "鑫源", "金泰", "宏达", "瑞丰", "永兴", "冀东", "新星", "天成", "盛世", "海通", "中瑞", "诚信", "德隆", "润泽", "福康", "凯盛", "嘉禾", "兴业", "龙腾", "银河", "东方", "长城", "太行", "燕赵", "渤海", "华北", "博远", "昌盛"}
	trades = []struct{ name, product, unit string }{
		{"印染", "棉布印染产品", "万米"}, {"造纸", "瓦楞原纸", "吨"}, {"制药", "原料药", "吨"}, {"化工", "烧碱", "吨"},
		{"钢铁", "热轧带钢", "万吨"}, {"水泥", "熟料", "万吨"}, {"电镀", "镀锌件", "万平方米"}, {"皮革", "成品革", "万张"},
		{"食品", "速冻食品", "吨"}, {"焦化", "冶金焦", "万吨"}, {"玻璃", "浮法玻璃", "万重量箱"}, {"纺织", "棉纱", "吨"},
	}
	suffixes     = []string{"有限公司", "股份有限公司", "集团有限公司", "有限责任公司"}
	consultants  = []string{"河北绿源环保咨询有限公司", "石家庄清源节能技术服务有限公司", "北京中环清洁生产技术中心", "Greenway Consulting Co., Ltd.", "河北省环境科学研究院", "保定市环境保护研究所"}
	pollutants   = []string{"COD", "氨氮", "二氧化硫", "氮氧化物", "颗粒物", "总磷", "总氮", "VOCs", "BOD5", "SS", "石油类", "六价铬", "苯胺类", "NH3-N", "SO2", "NOx", "PM10", "PM2.5"}
	standards    = []string{"纺织染整工业水污染物排放标准", "制浆造纸工业水污染物排放标准", "化学合成类制药工业水污染物排放标准", "锅炉大气污染物排放标准", "污水综合排放标准", "大气污染物综合排放标准", "电镀污染物排放标准", "钢铁烧结、球团工业大气污染物排放标准"}
	gbs          = []string{"GB 4287-2012", "GB 3544-2008", "GB 21904-2008", "GB 13271-2014", "GB 8978-1996", "GB 16297-1996", "GB 21900-2008", "DB13/2169-2015", "HJ 2012-2012"}
	measures     = []string{"冷凝水回收利用", "中水回用", "空压机变频改造", "余热回收", "逆流漂洗", "碱回收", "白水回用", "锅炉低氮燃烧改造", "LED照明改造", "染料自动配送系统", "溶剂回收", "膜处理技术改造", "雨污分流改造", "蒸汽管道保温", "水泵变频改造", "废气RTO焚烧处理", "清污分流", "定型机废气净化回收", "智能电表计量", "原料密闭输送"}
	chapters     = []string{"企业概况", "审核准备", "预审核", "审核", "方案的产生和筛选", "可行性分析", "方案实施", "持续清洁生产", "结论与建议"}
	surnames     = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "郑"}
	givens       = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建国", "志强", "海燕", "丽"}
	departments  = []string{"生产部", "设备部", "环保部", "技术部", "财务部", "质检部", "安全环保处", "动力车间"}
	equipment    = []string{"燃气锅炉", "定型机", "染色机", "空压机", "循环水泵", "冷却塔", "造纸机", "反应釜", "离心机", "除尘器", "脱硫塔", "污水处理站"}
	fillers      = []string{"根据", "通过", "经过", "按照", "结合", "针对", "在此基础上，", "同时，", "此外，", "综上所述，", "经审核小组讨论，", "由表可知，"}
	observations = []string{"存在跑冒滴漏现象", "能耗高于行业先进水平", "水重复利用率偏低", "部分设备老化", "计量器具配备不全", "物料损耗较大", "废水排放量较大", "管理制度不够完善"}
)

type company struct {
	name, short, city, town, trade, product, unit string
	consultant                                    string
	founded, staff                                int
}

func newCompany(r *rand.Rand) company {
	t := trades[r.IntN(len(trades))]
	city := cities[r.IntN(len(cities))]
	brand := brands[r.IntN(len(brands))] + brands[r.IntN(len(brands))][:3]
	short := strings.TrimSuffix(strings.TrimSuffix(city, "市"), "区")
	return company{
		name:       short + brand + t.name + suffixes[r.IntN(len(suffixes))],
		short:      brand,
		city:       city,
		town:       towns[r.IntN(len(towns))],
		trade:      t.name,
		product:    t.product,
		unit:       t.unit,
		consultant: consultants[r.IntN(len(consultants))],
		founded:    1985 + r.IntN(35),
		staff:      50 + r.IntN(3000),
	}
}

// genDoc writes one document of about target bytes for c, with a
// mention of other now and then (a name copied from another report).
func genDoc(r *rand.Rand, c, other company, target int) string {
	var b strings.Builder
	b.Grow(target + 2048)
	num := func(max int) int { return 1 + r.IntN(max) }
	dec := func(max float64) string { return fmt.Sprintf("%.2f", r.Float64()*max) }
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	person := func() string { return pick(surnames) + pick(givens) }
	ch := 0
	for b.Len() < target {
		if r.IntN(8) == 0 || b.Len() == 0 {
			ch++
			fmt.Fprintf(&b, "\n第%d章 %s\n", ch, chapters[(ch-1)%len(chapters)])
		}
		switch r.IntN(16) {
		case 0:
			fmt.Fprintf(&b, "%s位于%s%s，始建于%d年，占地面积%d平方米，现有职工%d人，主要产品为%s，年产量%d%s。",
				c.name, c.city, c.town, c.founded, num(200000), c.staff, c.product, num(50000), c.unit)
		case 1:
			fmt.Fprintf(&b, "本轮清洁生产审核共提出清洁生产方案%d项，其中无/低费方案%d项，中/高费方案%d项，总投资%s万元。",
				num(40), num(30), num(10), dec(5000))
		case 2:
			fmt.Fprintf(&b, "实施%s后，预计年节水量%d吨，节电%s万千瓦时，折合标准煤%s吨/年，年经济效益%s万元。",
				pick(measures), num(500000), dec(500), dec(3000), dec(800))
		case 3:
			p := pick(pollutants)
			fmt.Fprintf(&b, "%s排放浓度为%smg/L，排放量%s吨/年，满足《%s》（%s）表%d标准要求。",
				p, dec(300), dec(200), pick(standards), pick(gbs), num(3))
		case 4:
			fmt.Fprintf(&b, "审核小组由%s任组长，%s任副组长，成员包括%s、%s、%s等部门负责人，聘请%s提供技术支持。",
				person(), person(), pick(departments), pick(departments), pick(departments), c.consultant)
		case 5: // a table
			fmt.Fprintf(&b, "\n表%d-%d 清洁生产方案汇总表\n序号 方案名称 投资（万元） 节水量（吨/年） COD削减量（吨/年） 经济效益（万元/年）\n", ch, num(9))
			for i := range 3 + r.IntN(10) {
				fmt.Fprintf(&b, "%d %s %s %d %s %s\n", i+1, pick(measures), dec(300), num(90000), dec(50), dec(200))
			}
		case 6: // another table
			fmt.Fprintf(&b, "\n表%d-%d 主要设备一览表\n序号 设备名称 型号 数量 功率（kW） 状态\n", ch, num(9))
			for i := range 3 + r.IntN(8) {
				fmt.Fprintf(&b, "%d %s %c%c-%d %d %s %s\n", i+1, pick(equipment), 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)),
					num(9999), num(20), dec(500), pick([]string{"正常", "在用", "待更新", "淘汰"}))
			}
		case 7:
			fmt.Fprintf(&b, "%s%s%s，%s的%s%s，建议纳入清洁生产方案。",
				pick(fillers), c.short, pick(observations), c.city, pick(equipment), pick(observations))
		case 8:
			fmt.Fprintf(&b, "%d年%d月%d日，%s组织召开清洁生产审核启动会，%s生态环境局%s参加会议。",
				2018+r.IntN(8), num(12), num(28), c.name, c.city, person())
		case 9:
			fmt.Fprintf(&b, "企业%d年万元产值综合能耗为%s吨标准煤/万元，单位产品取水量%sm³/t，水重复利用率%s%%，%s的ISO 14001环境管理体系运行良好。",
				2020+r.IntN(6), dec(3), dec(80), dec(100), c.short)
		case 10:
			if r.IntN(10) == 0 { // a name copied from another enterprise's report
				fmt.Fprintf(&b, "%s与%s同属%s行业，其%s经验可供借鉴。", c.name, other.name, other.trade, pick(measures))
			} else {
				fmt.Fprintf(&b, "%s所在%s%s工业园区，园区集中供热，污水经预处理后排入园区污水处理厂。", c.name, c.city, c.town)
			}
		case 11:
			fmt.Fprintf(&b, "评估专家组认为，该企业清洁生产审核程序规范，方案可行，同意通过评估。专家：%s、%s、%s。", person(), person(), person())
		case 12:
			fmt.Fprintf(&b, "The audit team (lead: %s) recommends Option %d: %s, payback %s years, COD reduction %s t/a.",
				pick([]string{"Zhang Wei", "Li Na", "Wang Fang", "Liu Yang"}), num(30), pick([]string{"condensate recovery", "VFD retrofit", "heat recovery", "counter-current rinsing"}), dec(6), dec(40))
		case 13:
			fmt.Fprintf(&b, "%s%s，%s%s，%s。", pick(fillers), pick(observations), pick(fillers), pick(observations), pick(measures))
		case 14:
			fmt.Fprintf(&b, "第%d步 %s：完成%s，形成%s报告，提交%s生态环境局备案。", num(35), chapters[r.IntN(len(chapters))], pick(measures), chapters[r.IntN(len(chapters))], c.city)
		default:
			fmt.Fprintf(&b, "%s%s%s车间%s年用水量%d吨，用电量%s万千瓦时，产生%s%s吨，%s。",
				pick(fillers), c.short, pick(equipment), c.trade, num(900000), dec(2000), pick(pollutants), dec(500), pick(observations))
		}
		if r.IntN(3) == 0 {
			b.WriteByte('\n')
		}
	}
	return extract.Normalize(b.String())
}

// corpusDoc is one generated document with its filter fields.
type corpusDoc struct {
	id, kind, audit, ent, cons string
	step                       int
	text                       string
}

// genCorpus returns n documents of about meanBytes bytes each on average
// (lengths spread exponentially above a floor, as real files are), the
// same for the same seed.
func genCorpus(seed uint64, n, meanBytes int) []corpusDoc {
	r := rand.New(rand.NewPCG(seed, 2026))
	companies := make([]company, max(10, n/7)) // about 7 documents per enterprise
	for i := range companies {
		companies[i] = newCompany(r)
	}
	floor := meanBytes / 5
	docs := make([]corpusDoc, n)
	for i := range docs {
		ci := r.IntN(len(companies))
		c := companies[ci]
		target := floor + int(r.ExpFloat64()*float64(meanBytes-floor))
		target = int(math.Min(float64(target), float64(20*meanBytes)))
		kind := []string{"report", "evidence", "evidence", "report", "guideline", "other"}[r.IntN(6)]
		docs[i] = corpusDoc{
			id:    fmt.Sprintf("doc%06d", i),
			kind:  kind,
			audit: fmt.Sprintf("audit%05d", ci),
			ent:   fmt.Sprintf("ent%05d", ci),
			cons:  c.consultant,
			step:  1 + r.IntN(35),
			text:  genDoc(r, c, companies[r.IntN(len(companies))], target),
		}
	}
	return docs
}
