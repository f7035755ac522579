package handlers_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
	"unicode"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// reportParagraph is long enough that LibreOffice breaks it across several
// lines of the PDF, wherever the breaks fall.
const reportParagraph = "本企业实施清洁生产方案后全年节水量达到一万二千吨综合能耗下降百分之十五" +
	"废水排放量减少三成审核小组对无低费方案和中高费方案逐一进行了可行性分析" +
	"并将企业内部的节能降耗经验推广到全部生产车间和辅助部门形成了持续清洁生产的长效机制"

// TestSearchPDFAcrossLineBreaks uploads a PDF made by LibreOffice and
// searches every 4-character phrase of its paragraph: those the layout
// broke across two lines must be found like the others.
func TestSearchPDFAcrossLineBreaks(t *testing.T) {
	bin := testenv.Soffice(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte("清洁生产审核报告\n\n"+reportParagraph+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "pdf", "--outdir", filepath.Join(dir, "out"), filepath.Join(dir, "report.txt"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "out", "report.pdf"))
	if err != nil {
		t.Fatal(err)
	}

	w := newWorld(t)
	w.e.uploadText(w.consultant, [][2]string{{"kind", "report"}, {"audit_id", w.auditID}}, "审核报告.pdf", pdf)
	w.e.process()
	rs := []rune(reportParagraph)
	for i := 0; i+4 <= len(rs); i++ {
		phrase := string(rs[i : i+4])
		for _, r := range phrase {
			if !unicode.Is(unicode.Han, r) {
				t.Fatalf("phrase %q is not all Han", phrase)
			}
		}
		if ans := w.e.search(w.regulator, url.Values{"q": {phrase}}); ans.Total != 1 {
			t.Errorf("%q: total %d, want 1", phrase, ans.Total)
		}
	}
}
