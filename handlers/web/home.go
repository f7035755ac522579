package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The home page ("/") is the signed-in user's work queue, by role: what
// waits for it, each item one click from where it is done, every audit
// named by its enterprise and linked. It reads the lists the other pages
// read (audits, overdue, flags, findings, review assignments) plus the
// step queues of HomeStore, always with the user's own reach.

// homeRows is how many items each queue shows; the heading says how many
// there are in all and links to the full list where there is one.
const homeRows = 10

// stepRow is a queued step as the page shows it.
type stepRow struct {
	cpaudit.StepItem
	StepLabel, RegionLabel, When string
}

// findingRow is a finding with its audit's enterprise name.
type findingRow struct {
	cpaudit.Finding
	EnterpriseName, CategoryLabel, StateLabel string
}

// flagRow is an open flag with its documents' titles.
type flagRow struct {
	ID, KindLabel, Score string
	Titles               []string
}

// assignmentRow is an expert's review assignment.
type assignmentRow struct {
	cpaudit.Assignment
	EnterpriseName, StateLabel string
}

// guidelineRow is one of a publisher's guidelines.
type guidelineRow struct {
	ID, Title, When string
}

// queue is one section of the home page.
type queue struct {
	ID, Title string
	Total     int
	More      string // the full list, when there is one
}

func (s *Handler) home(w http.ResponseWriter, r *http.Request) error {
	wi := webOf(r)
	a := httpx.ActorOf(r)
	data := map[string]any{}
	var err error
	if !wi.NeedsOrg() {
		switch a.Role {
		case cpaudit.RoleRegulator:
			err = s.regulatorHome(r.Context(), a, wi.Lang, data)
		case cpaudit.RoleConsultant:
			err = s.consultantHome(r.Context(), a, wi.Lang, data)
		case cpaudit.RoleEnterprise:
			err = s.enterpriseHome(r.Context(), a, wi.Lang, data)
		case cpaudit.RoleExpert:
			err = s.expertHome(r.Context(), a, wi.Lang, data)
		case cpaudit.RolePublisher:
			err = s.publisherHome(r.Context(), a, wi.Lang, data)
		case cpaudit.RoleAdmin:
			err = s.adminHome(r.Context(), a, wi.Lang, data)
		}
	}
	if err != nil {
		return err
	}
	if !wi.NeedsOrg() {
		// New guideline versions of the industries of the user's audits
		// (regulators and consultants; the store gives others none).
		since := time.Now().AddDate(0, 0, -cpaudit.GuidelineNoticeDays)
		if data["GuidelineNotices"], err = s.store.GuidelineNotices(r.Context(), a, since); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "home", data)
}

func (s *Handler) regulatorHome(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	if err := s.stepQueue(ctx, a, lang, cpaudit.StepSubmitted, "q-submitted", T("home.submitted"), data); err != nil {
		return err
	}
	if err := s.flagQueue(ctx, a, lang, data); err != nil {
		return err
	}
	overdue, total, err := s.store.Overdue(ctx, a, cpaudit.AuditListFilter{Limit: homeRows})
	if err != nil {
		return err
	}
	rows := make([]webOverdueRow, len(overdue))
	for i, o := range overdue {
		rows[i] = webOverdueRow{OverdueRow: o, ObligationLabel: T("due." + o.Obligation), RegionLabel: s.regionLabel(o.Region)}
	}
	data["Overdue"], data["OverdueQ"] = rows, queue{ID: "q-overdue", Title: T("home.overdue"), Total: total, More: "/overdue"}
	// Rectification orders past their due date, beside the answers to verify.
	orders, total, err := s.store.Findings(ctx, a, cpaudit.FindingFilter{Overdue: true, Orders: true, Limit: homeRows})
	if err != nil {
		return err
	}
	data["OverdueOrders"], data["OverdueOrdersQ"] = orders, queue{ID: "q-overdue-orders", Title: T("home.overdueOrders"), Total: total, More: "/orders?overdue=true"}
	return s.findingQueue(ctx, a, lang, cpaudit.FindingAnswered, "q-answered", T("home.answered"), data)
}

