package storage

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cpaudit/cpaudit"
)

// The tenant's coefficients and assumptions for the computed figures of
// options (cpaudit.OptionSettings): energy to tce, discount rate, years of
// benefit.

// OptionSettings answers the tenant's settings, the defaults when none
// were set. Every user of the tenant reads them: they explain the figures
// on every option page.
func (s *Store) OptionSettings(ctx context.Context, a cpaudit.Actor) (cpaudit.OptionSettings, error) {
	const op = "storage.OptionSettings"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.OptionSettings{}, err
	}
	set, err := optionSettings(ctx, db)
	return set, dbError(op, err, "", "")
}

func optionSettings(ctx context.Context, q querier) (cpaudit.OptionSettings, error) {
	set := cpaudit.DefaultOptionSettings()
	var coeffs string
	var at int64
	err := q.QueryRowContext(ctx, `SELECT coefficients, discount_rate, life_years, updated_by, updated_at FROM option_settings WHERE id = 1`).
		Scan(&coeffs, &set.DiscountRate, &set.LifeYears, &set.UpdatedBy, &at)
	if err == sql.ErrNoRows {
		return set, nil
	}
	if err != nil {
		return cpaudit.OptionSettings{}, err
	}
	if err := json.Unmarshal([]byte(coeffs), &set.Coefficients); err != nil {
		return cpaudit.OptionSettings{}, err
	}
	t := fromMicros(at)
	set.UpdatedAt = &t
	return set, nil
}

// SaveOptionSettings replaces the tenant's settings (a coefficient left
// out is the default) and logs the change. KindConflict
// (option_settings_not_allowed): the actor is not an admin.
// KindUnprocessable (option_settings_invalid): see OptionSettings.Validate.
func (s *Store) SaveOptionSettings(ctx context.Context, a cpaudit.Actor, set cpaudit.OptionSettings) (cpaudit.OptionSettings, error) {
	const op = "storage.SaveOptionSettings"
	if a.Role != cpaudit.RoleAdmin {
		return cpaudit.OptionSettings{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOptionSettingsNotAllowed, "only an admin sets the coefficients and the discount rate of options")
	}
	if err := set.Validate(); err != nil {
		return cpaudit.OptionSettings{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.OptionSettings{}, err
	}
	now := s.clock()
	set.UpdatedBy, set.UpdatedAt = a.Email, &now
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO option_settings (id, coefficients, discount_rate, life_years, updated_by, updated_at)
			VALUES (1, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET coefficients = excluded.coefficients, discount_rate = excluded.discount_rate,
				life_years = excluded.life_years, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			mustJSON(set.Coefficients), set.DiscountRate, set.LifeYears, a.Email, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "option_settings.update", "tenant", a.TenantID, map[string]any{
			"coefficients": set.Coefficients, "discount_rate": set.DiscountRate, "life_years": set.LifeYears})
	})
	if err != nil {
		return cpaudit.OptionSettings{}, dbError(op, err, "", "")
	}
	return set, nil
}
