package httpx

import "testing"

// TestContentDisposition: the header has an ASCII fallback and the UTF-8
// name (RFC 6266), and drops bidirectional controls even from a name
// stored before they were dropped on upload (issue 24).
func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"report.pdf":        `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		"审核报告.pdf":          `attachment; filename="____.pdf"; filename*=UTF-8''%E5%AE%A1%E6%A0%B8%E6%8A%A5%E5%91%8A.pdf`,
		`a"b\c%d.txt`:       `attachment; filename="c_d.txt"; filename*=UTF-8''c%25d.txt`,
		"报告\u202Efdp.exe":   `attachment; filename="__fdp.exe"; filename*=UTF-8''%E6%8A%A5%E5%91%8Afdp.exe`,
		"\u2067x\u2069.exe": `attachment; filename="x.exe"; filename*=UTF-8''x.exe`,
		"a\r\nb.txt":        `attachment; filename="ab.txt"; filename*=UTF-8''ab.txt`,
	} {
		if got := ContentDisposition(name); got != want {
			t.Errorf("contentDisposition(%q)\n = %s\nwant %s", name, got, want)
		}
	}
}