func (s *Handler) consultantHome(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	if err := s.stepQueue(ctx, a, lang, cpaudit.StepReturned, "q-returned", T("home.returned"), data); err != nil {
		return err
	}
	if err := s.dueQueue(ctx, a, lang, data); err != nil {
		return err
	}
	return s.findingQueue(ctx, a, lang, cpaudit.FindingOpen, "q-findings", T("home.findings"), data)
}

func (s *Handler) enterpriseHome(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	own, _, err := s.store.Audits(ctx, a, cpaudit.AuditListFilter{Limit: homeRows})
	if err != nil {
		return err
	}
	bars := make([]progressBar, len(own))
	for i, au := range own {
		bars[i] = newProgressBar("progress-"+strconv.Itoa(i), au.EnterpriseName, au.Accepted, cpaudit.StepCount)
	}
	data["Own"], data["OwnBars"] = s.webAuditRows(lang, own), bars
	data["OwnQ"] = queue{ID: "q-own", Title: T("home.own"), Total: len(own)}
	if err := s.stepQueue(ctx, a, lang, cpaudit.StepReturned, "q-returned", T("home.waiting"), data); err != nil {
		return err
	}
	return s.findingQueue(ctx, a, lang, cpaudit.FindingOpen, "q-findings", T("home.findings"), data)
}

func (s *Handler) expertHome(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	list, err := s.store.MyAssignments(ctx, a)
	if err != nil {
		return err
	}
	var ids []string
	for _, as := range list {
		ids = append(ids, as.AuditID)
	}
	names, err := s.store.AuditNames(ctx, a, ids)
	if err != nil {
		return err
	}
	rows := []assignmentRow{}
	for _, as := range list {
		if as.State == cpaudit.AssignmentReplaced {
			continue
		}
		rows = append(rows, assignmentRow{Assignment: as, EnterpriseName: names[as.AuditID], StateLabel: T("home.assignment." + as.State)})
	}
	data["Assignments"], data["AssignmentsQ"] = rows, queue{ID: "q-assignments", Title: T("home.assignments"), Total: len(rows)}
	return s.flagQueue(ctx, a, lang, data)
}

func (s *Handler) publisherHome(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	docs, _, err := s.store.Documents(ctx, a, cpaudit.DocumentFilter{Kind: cpaudit.DocGuideline, Limit: 200})
	if err != nil {
		return err
	}
	rows := []guidelineRow{}
	for _, d := range docs {
		if d.OrgID == a.OrgID || d.CreatedBy == a.Email { // every guideline is readable; the queue is its own
			rows = append(rows, guidelineRow{ID: d.ID, Title: d.Title, When: chinaTime(d.CreatedAt)})
		}
	}
	data["Guidelines"], data["GuidelinesQ"] = rows, queue{ID: "q-guidelines", Title: T("home.guidelines"), Total: len(rows), More: "/documents?kind=guideline"}
	return nil
}

// adminLink is a link of the administrator's home page.
type adminLink struct{ ID, Href, Label string }

// countRow is one labelled count.
type countRow struct {
	Label string
	Count int
}

func (s *Handler) adminHome(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	o, err := s.store.AdminOverview(ctx, a)
	if err != nil {
		return err
	}
	var users, orgs []countRow
	for _, role := range []cpaudit.Role{cpaudit.RoleAdmin, cpaudit.RoleRegulator, cpaudit.RoleConsultant, cpaudit.RoleEnterprise, cpaudit.RolePublisher, cpaudit.RoleExpert} {
		users = append(users, countRow{T("role." + string(role)), o.UsersByRole[role]})
	}
	for _, k := range []cpaudit.OrgKind{cpaudit.OrgRegulator, cpaudit.OrgConsultancy, cpaudit.OrgEnterprise, cpaudit.OrgPublisher} {
		orgs = append(orgs, countRow{T("home.org." + string(k)), o.OrgsByKind[k]})
	}
	data["Admin"], data["UserCounts"], data["OrgCounts"] = o, users, orgs
	data["NoOrgQ"] = queue{ID: "q-no-org", Title: T("home.noOrg"), Total: len(o.UsersWithoutOrg)}
	data["AdminLinks"] = []adminLink{
		{"a-enterprises", "/enterprises", T("nav.enterprises")},
		{"a-import", "/enterprises/import", T("home.import")},
		{"a-batches", "/batches", T("nav.batches")},
		{"a-dashboard", "/dashboard", T("nav.dashboard")},
	}
	return nil
}

