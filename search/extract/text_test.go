package extract

import (
	"strings"
	"testing"

	cpaudit "github.com/cpaudit/cpaudit"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const report = "清洁生产审核报告\r\n本企业实施清洁生产方案后，节水量达到　１２０００吨/年，\n综合能耗下降15%。\n"

func TestTextEncodings(t *testing.T) {
	// The full-width comma folds to ",", which is not Han: the line break
	// after it stays a space.
	const want = "清洁生产审核报告本企业实施清洁生产方案后,节水量达到 12000吨/年, 综合能耗下降15%。"
	tests := []struct {
		name, contentType string
		data              []byte
	}{
		{"utf8.txt", "text/plain; charset=utf-8", []byte(report)},
		{"utf8-bom.txt", "text/plain; charset=utf-8", append([]byte("\xef\xbb\xbf"), report...)},
		{"gbk.txt", "text/plain; charset=utf-8", encode(t, simplifiedchinese.GBK, report)},
		{"gbk-octet.txt", "application/octet-stream", encode(t, simplifiedchinese.GBK, report)},
		{"utf16le.txt", "text/plain; charset=utf-16le", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), report)},
		{"utf16be.txt", "text/plain; charset=utf-16be", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), report)},
		{"utf16le-nobom.txt", "application/octet-stream", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "Audit report 2024: "+report)},
		{"notes.md", "text/plain; charset=utf-8", []byte(report)},
		// UTF-8 with a stray Latin-1 byte and a last character cut short
		// is still UTF-8.
		{"utf8-damaged.txt", "text/plain; charset=utf-8", []byte(strings.Repeat(report, 3) + "温度 25\xb0C\n" + report + "\xe6\xb8")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.data, tt.contentType, tt.name, Limits{})
			wantDone(t, res, want)
		})
	}
}

func TestGB18030CSV(t *testing.T) {
	// 𠮷 (U+20BB7) has no GBK code: only GB18030's four-byte form holds it,
	// so this file is GB18030 proper, not GBK.
	csv := "企业名称,统一社会信用代码,节水量（吨/年）\r\n𠮷祥化工有限公司,91320000MA1XXXXX0X,12000\r\n"
	data := encode(t, simplifiedchinese.GB18030, csv)
	res := run(t, data, "text/plain; charset=utf-8", "企业.csv", Limits{})
	wantDone(t, res, "企业名称,统一社会信用代码,节水量(吨/年) 𠮷祥化工有限公司,91320000MA1XXXXX0X,12000")
}

func TestHTML(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>审核公示</title>
<style>body { font-family: "宋体"; }</style>
<script>var secret = "脚本内容"; document.write("<p>不应出现</p>");</script>
</head><body><h1>清洁生产<br>审核公示</h1>
<p>企业：某某化工&amp;有限公司</p><noscript>请启用脚本</noscript>
<table><tr><td>节水量</td><td>12000 吨/年</td></tr></table>
<script type="module">import x from "./y.js"</script><template><p>模板</p></template>
<p>Water&nbsp;saving</p></body></html>`
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"page.html", []byte(page)},
		{"gbk-meta.html", encode(t, simplifiedchinese.GBK, strings.Replace(page, "<head>", `<head><meta charset="gbk">`, 1))},
		{"gbk-nometa.htm", encode(t, simplifiedchinese.GBK, page)},
		{"gb2312-http-equiv.html", encode(t, simplifiedchinese.GBK, strings.Replace(page, "<head>", `<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, 1))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.data, "text/html; charset=utf-8", tt.name, Limits{})
			wantDone(t, res, "审核公示清洁生产审核公示", "企业:某某化工&有限公司", "节水量 12000 吨/年", "Water saving")
			for _, absent := range []string{"secret", "脚本内容", "不应出现", "font-family", "import", "模板", "请启用脚本"} {
				if strings.Contains(res.Text, absent) {
					t.Errorf("text contains %q: %s", absent, res.Text)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		data              string
		contentType, name string
		format            string
		status            cpaudit.TextStatus
	}{
		{"", "", "empty.txt", "empty", cpaudit.TextUnsupported},
		{"hello", "application/octet-stream", "a.bin", "", cpaudit.TextUnsupported},
		{"hello", "text/plain; charset=utf-8", "noext", "text", cpaudit.TextDone},
		{"hello", "application/octet-stream", "a.CSV", "text", cpaudit.TextDone},
		{"{\\rtf1 hello}", "text/plain; charset=utf-8", "a.rtf", "rtf", cpaudit.TextUnsupported},
		{"%PDF-1.4 but nothing else", "application/pdf", "a.txt", "pdf", cpaudit.TextFailed},
		{"<p>x</p>", "text/plain; charset=utf-8", "a.html", "html", cpaudit.TextDone},
	}
	for _, tt := range tests {
		res := run(t, []byte(tt.data), tt.contentType, tt.name, Limits{})
		if res.Format != tt.format || res.Status != tt.status {
			t.Errorf("%s: format %q status %s (%s), want %q %s", tt.name, res.Format, res.Status, res.Reason, tt.format, tt.status)
		}
	}
}

func TestLimits(t *testing.T) {
	data := []byte(strings.Repeat("清洁生产 audit ", 1000))
	res := run(t, data, "text/plain", "big.txt", Limits{MaxBytes: 100})
	wantStatus(t, res, cpaudit.TextFailed, "larger than")

	res = run(t, data, "text/plain", "big.txt", Limits{MaxText: 50})
	wantDone(t, res, "清洁生产 audit 清洁生产")
	if n := len([]rune(res.Text)); n > 50 {
		t.Errorf("text of %d runes, over MaxText", n)
	}
	if !strings.Contains(res.Reason, "truncated at 50") {
		t.Errorf("reason %q does not say the text was truncated", res.Reason)
	}
}
