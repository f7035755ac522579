package cpaudit

import "testing"

func TestDivisions(t *testing.T) {
	d, err := LoadDivisions()
	if err != nil {
		t.Fatal(err)
	}
	// Every province-level division of the mainland, their cities and
	// counties: the table is the whole country, not one province.
	provinces, cities := 0, 0
	for code := range d.names {
		switch {
		case code[2:] == "0000":
			provinces++
		case code[4:] == "00":
			cities++
		}
	}
	if provinces != 31 || cities < 330 || len(d.names) < 3000 {
		t.Errorf("%d provinces, %d cities, %d divisions", provinces, cities, len(d.names))
	}
	for code, want := range map[string]string{
		"130000": "河北省",
		"130100": "石家庄市",
		"130102": "石家庄市长安区",
		"131100": "衡水市",
		"650100": "乌鲁木齐市",
		"110100": "北京市",    // the municipality's 市辖区
		"110101": "北京市东城区", // a district of it
		"441900": "东莞市",    // a city without counties is its own
		"999999": "999999", // unknown: the code
		"":       "",
	} {
		if got := d.Label(code); got != want {
			t.Errorf("Label(%q) = %q, want %q", code, got, want)
		}
	}
	if d.Name("130102") != "长安区" || d.Name("12345") != "" {
		t.Errorf("Name: %q %q", d.Name("130102"), d.Name("12345"))
	}
}
