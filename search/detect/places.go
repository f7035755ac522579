package detect

// Places of China for foreign_name: every province-level division, every
// provincial capital, all of Hebei's prefecture-level cities and some
// other large ones, with their GB/T 2260 codes. Municipalities (北京, 天津,
// 上海, 重庆) are provinces and cities at once.
//
// A name is found in a text in full (河北省, 石家庄市, 广西壮族自治区) or,
// when the name without its suffix has at least 3 characters, also without
// it (石家庄, 内蒙古): two-character short names (唐山, 河北) are words of
// too many other phrases to count without 市 or 省.
var places = []struct {
	Name string
	Code string
}{
	{"北京市", "110000"}, {"天津市", "120000"}, {"河北省", "130000"}, {"山西省", "140000"},
	{"内蒙古自治区", "150000"}, {"辽宁省", "210000"}, {"吉林省", "220000"}, {"黑龙江省", "230000"},
	{"上海市", "310000"}, {"江苏省", "320000"}, {"浙江省", "330000"}, {"安徽省", "340000"},
	{"福建省", "350000"}, {"江西省", "360000"}, {"山东省", "370000"}, {"河南省", "410000"},
	{"湖北省", "420000"}, {"湖南省", "430000"}, {"广东省", "440000"}, {"广西壮族自治区", "450000"},
	{"海南省", "460000"}, {"重庆市", "500000"}, {"四川省", "510000"}, {"贵州省", "520000"},
	{"云南省", "530000"}, {"西藏自治区", "540000"}, {"陕西省", "610000"}, {"甘肃省", "620000"},
	{"青海省", "630000"}, {"宁夏回族自治区", "640000"}, {"新疆维吾尔自治区", "650000"},
	{"台湾省", "710000"}, {"香港特别行政区", "810000"}, {"澳门特别行政区", "820000"},

	// Hebei's 11 prefecture-level cities.
	{"石家庄市", "130100"}, {"唐山市", "130200"}, {"秦皇岛市", "130300"}, {"邯郸市", "130400"},
	{"邢台市", "130500"}, {"保定市", "130600"}, {"张家口市", "130700"}, {"承德市", "130800"},
	{"沧州市", "130900"}, {"廊坊市", "131000"}, {"衡水市", "131100"},

	// Provincial capitals.
	{"太原市", "140100"}, {"呼和浩特市", "150100"}, {"沈阳市", "210100"}, {"长春市", "220100"},
	{"哈尔滨市", "230100"}, {"南京市", "320100"}, {"杭州市", "330100"}, {"合肥市", "340100"},
	{"福州市", "350100"}, {"南昌市", "360100"}, {"济南市", "370100"}, {"郑州市", "410100"},
	{"武汉市", "420100"}, {"长沙市", "430100"}, {"广州市", "440100"}, {"南宁市", "450100"},
	{"海口市", "460100"}, {"成都市", "510100"}, {"贵阳市", "520100"}, {"昆明市", "530100"},
	{"拉萨市", "540100"}, {"西安市", "610100"}, {"兰州市", "620100"}, {"西宁市", "630100"},
	{"银川市", "640100"}, {"乌鲁木齐市", "650100"},

	// Other large cities, neighbours of Hebei first.
	{"大同市", "140200"}, {"包头市", "150200"}, {"鄂尔多斯市", "150600"}, {"大连市", "210200"},
	{"吉林市", "220200"}, {"无锡市", "320200"}, {"苏州市", "320500"}, {"宁波市", "330200"},
	{"厦门市", "350200"}, {"青岛市", "370200"}, {"德州市", "371400"}, {"聊城市", "371500"},
	{"安阳市", "410500"}, {"深圳市", "440300"},
}

// place is one way a place is written, with its code and whether it is a
// province-level division.
type place struct {
	alias    []rune
	name     string
	code     string
	province bool
}

// placeAliases lists the written forms of every place, longest first so
// that the longest match at a position wins.
func placeAliases() []place {
	var out []place
	for _, p := range places {
		prov := p.Code[2:] == "0000"
		out = append(out, place{alias: []rune(p.Name), name: p.Name, code: p.Code, province: prov})
		short := p.Name
		for _, suf := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"} {
			if s, ok := cutSuffix(short, suf); ok {
				short = s
				break
			}
		}
		if short != p.Name && len([]rune(short)) >= 3 {
			out = append(out, place{alias: []rune(short), name: p.Name, code: p.Code, province: prov})
		}
	}
	sortByLength(out)
	return out
}

// foreignPlace says whether a place lies outside region (a 6-digit code):
// a province other than region's, or a city outside its city (outside its
// province for a municipality's districts).
func foreignPlace(p place, region string) bool {
	if len(region) != 6 {
		return false
	}
	if p.code[:2] != region[:2] {
		return true
	}
	if p.province || isMunicipality(region) || region[2:] == "0000" {
		return false
	}
	return p.code[:4] != region[:4]
}

func isMunicipality(code string) bool {
	switch code[:2] {
	case "11", "12", "31", "50":
		return true
	}
	return false
}
