package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The audit page's option table (清洁生产方案): every option with its
// economics, a form in each row that edits it in place, a row to add one,
// and the import of the audit's option table from .xlsx (all rows or
// none). The forms are shown to those storage lets enter options; storage
// decides.

// webOption is one option as the table shows it, in the page's language,
// with the values its form starts from.
type webOption struct {
	cpaudit.AuditOption
	New                        bool // the empty row that adds an option
	StatusLabel, CategoryLabel string
	Investment, Benefit        string // 万元
	TCE, Payback, NPV, IRR     string // "—" when not computable
	Fields                     []webOptionField
	Dates                      []webOptionField
	Docs                       []flagDoc
	DocChoices                 []option
	CashFlowText               string
	Statuses, Categories       []option
	// Open: the form holds what the user just sent (a refusal or the
	// unit question), so it is shown open.
	Open bool
	// What the form needs of the page: its audit, token and language.
	AuditID, CSRF string
	T             func(string) string
}

// webOptionField is one input of an option's form.
type webOptionField struct {
	Name, Label, Unit, Value string
}

// formUnit is the unit a quantity is entered in on the page: money in 万元
// as option tables state it, the rest in the canonical unit.
func formUnit(q cpaudit.Quantity) string {
	if q == cpaudit.QtyInvestment || q == cpaudit.QtyBenefit {
		return "万元"
	}
	return q.CanonicalUnit()
}

// inUnit is v (canonical) stated in unit, without float noise.
func inUnit(q cpaudit.Quantity, v float64, unit string) string {
	f, err := q.ToCanonical(1, unit)
	if err != nil || f == 0 {
		f = 1
	}
	return strconv.FormatFloat(v/f, 'f', -1, 64)
}

