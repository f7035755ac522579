package web

import (
	"context"
	"slices"

	"github.com/cpaudit/cpaudit"
)

// pickerLimit is how many audits or enterprises a picker offers: the
// first ones by enterprise name that the user may read. A value chosen
// elsewhere (a link, a previous search) is always kept as an option, even
// past the limit, so a filter in the address is never silently dropped.
const pickerLimit = 500

// auditLabel is an audit as a picker shows it: "石家庄化工有限公司 — 2026年第一批",
// or "— 未编入批次" for an audit in no batch.
func auditLabel(lang string, r cpaudit.AuditRow) string {
	batch := r.BatchName
	if batch == "" {
		batch = translator(lang)("picker.noBatch")
	}
	return r.EnterpriseName + " — " + batch
}

// auditOptions are the audits the actor may read (and so upload to: the
// storage lets anyone attach a document to an audit they see), the one
// selected first among them when it is not in the first pickerLimit.
func (s *Handler) auditOptions(ctx context.Context, a cpaudit.Actor, lang, selected string) ([]option, error) {
	rows, _, err := s.store.Audits(ctx, a, cpaudit.AuditListFilter{Limit: pickerLimit})
	if err != nil {
		return nil, err
	}
	opts := make([]option, len(rows))
	for i, r := range rows {
		opts[i] = option{Value: r.ID, Label: auditLabel(lang, r), Selected: r.ID == selected}
	}
	return s.extraAudit(ctx, a, opts, selected)
}

// extraAudit adds the selected audit to opts when it is not there yet,
// named by its enterprise if the actor may read it, by its id otherwise
// (the list then simply finds nothing, as the API would).
func (s *Handler) extraAudit(ctx context.Context, a cpaudit.Actor, opts []option, selected string) ([]option, error) {
	if selected == "" {
		return opts, nil
	}
	for _, o := range opts {
		if o.Value == selected {
			return opts, nil
		}
	}
	names, err := s.store.AuditNames(ctx, a, []string{selected})
	if err != nil {
		return nil, err
	}
	label, ok := names[selected]
	if !ok {
		label = selected
	}
	return append([]option{{Value: selected, Label: label, Selected: true}}, opts...), nil
}

// enterpriseOptions are the enterprises the actor may read, by name, the
// selected one kept (by its id) when it is not among them.
func (s *Handler) enterpriseOptions(ctx context.Context, a cpaudit.Actor, selected string) ([]option, error) {
	orgs, _, err := s.store.ListEnterprises(ctx, a, cpaudit.EnterpriseFilter{Limit: pickerLimit})
	if err != nil {
		return nil, err
	}
	opts := make([]option, 0, len(orgs)+1)
	found := selected == ""
	for _, o := range orgs {
		opts = append(opts, option{Value: o.ID, Label: o.Name, Selected: o.ID == selected})
		found = found || o.ID == selected
	}
	if !found {
		opts = append([]option{{Value: selected, Label: selected, Selected: true}}, opts...)
	}
	return opts, nil
}

// auditPickers offers the regions (each city and each county) and the
// industries of the audits the user sees, what a filter can usefully
// name, marking the ones selected.
func (s *Handler) auditPickers(ctx context.Context, a cpaudit.Actor, lang, region, industry string) (regions, industries []option, err error) {
	rows, _, err := s.store.Audits(ctx, a, cpaudit.AuditListFilter{Limit: pickerLimit})
	if err != nil {
		return nil, nil, err
	}
	var regionCodes, industryCodes []string
	for _, row := range rows {
		if len(row.Region) == 6 {
			regionCodes = append(regionCodes, row.Region[:4]+"00", row.Region)
		}
		if row.Industry != "" {
			industryCodes = append(industryCodes, row.Industry)
		}
	}
	slices.Sort(regionCodes)
	slices.Sort(industryCodes)
	for _, code := range slices.Compact(regionCodes) {
		regions = append(regions, option{code, s.regionLabel(code), region == code})
	}
	for _, code := range slices.Compact(industryCodes) {
		industries = append(industries, option{code, industryLabel(lang, code), industry == code})
	}
	return regions, industries, nil
}
