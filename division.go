package cpaudit

import (
	_ "embed"
	"fmt"
	"strings"
)

// divisionsCSV is the national table of administrative divisions
// (GB/T 2260, as published by the National Bureau of Statistics for 2023:
// provinces, prefecture-level cities and counties), taken from the
// china-division package (modood/Administrative-divisions-of-China, public
// domain data under the WTFPL). One line a division: its 6-digit code and
// its name.
//
//go:embed divisions.csv
var divisionsCSV string

// Divisions names China's administrative divisions by their 6-digit codes:
// 130000 河北省, 130100 石家庄市, 130102 长安区. Pages name regions with it
// instead of showing codes; it is read once at start (LoadDivisions) and
// never changes.
type Divisions struct {
	names map[string]string
}

// LoadDivisions reads the embedded table.
func LoadDivisions() (Divisions, error) {
	lines := strings.Split(strings.TrimSpace(divisionsCSV), "\n")
	d := Divisions{names: make(map[string]string, len(lines))}
	for i, line := range lines[1:] { // the header
		code, name, ok := strings.Cut(line, ",")
		if !ok || ValidateRegion(code) != nil || name == "" {
			return Divisions{}, fmt.Errorf("divisions.csv line %d: %q is not CODE,NAME", i+2, line)
		}
		d.names[code] = name
	}
	return d, nil
}

// Name is the division's own name, "" when the code is unknown. The
// "市辖区" (districts under the city) of the four municipalities is named
// after its municipality.
func (d Divisions) Name(code string) string {
	name := d.names[code]
	if name == "市辖区" && len(code) == 6 {
		return d.names[code[:2]+"0000"]
	}
	return name
}

// Label names a division so that a reader knows where it is: a province
// or city by its name (石家庄市), a county after its city (石家庄市长安区),
// a code that is not in the table as the code itself.
func (d Divisions) Label(code string) string {
	name := d.Name(code)
	switch {
	case name == "":
		return code
	case len(code) == 6 && code[4:] != "00":
		if city := d.Name(code[:4] + "00"); city != "" && city != name {
			return city + name
		}
	}
	return name
}
