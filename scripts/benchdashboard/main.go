//go:build benchseed

// Command benchdashboard measures the regulator dashboard and the overdue
// list on a generated province: 10,000 enterprises and audits over Hebei's
// 11 cities and 170 counties with random progress, milestones and batch
// dates (seeded, so runs are comparable). It times the real HTTP handler
// (httptest, full HTML pages and the JSON API) and the store's Dashboard
// call at province, city and county level, and as a baseline in the same
// run the same counts computed by SQL from the audits, their enterprises,
// steps and milestones, without cpaudit's audit_progress table (see
// baseline.go: sargable region ranges, GROUP BY in SQL, its own indexes,
// one prepared statement). One request of each is made in turn, reps
// times; it checks that the baseline's counts equal cpaudit's, and prints
// p50/p99 of each, their ratios and the median of the per-round ratios.
//
// It is a benchmark, run by scripts/bench-dashboard, not a test. The
// baseline opens a copy of the tenant database with go-sqlite3 itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
	"github.com/cpaudit/cpaudit/templates"
	_ "github.com/mattn/go-sqlite3"
)

type config struct {
	n, reps, consultancies int
	seed                   uint64
	dir                    string
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 10000, "enterprises and audits")
	flag.IntVar(&c.reps, "reps", 200, "requests per endpoint and level (and runs of the baseline, interleaved)")
	flag.IntVar(&c.consultancies, "consultancies", 40, "consultancies")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed")
	flag.StringVar(&c.dir, "dir", "", "work directory (required; scripts/bench-dashboard makes one)")
	flag.Parse()
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchdashboard:", err)
		os.Exit(1)
	}
}

// level is one regulator office and what it is asked.
type level struct {
	name, region string
	token        string // API
	cookie       string // web session
	actor        cpaudit.Actor
}

func run(ctx context.Context, c config, out io.Writer) error {
	if c.dir == "" {
		return fmt.Errorf("-dir is required")
	}
	blobs, err := blob.NewLocal(filepath.Join(c.dir, "blobs"))
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, storage.Config{DataDir: c.dir, Blobs: blobs,
		Passwords: storage.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		return err
	}
	defer store.Close()
	tn, err := store.CreateTenant(ctx, "hebei", "河北省生态环境厅")
	if err != nil {
		return err
	}
	sys := cpaudit.SystemActor(tn.ID)
	rng := rand.New(rand.NewPCG(c.seed, 2026))

	start := time.Now()
	audits, err := generate(ctx, store, sys, rng, c)
	if err != nil {
		return err
	}
	if err := store.SeedAuditsForBench(ctx, sys, audits); err != nil {
		return err
	}
	seeded := time.Since(start)
	start = time.Now()
	newly, err := store.RecomputeDeadlines(ctx, tn.ID)
	if err != nil {
		return err
	}
	recompute := time.Since(start)
	fmt.Fprintf(out, "seeded %d audits in %s; daily recomputation of all of them: %s (%d obligations overdue)\n",
		len(audits), seeded.Round(time.Millisecond), recompute.Round(time.Millisecond), newly)

	levels := []*level{{name: "province 130000", region: "130000"}, {name: "city 130100", region: "130100"}, {name: "county 130102", region: "130102"}}
	for i, l := range levels {
		if err := l.login(ctx, store, sys, i); err != nil {
			return err
		}
	}
	indexes := index.NewSet(func(ctx context.Context, tenantID string) (string, error) { return store.IndexDir("hebei"), nil })
	defer indexes.Close()
	h, err := handlers.New(handlers.Config{Store: store, Search: indexes, Letters: letter.NewService(store, nil, nil), Templates: templates.FS})
	if err != nil {
		return err
	}
	base, err := openBaseline(ctx, filepath.Join(store.TenantDir("hebei"), "tenant.db"), filepath.Join(c.dir, "baseline.db"))
	if err != nil {
		return err
	}
	defer base.Close()
	fmt.Fprintln(out, base.config(ctx))

	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "level\twhat\taudits\tp50\tp99\tbaseline p50\tbaseline p99\tratio p50\tratio p99\tpaired ratio p50\t")
	for _, l := range levels {
		res, err := measureLevel(ctx, h, store, base, l, c.reps)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		bp50, bp99 := percentiles(res[0].d)
		for _, r := range res {
			p50, p99 := percentiles(r.d)
			if r.what == "baseline (SQL, GROUP BY)" {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t\t\t\t\t\t\n", l.name, r.what, res[0].audits, ms(p50), ms(p99))
				continue
			}
			if !r.counts {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t\t\t\t\t\t\n", l.name, r.what, res[0].audits, ms(p50), ms(p99))
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%.2fx\t%.2fx\t%.2fx\t\n", l.name, r.what, res[0].audits, ms(p50), ms(p99),
				ms(bp50), ms(bp99), float64(p50)/float64(bp50), float64(p99)/float64(bp99), pairedRatio(r.d, res[0].d))
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "%d requests of each per level, interleaved (one of each in turn, the order rotated every round) after 5 warm-up rounds;\n"+
		"p99 is the %dth of %d sorted times; ratio = ours / baseline (below 1: ours faster); paired ratio p50 = median over rounds of\n"+
		"ours / baseline in the same round. The baseline computes every count of the dashboard but the overdue ones (which need\n"+
		"the deadline rules): total, phase, batch, batch x phase, industry, city, county, stalled; its counts equalled ours at every level.\n",
		c.reps, (c.reps*99+99)/100, c.reps)
	return nil
}