// stepQueue puts the steps in state, and their section, in data as
// Steps and StepsQ.
func (s *Handler) stepQueue(ctx context.Context, a cpaudit.Actor, lang string, state cpaudit.StepState, id, title string, data map[string]any) error {
	items, total, err := s.store.StepQueue(ctx, a, cpaudit.StepQueueFilter{State: state, Limit: homeRows})
	if err != nil {
		return err
	}
	defs, err := cpaudit.Steps()
	if err != nil {
		return cpaudit.Internal("web.stepQueue", err)
	}
	rows := make([]stepRow, len(items))
	for i, it := range items {
		rows[i] = stepRow{StepItem: it, RegionLabel: s.regionLabel(it.Region), When: chinaTime(it.ChangedAt), StepLabel: strconv.Itoa(it.Step)}
		if it.Step >= 1 && it.Step <= len(defs) {
			rows[i].StepLabel = stepLabel(lang, defs[it.Step-1])
		}
	}
	data["Steps"], data["StepsQ"] = rows, queue{ID: id, Title: title, Total: total}
	return nil
}

// dueQueue puts the audits with the nearest obligations in data.
func (s *Handler) dueQueue(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	f := cpaudit.AuditListFilter{Sort: "due", Limit: homeRows}
	rows, total, err := s.store.Audits(ctx, a, f)
	if err != nil {
		return err
	}
	data["Due"], data["DueQ"] = s.webAuditRows(lang, rows), queue{ID: "q-due", Title: translator(lang)("home.due"), Total: total, More: listHref("/audits", f)}
	return nil
}

// findingQueue puts the findings in state, named by their enterprise, in data.
func (s *Handler) findingQueue(ctx context.Context, a cpaudit.Actor, lang string, state cpaudit.FindingState, id, title string, data map[string]any) error {
	T := translator(lang)
	list, total, err := s.store.Findings(ctx, a, cpaudit.FindingFilter{State: state, Limit: homeRows})
	if err != nil {
		return err
	}
	ids := make([]string, len(list))
	for i, f := range list {
		ids[i] = f.AuditID
	}
	names, err := s.store.AuditNames(ctx, a, ids)
	if err != nil {
		return err
	}
	rows := make([]findingRow, len(list))
	for i, f := range list {
		rows[i] = findingRow{Finding: f, EnterpriseName: names[f.AuditID],
			CategoryLabel: T("finding.category." + string(f.Category)), StateLabel: T("finding.state." + string(f.State))}
	}
	data["Findings"], data["FindingsQ"] = rows, queue{ID: id, Title: title, Total: total}
	return nil
}

// flagQueue puts the open flags, with their documents' titles, in data.
func (s *Handler) flagQueue(ctx context.Context, a cpaudit.Actor, lang string, data map[string]any) error {
	T := translator(lang)
	list, total, err := s.store.Flags(ctx, a, cpaudit.FlagFilter{Status: cpaudit.FlagOpen, Limit: homeRows})
	if err != nil {
		return err
	}
	var ids []string
	for _, f := range list {
		ids = append(ids, f.DocumentIDs...)
	}
	titles, err := s.store.DocumentTitles(ctx, a, ids)
	if err != nil {
		return err
	}
	rows := make([]flagRow, len(list))
	for i, f := range list {
		rows[i] = flagRow{ID: f.ID, KindLabel: translateOr(lang, "flag."+string(f.Kind), string(f.Kind)), Score: strconv.FormatFloat(f.Score, 'f', 2, 64)}
		for _, d := range f.DocumentIDs {
			if t := titles[d]; t != "" {
				rows[i].Titles = append(rows[i].Titles, t)
			}
		}
	}
	data["Flags"], data["FlagsQ"] = rows, queue{ID: "q-flags", Title: T("home.flags"), Total: total, More: "/flags?status=open"}
	return nil
}

