package cpaudit

import "testing"

func TestValidateProfile(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Organisation
		want Kind // -1: valid
		st   OperatingStatus
	}{
		{"enterprise without status operates", Organisation{Kind: OrgEnterprise}, -1, StatusOperating},
		{"停产", Organisation{Kind: OrgEnterprise, Status: "停产"}, -1, StatusStopped},
		{"正常生产", Organisation{Kind: OrgEnterprise, Status: "正常生产"}, -1, StatusOperating},
		{"unknown status", Organisation{Kind: OrgEnterprise, Status: "关闭"}, KindUnprocessable, ""},
		{"consultancy with a status", Organisation{Kind: OrgConsultancy, Status: "stopped"}, KindUnprocessable, ""},
		{"consultancy has none", Organisation{Kind: OrgConsultancy}, -1, ""},
		{"permit", Organisation{Kind: OrgEnterprise, PermitNumber: " 91130100ma0cxxxx0x001p "}, -1, StatusOperating},
		{"bad permit", Organisation{Kind: OrgEnterprise, PermitNumber: "排污许可"}, KindUnprocessable, ""},
		{"long address", Organisation{Kind: OrgEnterprise, Address: string(make([]rune, 301))}, KindInvalid, ""},
	} {
		err := tc.o.ValidateProfile()
		if tc.want == -1 {
			if err != nil || tc.o.Status != tc.st {
				t.Errorf("%s: %v, status %q", tc.name, err, tc.o.Status)
			}
			continue
		}
		if ErrorKind(err) != tc.want || err == nil {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.want)
		}
	}
}

func TestDefaultStepRequirements(t *testing.T) {
	reqs, err := DefaultStepRequirements()
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != StepCount {
		t.Fatalf("%d steps", len(reqs))
	}
	for i, r := range reqs {
		if r.Step != i+1 || r.Phase != PhaseOfStep(i+1) || len(r.Documents) == 0 {
			t.Errorf("step %d: %+v", i+1, r)
		}
		for _, d := range r.Documents {
			if d.Required {
				t.Errorf("step %d: default %s is required; defaults are advisory", r.Step, d.Key)
			}
		}
	}
}
