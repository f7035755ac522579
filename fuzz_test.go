package cpaudit

import (
	"strings"
	"testing"
)

// FuzzValidateCreditCode: whatever the input, the validator answers nil
// or a refusal with one of its three codes, never panics, and accepts
// exactly the codes whose check character CreditCodeCheck computes.
func FuzzValidateCreditCode(f *testing.F) {
	for _, s := range []string{"91130100MA0CXXXX0X", "91110000600037341" + string(CreditCodeCheck("91110000600037341")),
		"", "9113010", "91130100MA0CXXXX0XX", "9113010OMA0CXXXX0X", "IIIIIIIIIIIIIIIIII", "统一社会信用代码", "\xff\xfe\x00\x00000000000000000",
		"<script>alert(1)</script>", strings.Repeat("9", 100_000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		err := ValidateCreditCode(code)
		if err == nil {
			if len(code) != 18 || CreditCodeCheck(code[:17]) != code[17] {
				t.Fatalf("accepted %q", code)
			}
			return
		}
		switch c := ErrorCode(err); c {
		case CodeCreditCodeLength, CodeCreditCodeCharacter, CodeCreditCodeCheck:
		default:
			t.Fatalf("%q: code %q (%v)", code, c, err)
		}
		if ErrorKind(err) != KindUnprocessable {
			t.Fatalf("%q: kind %v", code, ErrorKind(err))
		}
	})
}

// FuzzParseEnterpriseRows is the enterprise .xlsx importer after the
// workbook is read (sheet.Read has its own target): a sheet given as
// tab-separated cells and newline-separated rows, the first the header.
// Every data row is either valid (its code and region pass their
// validators) or rejected with a row number inside the sheet.
func FuzzParseEnterpriseRows(f *testing.F) {
	head := "企业名称\t统一社会信用代码\t行业代码\t行政区划代码\t地址\t排污许可证编号\t生产状态\n"
	for _, s := range []string{
		head + "河北绿源化工有限公司\t91130100MA0CXXXX0X\tC2710\t130104\t石家庄市\t\t正常生产\n",
		head + "报告<script>window.__xss=1</script>\t91130100MA0CXXXX0X\tC2710\t130104\t\"><img src=x onerror=alert(1)>\t\t停产\n",
		head + "甲\t1\tC\t13\n乙\n\n\t\t\t\n丙\t91130100MA0CXXXX0X\tC2710\t999999\n",
		"name\tcredit_code\tindustry\tregion\n" + strings.Repeat("重复\t91130100MA0CXXXX0X\tC2710\t130104\n", 50),
		"企业名称（必填）\tname\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.Split(data, "\n")
		header := strings.Split(lines[0], "\t")
		var rows [][]string
		for _, l := range lines[1:] {
			rows = append(rows, strings.Split(l, "\t"))
		}
		ok, rejected, err := ParseEnterpriseRows(header, rows)
		if err != nil {
			if ErrorKind(err) != KindInvalid || ErrorCode(err) != CodeImportColumnsMissing {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(ok)+len(rejected) > len(rows) {
			t.Fatalf("%d valid and %d rejected of %d rows", len(ok), len(rejected), len(rows))
		}
		for _, r := range rejected {
			if r.Row < 2 || r.Row > len(rows)+1 || r.Reason == "" {
				t.Fatalf("rejection %+v of %d rows", r, len(rows))
			}
		}
		for _, r := range ok {
			if err := ValidateCreditCode(r.Org.CreditCode); err != nil {
				t.Fatalf("accepted %+v: %v", r, err)
			}
			if err := ValidateRegion(r.Org.Region); err != nil {
				t.Fatalf("accepted %+v: %v", r, err)
			}
		}
	})
}