// auditOptionsData adds the option table to the audit page's data.
func (s *Handler) auditOptionsData(r *http.Request, au cpaudit.Audit, docs []option, data map[string]any) error {
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	opts, err := s.store.AuditOptions(r.Context(), a, au.ID)
	if err != nil {
		return err
	}
	set, err := s.store.OptionSettings(r.Context(), a)
	if err != nil {
		return err
	}
	cpaudit.WithEconomics(opts, set, -1)
	canEdit := true
	if err := s.store.MayEditOptions(r.Context(), a, au.ID); err != nil {
		if !cpaudit.IsKind(err, cpaudit.KindConflict) {
			return err
		}
		canEdit = false
	}
	titles := map[string]string{}
	for _, d := range docs {
		titles[d.Value] = d.Label
	}
	num := func(p *float64, f func(float64) string) string {
		if p == nil {
			return "—"
		}
		return f(*p)
	}
	fixed := func(n int) func(float64) string {
		return func(v float64) string { return strconv.FormatFloat(v, 'f', n, 64) }
	}
	// The form the user sent, when the page answers it (a refusal, the
	// unit question): it is shown again with what was typed, so that
	// going back to correct it loses nothing.
	var typed url.Values
	typedCode := ""
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/options") && r.PostForm != nil {
		typed, typedCode = r.PostForm, strings.TrimSpace(r.PostForm.Get("code"))
	}
	typedForm := ""
	shown := make([]webOption, 0, len(opts)+1)
	for _, o := range opts {
		wo := webOption{AuditOption: o, StatusLabel: T("option.status." + string(o.Status)),
			CategoryLabel: T("option.category." + string(o.Category))}
		if v, ok := o.Figures[cpaudit.QtyInvestment]; ok {
			wo.Investment = inUnit(cpaudit.QtyInvestment, v, "万元")
		}
		if v, ok := o.Figures[cpaudit.QtyBenefit]; ok {
			wo.Benefit = inUnit(cpaudit.QtyBenefit, v, "万元")
		}
		ec := o.Economics
		wo.TCE, wo.Payback = num(ec.EnergyTCE, fixed(3)), num(ec.PaybackYears, fixed(2))
		wo.NPV = num(ec.NPV, func(v float64) string { return strconv.FormatFloat(v/1e4, 'f', 2, 64) })
		wo.IRR = num(ec.IRR, func(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" })
		for _, id := range o.DocumentIDs {
			title := titles[id]
			if title == "" {
				title = id
			}
			wo.Docs = append(wo.Docs, flagDoc{ID: id, Title: title})
		}
		if canEdit {
			fillOptionForm(&wo, r, au.ID, docs)
			if typed != nil && o.Code == typedCode {
				refillOptionForm(&wo, typed)
				typedForm = wo.ID
			}
		}
		shown = append(shown, wo)
	}
	if canEdit && len(opts) < cpaudit.MaxOptionsPerAudit {
		wo := webOption{New: true, AuditOption: cpaudit.AuditOption{ID: "new", Category: cpaudit.OptionLowCost, Status: cpaudit.OptionProposed}}
		fillOptionForm(&wo, r, au.ID, docs)
		if typed != nil && typedForm == "" {
			refillOptionForm(&wo, typed)
			typedForm = wo.ID
		}
		data["NewOption"] = wo
	}
	data["OptionTypedForm"] = typedForm
	kgce := func(q cpaudit.Quantity) string {
		return strconv.FormatFloat(kgcePer(q, set.Coefficients[q]), 'g', 6, 64)
	}
	note := strings.NewReplacer("{electricity}", kgce(cpaudit.QtyElectricity), "{coal}", kgce(cpaudit.QtyCoal),
		"{natural_gas}", kgce(cpaudit.QtyNaturalGas), "{steam}", kgce(cpaudit.QtySteam),
		"{rate}", strconv.FormatFloat(set.DiscountRate*100, 'f', -1, 64)+"%", "{years}", strconv.Itoa(set.LifeYears)).Replace(T("option.settingsNote"))
	data["Options"], data["CanEditOptions"], data["OptionNote"] = shown, canEdit, note
	return nil
}

// fillOptionForm sets the inputs of an option's form from its values.
func fillOptionForm(wo *webOption, r *http.Request, auditID string, docs []option) {
	T := translator(webOf(r).Lang)
	wo.AuditID, wo.CSRF, wo.T = auditID, webOf(r).CSRF, T
	for _, q := range cpaudit.Quantities() {
		f := webOptionField{Name: string(q), Label: T("quantity." + string(q)), Unit: formUnit(q)}
		if v, ok := wo.Figures[q]; ok {
			f.Value = inUnit(q, v, f.Unit)
		}
		wo.Fields = append(wo.Fields, f)
	}
	for _, st := range cpaudit.OptionStatuses {
		wo.Dates = append(wo.Dates, webOptionField{Name: string(st), Label: T("option.status." + string(st)), Value: wo.StatusDates[st]})
		wo.Statuses = append(wo.Statuses, option{Value: string(st), Label: T("option.status." + string(st)), Selected: st == wo.Status})
	}
	for _, c := range []cpaudit.OptionCategory{cpaudit.OptionLowCost, cpaudit.OptionHighCost} {
		wo.Categories = append(wo.Categories, option{Value: string(c), Label: T("option.category." + string(c)), Selected: c == wo.Category})
	}
	for _, d := range docs {
		wo.DocChoices = append(wo.DocChoices, option{Value: d.Value, Label: d.Label, Selected: slices.Contains(wo.DocumentIDs, d.Value)})
	}
	var flows []string
	for _, v := range wo.AuditOption.CashFlows {
		flows = append(flows, strconv.FormatFloat(v, 'f', -1, 64))
	}
	wo.CashFlowText = strings.Join(flows, ", ")
}

// refillOptionForm puts what the user typed into an option's form, as
// typed (the form's own units), and opens it.
func refillOptionForm(wo *webOption, typed url.Values) {
	if wo.New {
		wo.Code = typed.Get("code")
	}
	wo.Name, wo.CashFlowText, wo.Open = typed.Get("name"), typed.Get("cash_flows"), true
	for i := range wo.Fields {
		wo.Fields[i].Value = typed.Get("fig." + wo.Fields[i].Name)
	}
	for i := range wo.Dates {
		wo.Dates[i].Value = typed.Get("date." + wo.Dates[i].Name)
	}
	for i := range wo.Statuses {
		wo.Statuses[i].Selected = wo.Statuses[i].Value == typed.Get("status")
	}
	for i := range wo.Categories {
		wo.Categories[i].Selected = wo.Categories[i].Value == typed.Get("category")
	}
	for i := range wo.DocChoices {
		wo.DocChoices[i].Selected = slices.Contains(typed["document_ids"], wo.DocChoices[i].Value)
	}
}

// optionSubmit saves one option from its row's form: figures in the
// units the form states, dates, evidence, cash flows (元, comma
// separated). A refusal shows the page again with the reason.
func (s *Handler) optionSubmit(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	o, err := optionFromForm(r)
	if err == nil && r.PostFormValue("confirm") != "1" {
		var odd []cpaudit.UnusualFigure
		if odd, err = s.store.UnusualOptionFigures(r.Context(), httpx.ActorOf(r), id, o); err == nil && len(odd) > 0 {
			return s.confirmUnusual(w, r, id, odd)
		}
	}
	if err == nil {
		_, _, err = s.store.SaveAuditOption(r.Context(), httpx.ActorOf(r), id, o)
	}
	if err != nil {
		return s.optionRefused(w, r, id, err)
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"#options", http.StatusSeeOther)
	return nil
}

// webConfirm is the question the audit page asks before saving figures
// that look like unit mistakes: what is unusual, and the form as sent,
// to send again confirmed.
type webConfirm struct {
	Items  []string
	Fields [][2]string
}

// confirmUnusual shows the audit page asking whether the unusual figures
// are right (409: nothing was saved), with a button that sends the form
// again confirmed.
func (s *Handler) confirmUnusual(w http.ResponseWriter, r *http.Request, auditID string, odd []cpaudit.UnusualFigure) error {
	T := translator(webOf(r).Lang)
	c := webConfirm{}
	for _, f := range odd {
		c.Items = append(c.Items, strings.NewReplacer("{quantity}", T("quantity."+string(f.Quantity)),
			"{value}", strconv.FormatFloat(f.Value, 'f', -1, 64), "{unit}", f.Unit,
			"{times}", strconv.FormatFloat(f.Times, 'f', -1, 64), "{peers}", strconv.Itoa(f.Peers), "{units}", f.Units).Replace(T("option.unusual.item")))
	}
	for k, vs := range r.PostForm {
		if k == "csrf" || k == "confirm" {
			continue
		}
		for _, v := range vs {
			c.Fields = append(c.Fields, [2]string{k, v})
		}
	}
	slices.SortFunc(c.Fields, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return s.renderAuditWith(w, r, auditID, http.StatusConflict, "", map[string]any{"OptionConfirm": c})
}

// optionFromForm reads an option's form.
func optionFromForm(r *http.Request) (cpaudit.AuditOption, error) {
	figs := map[cpaudit.Quantity]float64{}
	units := map[cpaudit.Quantity]string{}
	for _, q := range cpaudit.Quantities() {
		v := strings.TrimSpace(r.PostFormValue("fig." + string(q)))
		if v == "" {
			continue
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil {
			return cpaudit.AuditOption{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeOptionInvalid, "%s: %q is not a number", q, v)
		}
		figs[q] = n
		if u := r.PostFormValue("unit." + string(q)); u != "" {
			units[q] = u
		}
	}
	canon, err := cpaudit.ConvertFigures(figs, units)
	if err != nil {
		return cpaudit.AuditOption{}, err
	}
	dates := map[cpaudit.OptionStatus]string{}
	for _, st := range cpaudit.OptionStatuses {
		if d := strings.TrimSpace(r.PostFormValue("date." + string(st))); d != "" {
			dates[st] = d
		}
	}
	var flows []float64
	for _, f := range strings.FieldsFunc(r.PostFormValue("cash_flows"), func(c rune) bool { return c == ',' || c == '，' || c == ' ' || c == '、' }) {
		n, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return cpaudit.AuditOption{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeOptionInvalid, "cash_flows: %q is not a number", f)
		}
		flows = append(flows, n)
	}
	return cpaudit.AuditOption{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"),
		Category: cpaudit.OptionCategory(r.PostFormValue("category")), Status: cpaudit.OptionStatus(r.PostFormValue("status")),
		Figures: canon, StatusDates: dates, DocumentIDs: r.PostForm["document_ids"], CashFlows: flows}, nil
}

// optionRefused shows the audit page with why an option form or import
// was refused; anything else (an audit out of reach) goes the ordinary
// error path.
func (s *Handler) optionRefused(w http.ResponseWriter, r *http.Request, auditID string, err error) error {
	switch cpaudit.ErrorKind(err) {
	case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid, cpaudit.KindTooLarge:
		status, _ := httpx.ErrorStatus(err)
		return s.renderAuditOf(w, r, auditID, status, translator(webOf(r).Lang)("option.err")+refusalText(webOf(r).Lang, err))
	}
	return err
}

// optionImportSubmit imports the audit's option table. It checks its
// session and CSRF token itself (the form is multipart), and the caller's
// right before reading the sheet. A table with bad rows saves nothing and
// the page lists each bad row and why.
func (s *Handler) optionImportSubmit(w http.ResponseWriter, r *http.Request) error {
	wi := webOf(r)
	if wi.User == nil {
		return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginRequired, "please log in")
	}
	id := httpx.Param(r, "id")
	if err := s.store.MayEditOptions(r.Context(), httpx.ActorOf(r), id); err != nil {
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return err
		}
		return s.optionRefused(w, r, id, err)
	}
	form, err := s.ReadImportForm(w, r)
	if err == nil && subtle.ConstantTimeCompare([]byte(form.Fields["csrf"]), []byte(wi.CSRF)) != 1 {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeFormExpired, "the form has expired; reload the page and try again")
	}
	if err != nil {
		return s.optionRefused(w, r, id, err)
	}
	res, rejected, err := httpx.ImportOptions(r, s.store, id, form, form.Fields["units_checked"] != "1")
	if err != nil {
		if len(rejected) > 0 {
			var rows []string
			for _, rj := range rejected {
				line := strings.ReplaceAll(translator(wi.Lang)("option.import.row"), "%d", strconv.Itoa(rj.Row))
				if rj.Column != "" {
					line += "（" + rj.Column + "）"
				}
				if rj.Code == cpaudit.CodeOptionFiguresUnusual {
					rj.Params = quantityNames(translator(wi.Lang), rj.Params)
				}
				rows = append(rows, line+rejectionText(wi.Lang, rj))
			}
			status, _ := httpx.ErrorStatus(err)
			return s.renderAuditWith(w, r, id, status, refusalText(wi.Lang, err), map[string]any{"ImportRejected": rows})
		}
		return s.optionRefused(w, r, id, err)
	}
	http.Redirect(w, r, "/audits/"+url.PathEscape(id)+"?imported="+strconv.Itoa(res.Created+res.Updated)+"#options", http.StatusSeeOther)
	return nil
}

