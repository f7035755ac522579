package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// apiAuditOptions lists an audit's options, each with its economics (tce,
// payback, NPV, IRR) under the tenant's settings, at the discount rate of
// the query's discount_rate when given.
func (s *Handler) apiAuditOptions(w http.ResponseWriter, r *http.Request) error {
	rate, err := discountRateParam(r)
	if err != nil {
		return err
	}
	a := httpx.ActorOf(r)
	opts, err := s.store.AuditOptions(r.Context(), a, httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	set, err := s.store.OptionSettings(r.Context(), a)
	if err != nil {
		return err
	}
	cpaudit.WithEconomics(opts, set, rate)
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"options": opts})
	return nil
}

// discountRateParam reads the optional discount_rate of the query: -1
// when absent (the tenant's), KindInvalid when not a fraction in 0–0.5.
func discountRateParam(r *http.Request) (float64, error) {
	v := strings.TrimSpace(r.URL.Query().Get("discount_rate"))
	if v == "" {
		return -1, nil
	}
	rate, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDiscountRateInvalid, "discount_rate %q is not a number", v).With("value", v)
	}
	return rate, cpaudit.CheckDiscountRate(rate)
}

// optionInput is an option as the API and the audit page's form take it.
type optionInput struct {
	Code     string                       `json:"code"`
	Name     string                       `json:"name"`
	Category string                       `json:"category"`
	Status   string                       `json:"status"`
	Figures  map[cpaudit.Quantity]float64 `json:"figures"`
	// Units: the unit a figure is stated in, by quantity, when it is
	// not the canonical one (e.g. "investment": "万元").
	Units       map[cpaudit.Quantity]string     `json:"units"`
	StatusDates map[cpaudit.OptionStatus]string `json:"status_dates"`
	DocumentIDs []string                        `json:"document_ids"`
	CashFlows   []float64                       `json:"cash_flows"`
	// CheckUnits asks, before saving, whether a figure is hundreds of
	// times off the industry's other options (a unit mistake): 409
	// option_figures_unusual then, and nothing is saved.
	CheckUnits bool `json:"check_units"`
}

// option converts the input's figures to canonical units.
func (in optionInput) option() (cpaudit.AuditOption, error) {
	figures, err := cpaudit.ConvertFigures(in.Figures, in.Units)
	if err != nil {
		return cpaudit.AuditOption{}, err
	}
	return cpaudit.AuditOption{Code: in.Code, Name: in.Name, Category: cpaudit.OptionCategory(in.Category),
		Status: cpaudit.OptionStatus(in.Status), Figures: figures, StatusDates: in.StatusDates,
		DocumentIDs: in.DocumentIDs, CashFlows: in.CashFlows}, nil
}

// apiSaveAuditOption creates an option (201) or replaces the one with the
// same code (200); its status is proposed unless the body says otherwise.
// The answer carries its economics at the tenant's settings.
func (s *Handler) apiSaveAuditOption(w http.ResponseWriter, r *http.Request) error {
	var in optionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := in.option()
	if err != nil {
		return err
	}
	a := httpx.ActorOf(r)
	if in.CheckUnits {
		odd, err := s.store.UnusualOptionFigures(r.Context(), a, httpx.Param(r, "id"), o)
		if err != nil {
			return err
		}
		if len(odd) > 0 {
			return cpaudit.UnusualRefusal(odd)
		}
	}
	o, created, err := s.store.SaveAuditOption(r.Context(), a, httpx.Param(r, "id"), o)
	if err != nil {
		return err
	}
	set, err := s.store.OptionSettings(r.Context(), a)
	if err != nil {
		return err
	}
	e := cpaudit.EconomicsOf(o, set, set.DiscountRate)
	o.Economics = &e
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.WriteJSON(w, r, status, o)
	return nil
}

// apiOptionSettings answers the tenant's coefficients and assumptions.
func (s *Handler) apiOptionSettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.store.OptionSettings(r.Context(), httpx.ActorOf(r))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, set)
	return nil
}

// apiSaveOptionSettings replaces them (an admin).
func (s *Handler) apiSaveOptionSettings(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Coefficients map[cpaudit.Quantity]float64 `json:"coefficients"`
		DiscountRate *float64                     `json:"discount_rate"`
		LifeYears    *int                         `json:"life_years"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	set := cpaudit.OptionSettings{Coefficients: in.Coefficients, DiscountRate: cpaudit.DefaultDiscountRate, LifeYears: cpaudit.DefaultLifeYears}
	if in.DiscountRate != nil {
		set.DiscountRate = *in.DiscountRate
	}
	if in.LifeYears != nil {
		set.LifeYears = *in.LifeYears
	}
	set, err := s.store.SaveOptionSettings(r.Context(), httpx.ActorOf(r), set)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, set)
	return nil
}

// apiOptionTemplate downloads the option table's template.
func (s *Handler) apiOptionTemplate(w http.ResponseWriter, r *http.Request) error {
	return httpx.ServeOptionTemplate(w, r)
}

// apiImportAuditOptions imports an audit's option table (.xlsx, part
// "file"), all rows or none: {"created","updated"}, or 422
// option_import_invalid naming each bad row and why.
func (s *Handler) apiImportAuditOptions(w http.ResponseWriter, r *http.Request) error {
	id := httpx.Param(r, "id")
	// An audit out of reach is 404, a caller who may not enter its
	// options 409, before any sheet is read.
	if err := s.store.MayEditOptions(r.Context(), httpx.ActorOf(r), id); err != nil {
		return err
	}
	form, err := s.ReadImportForm(w, r)
	if err != nil {
		return err
	}
	res, _, err := httpx.ImportOptions(r, s.store, id, form, form.Fields["check_units"] == "true")
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, res)
	return nil
}