// result is one measured thing of a level.
type result struct {
	what   string
	counts bool // answers the dashboard's counts (compared with the baseline)
	d      []time.Duration
	audits int
}

// measureLevel times, for one regulator, the baseline and each endpoint
// reps times, one request of each in turn, after checking that the
// baseline's counts equal cpaudit's. res[0] is the baseline.
func measureLevel(ctx context.Context, h http.Handler, store *storage.Store, base *baseline, l *level, reps int) ([]*result, error) {
	prefix := cpaudit.RegionPrefix(l.region)
	ours, err := store.Dashboard(ctx, l.actor, 30)
	if err != nil {
		return nil, err
	}
	theirs, err := base.counts(ctx, prefix, time.Now().Add(-30*24*time.Hour))
	if err != nil {
		return nil, err
	}
	if diff := diffCounts(oursCounts(ours), theirs); len(diff) > 0 {
		return nil, fmt.Errorf("the baseline's counts differ from ours: %s", strings.Join(diff, "; "))
	}
	res := []*result{{what: "baseline (SQL, GROUP BY)"}, {what: "store.Dashboard (no HTTP)", counts: true},
		{what: "dashboard API", counts: true}, {what: "dashboard page (HTML)", counts: true},
		{what: "overdue list API"}, {what: "overdue list page (HTML)"}}
	res[0].audits = ours.Total
	paths := map[string]string{"dashboard API": "/api/v1/dashboard", "dashboard page (HTML)": "/dashboard",
		"overdue list API": "/api/v1/overdue", "overdue list page (HTML)": "/overdue"}
	const warm = 5
	for round := 0; round < reps+warm; round++ {
		for k := range res {
			r := res[(k+round)%len(res)]
			var el time.Duration
			switch r.what {
			case "baseline (SQL, GROUP BY)":
				t0 := time.Now()
				_, err = base.counts(ctx, prefix, t0.Add(-30*24*time.Hour))
				el = time.Since(t0)
			case "store.Dashboard (no HTTP)":
				t0 := time.Now()
				_, err = store.Dashboard(ctx, l.actor, 30)
				el = time.Since(t0)
			default:
				el, err = request(h, l, paths[r.what])
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.what, err)
			}
			if round >= warm {
				r.d = append(r.d, el)
			}
		}
	}
	return res, nil
}

// request sends one request to the handler and times it.
func request(h http.Handler, l *level, path string) (time.Duration, error) {
	req := httptest.NewRequest("GET", path, nil)
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+l.token)
	} else {
		req.AddCookie(&http.Cookie{Name: "cpaudit_session", Value: l.cookie})
	}
	rec := httptest.NewRecorder()
	t0 := time.Now()
	h.ServeHTTP(rec, req)
	el := time.Since(t0)
	if rec.Code != 200 {
		return 0, fmt.Errorf("status %d: %s", rec.Code, rec.Body.String())
	}
	return el, nil
}

// percentiles returns p50 and p99 of d (nearest rank).
func percentiles(d []time.Duration) (time.Duration, time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)*50+99)/100-1], s[(len(s)*99+99)/100-1]
}

// pairedRatio is the median over rounds of ours/theirs.
func pairedRatio(ours, theirs []time.Duration) float64 {
	r := make([]float64, len(ours))
	for i := range ours {
		r[i] = float64(ours[i]) / float64(theirs[i])
	}
	slices.Sort(r)
	return r[(len(r)*50+99)/100-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// login creates the regulator office of l with a user, an API token and a
// web session.
func (l *level) login(ctx context.Context, store *storage.Store, sys cpaudit.Actor, i int) error {
	office, err := store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgRegulator, Name: "生态环境局 " + l.region, Region: l.region})
	if err != nil {
		return err
	}
	u, err := store.CreateUser(ctx, sys, cpaudit.NewUser{Email: fmt.Sprintf("reg%d@hebei.gov.cn", i), Role: cpaudit.RoleRegulator,
		Password: "bench-password-2026", OrgID: office.ID})
	if err != nil {
		return err
	}
	l.actor = cpaudit.Actor{TenantID: sys.TenantID, UserID: u.ID, Email: u.Email, Role: cpaudit.RoleRegulator, OrgID: office.ID, Region: l.region}
	if l.token, _, err = store.CreateToken(ctx, sys, u.ID, "bench"); err != nil {
		return err
	}
	sessUser, err := store.UserByToken(ctx, l.token) // with its office's region, as a login has it
	if err != nil {
		return err
	}
	l.cookie, _, err = store.CreateSession(ctx, sessUser, "127.0.0.1", time.Hour)
	return err
}