// quantityNames is params with its "value", a list of quantities, in the
// page's language.
func quantityNames(T func(string) string, params map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		out[k] = v
	}
	var names []string
	for _, q := range strings.Split(params["value"], ", ") {
		names = append(names, T("quantity."+q))
	}
	out["value"] = strings.Join(names, "、")
	return out
}

// optionTemplate downloads the option table's template.
func (s *Handler) optionTemplate(w http.ResponseWriter, r *http.Request) error {
	return httpx.ServeOptionTemplate(w, r)
}

// settingsRow is one energy carrier on the settings page: its coefficient
// in kgce per unit, as GB/T 2589 states them.
type settingsRow struct {
	Name, Label, Unit, Value, Default string
}

// kgcePer is a coefficient (tce per canonical unit) as GB/T 2589 states
// it: kgce per kWh or m³, per kg for what is kept in tonnes.
func kgcePer(q cpaudit.Quantity, tcePer float64) float64 {
	if q.CanonicalUnit() != "t" {
		return tcePer * 1e3
	}
	return tcePer
}

// kgceUnit is the unit kgcePer states q's coefficient in.
func kgceUnit(q cpaudit.Quantity) string {
	if q.CanonicalUnit() == "t" {
		return "kgce/kg"
	}
	return "kgce/" + q.CanonicalUnit()
}

