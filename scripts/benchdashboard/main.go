//go:build benchseed

// Command benchdashboard measures the regulator dashboard and the overdue
// list on a generated province: 10,000 enterprises and audits over Hebei's
// 11 cities and 170 counties with random progress, milestones and batch
// dates (seeded, so runs are comparable). It times the real HTTP handler
// (httptest, full HTML pages and the JSON API) at province, city and
// county level, and as a baseline in the same run the same dashboard
// computed by a naive scan of the audits and their 35 steps. It prints
// p50/p99 of each and the ratio.
//
// It is a benchmark, run by scripts/bench-dashboard, not a test. It opens
// the tenant database with go-sqlite3 itself (read-only) for the
// baseline, which is not part of cpaudit.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
	baselineReps           int
	seed                   uint64
	dir                    string
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 10000, "enterprises and audits")
	flag.IntVar(&c.reps, "reps", 200, "requests per endpoint and level")
	flag.IntVar(&c.baselineReps, "baseline-reps", 20, "runs of the (slow) naive baseline per level")
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
	base, err := sql.Open("sqlite3", "file:"+filepath.Join(store.TenantDir("hebei"), "tenant.db")+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer base.Close()

	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "level\twhat\taudits\tp50\tp99\tbaseline p50\tbaseline p99\tratio p50\tratio p99\t")
	for _, l := range levels {
		bp50, bp99, seen, err := timeBaseline(ctx, base, l.region, c.baselineReps)
		if err != nil {
			return err
		}
		for _, ep := range []struct{ what, path string }{
			{"dashboard page (HTML)", "/dashboard"},
			{"dashboard API", "/api/v1/dashboard"},
			{"overdue list page (HTML)", "/overdue"},
			{"overdue list API", "/api/v1/overdue"},
		} {
			p50, p99, err := timeHandler(h, l, ep.path, c.reps)
			if err != nil {
				return fmt.Errorf("%s %s: %w", l.name, ep.path, err)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%.2fx\t%.2fx\t\n", l.name, ep.what, seen, ms(p50), ms(p99), ms(bp50), ms(bp99),
				float64(p50)/float64(bp50), float64(p99)/float64(bp99))
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "ours: %d requests per row; baseline (%d runs per level): the dashboard's counts (phase, batch, industry, city,\n"+
		"county, stalled) by a scan of every visible audit and its 35 steps, without the progress table\n", c.reps, c.baselineReps)
	return nil
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

// timeHandler sends reps requests to the handler and returns p50 and p99.
func timeHandler(h http.Handler, l *level, path string, reps int) (time.Duration, time.Duration, error) {
	var d []time.Duration
	for i := 0; i < reps+5; i++ { // 5 warm-up requests
		req := httptest.NewRequest("GET", path, nil)
		if path[:5] == "/api/" {
			req.Header.Set("Authorization", "Bearer "+l.token)
		} else {
			req.AddCookie(&http.Cookie{Name: "cpaudit_session", Value: l.cookie})
		}
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		el := time.Since(t0)
		if rec.Code != 200 {
			return 0, 0, fmt.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
		if i >= 5 {
			d = append(d, el)
		}
	}
	return percentiles(d)
}

func percentiles(d []time.Duration) (time.Duration, time.Duration, error) {
	slices.Sort(d)
	return d[len(d)/2], d[(len(d)*99+99)/100-1], nil
}

// timeBaseline computes the dashboard's counts the naive way, from every
// visible audit's 35 steps, reps times.
func timeBaseline(ctx context.Context, db *sql.DB, region string, reps int) (time.Duration, time.Duration, int, error) {
	prefix := cpaudit.RegionPrefix(region)
	var d []time.Duration
	seen := 0
	for i := 0; i < reps+1; i++ { // one warm-up run
		t0 := time.Now()
		n, err := naiveDashboard(ctx, db, prefix)
		if err != nil {
			return 0, 0, 0, err
		}
		if i >= 1 {
			d = append(d, time.Since(t0))
		}
		seen = n
	}
	p50, p99, err := percentiles(d)
	return p50, p99, seen, err
}

func naiveDashboard(ctx context.Context, db *sql.DB, prefix string) (int, error) {
	rows, err := db.QueryContext(ctx, `SELECT au.id, coalesce(au.batch_id, ''), e.industry, e.region, s.number, s.state,
		coalesce(s.changed_at, au.created_at)
		FROM audits au JOIN organisations e ON e.id = au.enterprise_id JOIN audit_steps s ON s.audit_id = au.id
		WHERE substr(e.region, 1, ?) = ? ORDER BY au.id, s.number`, len(prefix), prefix)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	phases, batches, industries, cities, counties := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	cutoff := time.Now().Add(-30 * 24 * time.Hour).UnixMicro()
	cur, phase, stalled, n := "", "", 0, 0
	var last int64
	flush := func() {
		if cur == "" {
			return
		}
		if phase == "" {
			phase = cpaudit.PhaseDone
		}
		phases[phase]++
		if last < cutoff {
			stalled++
		}
	}
	for rows.Next() {
		var id, batch, industry, reg, state string
		var num int
		var changed int64
		if err := rows.Scan(&id, &batch, &industry, &reg, &num, &state, &changed); err != nil {
			return 0, err
		}
		if id != cur {
			flush()
			cur, phase, last = id, "", 0
			n++
			batches[batch]++
			industries[industry[:min(3, len(industry))]]++
			cities[reg[:4]]++
			counties[reg]++
		}
		if phase == "" && state != string(cpaudit.StepAccepted) {
			phase = cpaudit.PhaseOfStep(num)
		}
		last = max(last, changed)
	}
	flush()
	return n, rows.Err()
}