// chinaTime shows a moment as a date and time in China's time zone, the
// one clock of every page.
func chinaTime(t time.Time) string { return t.In(cpaudit.ChinaLocation()).Format("2006-01-02 15:04") }

// navItem is one link of the navigation.
type navItem struct{ ID, Href, Key string }

var (
	navHome        = navItem{"nav-home", "/", "nav.home"}
	navDashboard   = navItem{"nav-dashboard", "/dashboard", "nav.dashboard"}
	navResults     = navItem{"nav-results", "/results", "nav.results"}
	navLibrary     = navItem{"nav-library", "/option-library", "nav.library"}
	navEnterprises = navItem{"nav-enterprises", "/enterprises", "nav.enterprises"}
	navBatches     = navItem{"nav-batches", "/batches", "nav.batches"}
	navDocuments   = navItem{"nav-documents", "/documents", "nav.documents"}
	navUpload      = navItem{"nav-upload", "/upload", "nav.upload"}
	navSearch      = navItem{"nav-search", "/search", "nav.search"}
	navFlags       = navItem{"nav-flags", "/flags", "nav.flags"}
	navGuidelines  = navItem{"nav-guidelines", "/guidelines", "nav.guidelines"}
	navScreening   = navItem{"nav-screening", "/screening", "nav.screening"}
	navCampaigns   = navItem{"nav-campaigns", "/campaigns", "nav.campaigns"}
	navEnforcement = navItem{"nav-enforcement", "/enforcement", "nav.enforcement"}
	navOffices     = navItem{"nav-organisations", "/organisations", "nav.organisations"}
	navOrders      = navItem{"nav-orders", "/orders", "nav.orders"}
	navEvaluations = navItem{"nav-evaluations", "/evaluations", "nav.evaluations"}
	navReviewSet   = navItem{"nav-review-settings", "/review-settings", "nav.reviewSettings"}
)

// roleNav is the navigation of each role: only the pages it works with.
// The other pages still answer (with what the role may see); they are
// just not offered.
var roleNav = map[cpaudit.Role][]navItem{
	cpaudit.RoleAdmin:      {navHome, navDashboard, navResults, navEnterprises, navScreening, navBatches, navCampaigns, navEnforcement, navDocuments, navUpload, navSearch, navFlags, navOrders, navEvaluations, navGuidelines, navLibrary, navOffices, navReviewSet},
	cpaudit.RoleRegulator:  {navHome, navDashboard, navResults, navEnterprises, navScreening, navBatches, navCampaigns, navEnforcement, navDocuments, navSearch, navFlags, navOrders, navEvaluations, navGuidelines, navLibrary, navReviewSet},
	cpaudit.RoleExpert:     {navHome, navDashboard, navResults, navDocuments, navSearch, navFlags, navEvaluations, navGuidelines, navLibrary},
	cpaudit.RoleConsultant: {navHome, navDashboard, navDocuments, navUpload, navSearch, navOrders, navGuidelines, navLibrary},
	cpaudit.RoleEnterprise: {navHome, navDocuments, navUpload, navSearch, navOrders, navGuidelines, navLibrary},
	cpaudit.RolePublisher:  {navHome, navDocuments, navUpload, navSearch, navGuidelines, navLibrary},
}

// Nav is the signed-in user's navigation; none without a session.
func (wi *webInfo) Nav() []navItem {
	if wi.User == nil {
		return nil
	}
	nav := roleNav[wi.User.Role]
	if wi.User.Role == cpaudit.RoleConsultant && wi.User.OrgID != "" {
		// A firm reads its own evaluation, nobody else's.
		nav = append(slices.Clip(nav), navItem{"nav-evaluation", "/consultancies/" + url.PathEscape(wi.User.OrgID) + "/evaluation", "nav.evaluation"})
	}
	return nav
}

// industryLabel shows a GB/T 4754 code with the name of its section
// (门类): C2710 制造业. The repository has no table of the 1,380 classes'
// names, so the section, named by the code's letter, is what is shown.
func industryLabel(lang, code string) string {
	if code == "" {
		return ""
	}
	if name := translateOr(lang, "industry."+code[:1], ""); name != "" {
		return code + " " + name
	}
	return code
}
