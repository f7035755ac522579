package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage"
)

// demoPassword is the password of every demo login; printed at start.
const demoPassword = "cpaudit-demo-2026"

// cmdDemo seeds a demo tenant (once; later runs reuse it) with one login
// per role, prints the URL and the logins, and serves.
func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := serveFlags(&cfg, getenv, stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	var logins [][2]string
	err := withStore(ctx, &cfg, func(s *storage.Store) error {
		var err error
		logins, err = seedDemo(ctx, s)
		return err
	})
	if err != nil {
		return err
	}
	return serve(ctx, &cfg, stderr, func(addr string) {
		var b strings.Builder
		fmt.Fprintf(&b, "\ncpaudit demo is running: http://%s/login?tenant=demo\n", addr)
		fmt.Fprintf(&b, "tenant (平台): demo    password for every login: %s\n", demoPassword)
		for _, l := range logins {
			fmt.Fprintf(&b, "  %-11s %s\n", l[0], l[1])
		}
		fmt.Fprintln(stdout, b.String())
	})
}

func seedDemo(ctx context.Context, s *storage.Store) ([][2]string, error) {
	roles := []cpaudit.Role{cpaudit.RoleAdmin, cpaudit.RoleRegulator, cpaudit.RoleConsultant, cpaudit.RoleEnterprise, cpaudit.RolePublisher, cpaudit.RoleExpert}
	var logins [][2]string
	for _, r := range roles {
		logins = append(logins, [2]string{string(r), string(r) + "@demo.cpaudit.cn"})
	}
	t, err := s.TenantBySlug(ctx, "demo")
	if err == nil {
		return logins, nil // seeded by an earlier run
	}
	if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return nil, err
	}
	if t, err = s.CreateTenant(ctx, "demo", "河北省清洁生产审核（演示）"); err != nil {
		return nil, err
	}
	a := cpaudit.SystemActor(t.ID)
	code := func(first17 string) string { return first17 + string(cpaudit.CreditCodeCheck(first17)) }
	orgs := map[cpaudit.Role]cpaudit.Organisation{
		cpaudit.RoleRegulator:  {Kind: cpaudit.OrgRegulator, Name: "河北省生态环境厅", Region: "130000"},
		cpaudit.RoleConsultant: {Kind: cpaudit.OrgConsultancy, Name: "石家庄绿源环保咨询有限公司", CreditCode: code("91130100MA0CXXXX0")},
		cpaudit.RoleEnterprise: {Kind: cpaudit.OrgEnterprise, Name: "保定市白洋淀印染有限公司", CreditCode: code("91130600MA0DYYYY1"), Industry: "C1713", Region: "130600"},
		cpaudit.RolePublisher:  {Kind: cpaudit.OrgPublisher, Name: "河北省清洁生产中心"},
	}
	orgIDs := map[cpaudit.Role]string{}
	for _, r := range []cpaudit.Role{cpaudit.RoleRegulator, cpaudit.RoleConsultant, cpaudit.RoleEnterprise, cpaudit.RolePublisher} {
		o, err := s.CreateOrganisation(ctx, a, orgs[r])
		if err != nil {
			return nil, err
		}
		orgIDs[r] = o.ID
	}
	for i, r := range roles {
		if _, err := s.CreateUser(ctx, a, storage.NewUser{Email: logins[i][1], Role: r, Password: demoPassword, OrgID: orgIDs[r]}); err != nil {
			return nil, err
		}
	}
	if _, err := s.CreateAudit(ctx, a, orgIDs[cpaudit.RoleEnterprise], orgIDs[cpaudit.RoleConsultant]); err != nil {
		return nil, err
	}
	return logins, nil
}