// optionSettingsPage shows the tenant's coefficients, discount rate and
// years of benefit; an admin may change them (storage decides).
func (s *Handler) optionSettingsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOptionSettings(w, r, http.StatusOK, "", r.URL.Query().Get("saved") == "1")
}

func (s *Handler) renderOptionSettings(w http.ResponseWriter, r *http.Request, status int, errMsg string, saved bool) error {
	a := httpx.ActorOf(r)
	T := translator(webOf(r).Lang)
	set, err := s.store.OptionSettings(r.Context(), a)
	if err != nil {
		return err
	}
	def := cpaudit.DefaultOptionSettings()
	var rows []settingsRow
	for _, q := range cpaudit.EnergyCarriers {
		rows = append(rows, settingsRow{Name: string(q), Label: T("quantity." + string(q)), Unit: kgceUnit(q),
			Value:   strconv.FormatFloat(kgcePer(q, set.Coefficients[q]), 'g', 6, 64),
			Default: strconv.FormatFloat(kgcePer(q, def.Coefficients[q]), 'g', 6, 64)})
	}
	data := map[string]any{"Rows": rows, "Rate": strconv.FormatFloat(set.DiscountRate, 'f', -1, 64), "Years": set.LifeYears,
		"UpdatedBy": set.UpdatedBy, "CanEdit": a.Role == cpaudit.RoleAdmin, "Error": errMsg, "Saved": saved}
	return s.render(w, r, status, "option_settings", data)
}

