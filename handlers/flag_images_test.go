package handlers_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/nfnt/resize"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestFlagImagesSideBySide: the page of a duplicate_image flag shows both
// images next to each other, the photo itself and the exact image inside
// the .docx or the PDF, with the distances; the image route serves them
// only to users who may read both documents, and only as images.
func TestFlagImagesSideBySide(t *testing.T) {
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	third, thirdAudit := w.enterpriseOf(2, "保定纸业有限公司")
	src := scene(7, 800, 600)
	photo := jpegOf(t, src, 90)
	embedded := jpegOf(t, resize.Resize(640, 0, src, resize.Bilinear), 75)
	inPDF := jpegOf(t, cropBy(src, 0.05), 80)
	orig := e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "锅炉.jpg", photo)
	docx := e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}}, "报告.docx",
		docxWith(t, "word/media/image1.jpeg", embedded))
	pdf := e.uploadText(third, [][2]string{{"kind", "report"}, {"audit_id", thirdAudit}}, "报告.pdf", pdfWithJPEG(inPDF, 760, 570))
	e.process()

	b := e.browser()
	b.mustLogin("hebei", "chen@hebei.gov.cn")
	for _, c := range []struct {
		other string
		bytes []byte // of the other document's image
	}{{docx, embedded}, {pdf, inPDF}} {
		fl := e.flags(w.regulator, "?kind=duplicate_image&document_id="+c.other+"&audit_id="+w.auditID)
		if len(fl.Flags) != 1 {
			t.Fatalf("flags of %s: %+v", c.other, fl)
		}
		f := fl.Flags[0]
		want := map[string][]byte{"a": photo, "b": c.bytes}
		if f.DocumentIDs[0] != orig {
			want["a"], want["b"] = c.bytes, photo
		}
		page := b.page("/flags/" + f.ID)
		for _, side := range []string{"a", "b"} {
			if !strings.Contains(page, `<img class="flag-image" src="/flags/`+f.ID+`/images/`+side+`?pair=0"`) {
				t.Errorf("the flag page lacks image %s: %s", side, page)
			}
		}
		if !strings.Contains(page, `id="flag-images"`) || !strings.Contains(page, "感知哈希") || strings.Count(page, `class="flag-image"`) != 2 {
			t.Errorf("the flag page shows no image pair with its distances")
		}
		if !strings.Contains(page, "缩略图细节相关系数") || !strings.Contains(page, `<dd class="thumb-similarity">`) {
			t.Errorf("the flag page shows no thumbnail correlation")
		}
		for side, body := range want {
			r := b.get("/flags/" + f.ID + "/images/" + side + "?pair=0")
			if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("image %s: %d %v", side, r.status, r.header)
			}
			if !bytes.Equal([]byte(r.body), body) {
				t.Errorf("image %s of %s: %d bytes, not the exact image (%d bytes)", side, c.other, len(r.body), len(body))
			}
		}
	}
	// The API's detail names the entries the route reads.
	fl := e.flags(w.regulator, "?kind=duplicate_image&document_id="+pdf+"&audit_id="+w.auditID)
	var d struct {
		Images []struct {
			AEntry string `json:"a_entry"`
			BEntry string `json:"b_entry"`
		} `json:"images"`
	}
	if err := json.Unmarshal(fl.Flags[0].Detail, &d); err != nil || !strings.HasPrefix(d.Images[0].AEntry+d.Images[0].BEntry, "pdf@") {
		t.Errorf("detail %s", fl.Flags[0].Detail)
	}
	id := fl.Flags[0].ID
	for _, path := range []string{
		"/flags/" + id + "/images/c?pair=0", // no such side
		"/flags/" + id + "/images/a?pair=1", // no such pair
		"/flags/" + id + "/images/a?pair=-1",
		"/flags/" + id + "/images/a?pair=x",
		"/flags/fnope/images/a",
	} {
		if r := b.get(path); r.status != 404 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	// The consultant cannot read the other enterprise's report; another
	// tenant's admin sees nothing of this tenant.
	for _, who := range [][2]string{{"hebei", "zhang@lvyuan.cn"}, {"beijing", "admin@beijing.gov.cn"}} {
		o := e.browser()
		o.mustLogin(who[0], who[1])
		for _, side := range []string{"a", "b"} {
			if r := o.get("/flags/" + id + "/images/" + side); r.status != 404 || bytes.Contains([]byte(r.body), inPDF[:64]) {
				t.Errorf("%s: image %s: %d", who[1], side, r.status)
			}
		}
	}
	// Without a session: the login page, no image.
	if r := e.browser().get("/flags/" + id + "/images/a"); r.status == 200 {
		t.Errorf("anonymous: %d", r.status)
	}
}

// TestBrowserFlagImages: in headless Chromium, under the page's CSP, the
// two images of a reused-photo flag load and show next to each other.
func TestBrowserFlagImages(t *testing.T) {
	chromium := testenv.Chromium(t)
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	src := scene(8, 640, 480)
	e.uploadText(w.consultant, [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}, "锅炉.jpg", jpegOf(t, src, 90))
	e.uploadText(other, [][2]string{{"kind", "report"}, {"audit_id", otherAudit}}, "报告.docx",
		docxWith(t, "word/media/image1.jpeg", jpegOf(t, brighter(cropBy(src, 0.06), 25), 70)))
	e.process()
	fl := e.flags(w.regulator, "?kind=duplicate_image")
	if len(fl.Flags) != 1 {
		t.Fatalf("flags %+v", fl)
	}
	c := newChromium(t, chromium)
	c.login(e.srv.URL, "hebei", "chen@hebei.gov.cn")
	c.do("open the flag", chromedp.Navigate(e.srv.URL+"/flags/"+fl.Flags[0].ID), chromedp.WaitVisible(chromedp.CSS("#flag-images")))
	// Both images decoded, side by side: the second starts to the right of the first.
	got, err := chromedp.Run(c.ctx, chromedp.Poll[string](`(() => {
		const imgs = [...document.querySelectorAll("img.flag-image")];
		if (imgs.length !== 2 || !imgs.every(i => i.complete && i.naturalWidth > 0)) return null;
		const [a, b] = imgs.map(i => i.getBoundingClientRect());
		return b.left > a.right - 1 && Math.abs(a.top - b.top) < 2 ? "side by side" : "stacked";
	})()`))
	if err != nil || got != "side by side" {
		t.Errorf("images: %q %v", got, err)
	}
	c.shot("flag-images")
	if s := c.text("#flag-images .image-facts"); !strings.Contains(s, "感知哈希") {
		t.Errorf("facts %q", s)
	}
}
