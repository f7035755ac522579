package handlers_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestBrowserReviewSettings is issue 18's settings page in headless
// Chromium: a regulator opens it from the navigation, moves five points of
// the assessment checklist from 目标完成情况 to 数据真实性 and saves; the
// page shows the stage as the tenant's own, and a campaign created
// afterwards is scored out of the new points.
func TestBrowserReviewSettings(t *testing.T) {
	chromium := testenv.Chromium(t)
	rw := newReviewWorld(t)
	c := newChromium(t, chromium)
	base := rw.e.srv.URL
	c.login(base, "hebei", "chen@hebei.gov.cn")
	c.do("open the settings from the navigation",
		chromedp.Navigate(base+"/campaigns"),
		chromedp.WaitVisible(chromedp.CSS("#nav-review-settings")),
		chromedp.Click(chromedp.CSS("#nav-review-settings")),
		chromedp.WaitVisible(chromedp.CSS("#checklist-form-assessment")),
		chromedp.SetValue(chromedp.CSS("#item-max-assessment-0"), "35"),
		chromedp.SetValue(chromedp.CSS("#item-max-assessment-3"), "15"),
	)
	c.shot("review-settings-edit")
	c.submitted("save the checklist", "#checklist-save-assessment", `document.querySelector("#rsettings-saved") !== null`)
	if got := c.text("#checklist-origin-assessment"); got != "本单位自定义" {
		t.Errorf("the stage after saving is %q", got)
	}
	c.shot("review-settings-saved")
	id := rw.campaign(t, "assessment")
	var camp struct {
		Checklist struct {
			Items []struct {
				Item string
				Max  float64
			}
		}
	}
	if rw.e.getJSON("/api/v1/campaigns/"+id, rw.admin, &camp); len(camp.Checklist.Items) != 4 ||
		camp.Checklist.Items[0].Max != 35 || camp.Checklist.Items[3].Max != 15 {
		t.Errorf("the campaign created afterwards: %+v", camp.Checklist)
	}
}