// optionSettingsSubmit saves the form's settings, coefficients in kgce
// per unit as the page shows them.
func (s *Handler) optionSettingsSubmit(w http.ResponseWriter, r *http.Request) error {
	lang := webOf(r).Lang
	set := cpaudit.OptionSettings{Coefficients: map[cpaudit.Quantity]float64{}}
	bad := func(field string) error {
		return s.renderOptionSettings(w, r, http.StatusBadRequest, refusalText(lang,
			cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeOptionSettingsInvalid, "%s is not a number", field).With("field", field)), false)
	}
	for _, q := range cpaudit.EnergyCarriers {
		v := strings.TrimSpace(r.PostFormValue("coef." + string(q)))
		if v == "" {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return bad("coefficients." + string(q))
		}
		set.Coefficients[q] = n / kgcePer(q, 1)
	}
	var err error
	if set.DiscountRate, err = strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("discount_rate")), 64); err != nil {
		return bad("discount_rate")
	}
	if set.LifeYears, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("life_years"))); err != nil {
		return bad("life_years")
	}
	if _, err := s.store.SaveOptionSettings(r.Context(), httpx.ActorOf(r), set); err != nil {
		switch cpaudit.ErrorKind(err) {
		case cpaudit.KindConflict, cpaudit.KindUnprocessable, cpaudit.KindInvalid:
			status, _ := httpx.ErrorStatus(err)
			return s.renderOptionSettings(w, r, status, refusalText(lang, err), false)
		}
		return err
	}
	http.Redirect(w, r, "/option-settings?saved=1", http.StatusSeeOther)
	return nil
}
