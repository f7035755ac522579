package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage"
)

// withStore opens the store for one administrative command. It works while
// a server runs on the same data directory: SQLite serialises writers. The
// data directory must exist: a mistyped --data would otherwise become a
// new, empty installation that the server never reads.
func withStore(ctx context.Context, cfg *Config, fn func(*storage.Store) error) error {
	if err := cfg.requireDataDir(); err != nil {
		return err
	}
	store, err := cfg.openStore(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := fn(store); err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	return nil
}

func cmdTenantCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var name string
	var library bool
	fs := newFlagSet("tenant create", &cfg, getenv, stderr)
	fs.StringVar(&name, "name", "", "display name of the tenant")
	fs.BoolVar(&library, "library", false, "make it the guideline library, whose guidelines every tenant reads (at most one)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"usage: cpaudit tenant create SLUG --name NAME [--library] --data DIR"}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		create, what := s.CreateTenant, "tenant"
		if library {
			create, what = s.CreateLibrary, "guideline library"
		}
		t, err := create(ctx, pos[0], name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s %s (%s)\n", what, t.Slug, t.ID)
		return nil
	})
}

// tenantActor is the command line acting as the tenant's system admin.
func tenantActor(ctx context.Context, s *storage.Store, slug string) (cpaudit.Actor, error) {
	if slug == "" {
		return cpaudit.Actor{}, cpaudit.Errorf(cpaudit.KindInvalid, "--tenant is required")
	}
	t, err := s.TenantBySlug(ctx, slug)
	if err != nil {
		return cpaudit.Actor{}, err
	}
	return cpaudit.SystemActor(t.ID), nil
}

func cmdUserCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var tenant, email, role, password, org string
	fs := newFlagSet("user create", &cfg, getenv, stderr)
	fs.StringVar(&tenant, "tenant", "", "tenant slug")
	fs.StringVar(&email, "email", "", "e-mail address (the login)")
	fs.StringVar(&role, "role", "", "admin, regulator, consultant, enterprise, publisher or expert")
	fs.StringVar(&password, "password", "", fmt.Sprintf("password, at least %d characters", cpaudit.MinPasswordLength))
	fs.StringVar(&org, "org", "", "id of the user's organisation (consultancy, enterprise, publisher, regulator office)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		a, err := tenantActor(ctx, s, tenant)
		if err != nil {
			return err
		}
		r, err := cpaudit.ParseRole(role)
		if err != nil {
			return err
		}
		u, err := s.CreateUser(ctx, a, cpaudit.NewUser{Email: email, Role: r, Password: password, OrgID: org})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s (%s) in %s\n", u.Email, u.Role, tenant)
		// The contract lets such a user be created without --org, so this
		// is a warning, not a refusal: the user can log in but sees no
		// audit until tied to an organisation.
		if kind := r.OrgKind(); org == "" && r.NeedsOrg() {
			fmt.Fprintf(stderr, "warning: %s has no --org: a %s sees nothing until tied to a %s (cpaudit user set-org --tenant %s --email %s --org ID)\n",
				u.Email, r, kind, tenant, u.Email)
		}
		return nil
	})
}

// cmdUserSetOrg ties an existing user to its organisation, or moves it to
// another: the way out for a user created without --org.
func cmdUserSetOrg(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var tenant, email, org string
	fs := newFlagSet("user set-org", &cfg, getenv, stderr)
	fs.StringVar(&tenant, "tenant", "", "tenant slug")
	fs.StringVar(&email, "email", "", "the user's e-mail")
	fs.StringVar(&org, "org", "", "id of the organisation (consultancy, enterprise, publisher, regulator office)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if org == "" {
		return usageError{`--org is required: the id "cpaudit org create" printed`}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		a, err := tenantActor(ctx, s, tenant)
		if err != nil {
			return err
		}
		u, err := s.SetUserOrganisation(ctx, a, email, org)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s (%s) in %s now belongs to %s\n", u.Email, u.Role, tenant, u.OrgID)
		return nil
	})
}

func cmdOrgCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var tenant, kind string
	var o cpaudit.Organisation
	fs := newFlagSet("org create", &cfg, getenv, stderr)
	fs.StringVar(&tenant, "tenant", "", "tenant slug")
	fs.StringVar(&kind, "kind", "", "regulator, consultancy, enterprise or publisher")
	fs.StringVar(&o.Name, "name", "", "name")
	fs.StringVar(&o.CreditCode, "credit-code", "", "18-character unified social credit code")
	fs.StringVar(&o.Industry, "industry", "", "GB/T 4754 industry code, e.g. C2710")
	fs.StringVar(&o.Region, "region", "", "6-digit administrative division code")
	fs.StringVar(&o.ParentID, "parent", "", "id of the regulator office above")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		a, err := tenantActor(ctx, s, tenant)
		if err != nil {
			return err
		}
		if o.Kind, err = cpaudit.ParseOrgKind(kind); err != nil {
			return err
		}
		created, err := s.CreateOrganisation(ctx, a, o)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, created.ID)
		return nil
	})
}

func cmdTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var tenant, email, name string
	fs := newFlagSet("token create", &cfg, getenv, stderr)
	fs.StringVar(&tenant, "tenant", "", "tenant slug")
	fs.StringVar(&email, "email", "", "the user's e-mail")
	fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		a, err := tenantActor(ctx, s, tenant)
		if err != nil {
			return err
		}
		u, err := s.UserByEmail(ctx, a.TenantID, email)
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no user %q in tenant %s", email, tenant)
		} else if err != nil {
			return err
		}
		secret, _, err := s.CreateToken(ctx, a, u.ID, name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		return nil
	})
}

// cmdOrgEnforcement marks a regulator office as enforcement (执法), whose
// regulators record site checks, or with --off unmarks it: what an admin
// does on the /organisations page, for scripts that set a tenant up.
func cmdOrgEnforcement(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var tenant, org string
	var off bool
	fs := newFlagSet("org enforcement", &cfg, getenv, stderr)
	fs.StringVar(&tenant, "tenant", "", "tenant slug")
	fs.StringVar(&org, "org", "", `id of the regulator office ("cpaudit org create --kind regulator" printed it)`)
	fs.BoolVar(&off, "off", false, "unmark the office instead")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if org == "" {
		return usageError{`--org is required: the id "cpaudit org create" printed`}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		a, err := tenantActor(ctx, s, tenant)
		if err != nil {
			return err
		}
		on := !off
		if err := s.MarkEnforcementOffice(ctx, a, org, &on); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s enforcement=%t\n", org, on)
		return nil
	})
}
