// Command benchscreening measures the screening of audit candidates on a
// generated source of enterprise-level data (seeded, so two runs see the
// same rows):
//
//   - import: an .xlsx (or CSV) file of N rows read within the upload
//     limits (httpx.ReadSourceTable), parsed and validated
//     (cpaudit.ParseSourceRows) and stored all or nothing
//     (storage.ImportScreeningSource, one transaction, multi-row INSERTs);
//     the baseline stores the same parsed rows with one INSERT per row in
//     autocommit, into the same table layout in a database file opened
//     with the store's own settings (WAL, synchronous FULL), in the same
//     run. Target: ≤ 30 s for 10,000 rows.
//   - screening: storage.ScreenSource (read the rows, every rule in Go,
//     each reason explained), repeated; the baseline is the same rules as
//     one SQL query over the baseline table, which answers only which rows
//     match, without reasons. Both must find the same candidates. Target:
//     ≤ 1 s for 10,000 rows.
//
// Run it through scripts/bench-screening.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/scripts/internal/benchstat"
	"github.com/cpaudit/cpaudit/sheet"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchscreening:", err)
		os.Exit(1)
	}
}

var (
	regions    = []string{"130102", "130104", "130105", "130203", "130602", "131102", "130902"}
	industries = []string{"C2520", "C3110", "C1713", "C2614", "C1391", "C3411", "C2710"}
	flagWords  = []string{"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "双超", "双有", "高耗能", "双超、高耗能"}
)

// rules are the screening rules of every run.
var rules = cpaudit.ScreeningRules{
	Emissions:  map[string]float64{"cod": 120, "so2": 150},
	EnergyTce:  15000,
	Industries: []string{"C25"},
	Regions:    []string{"130200"},
	Flags:      []cpaudit.ListingReason{cpaudit.ReasonDoubleExceed, cpaudit.ReasonToxic},
}

func run() error {
	n := flag.Int("rows", 10000, "rows of the source file")
	seed := flag.Uint64("seed", 21, "seed of the generated rows")
	format := flag.String("format", "xlsx", "file format: xlsx or csv")
	repeat := flag.Int("repeat", 20, "screenings timed")
	baseline := flag.Bool("baseline", true, "also run the baselines")
	flag.Parse()
	if *n < 1 || *repeat < 1 || (*format != "xlsx" && *format != "csv") {
		return fmt.Errorf("bad flags")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchscreening")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("benchscreening: %d rows (%s), seed %d, %d screenings timed, GOMAXPROCS %d, data in %s\n",
		*n, *format, *seed, *repeat, runtime.GOMAXPROCS(0), dir)

	header, cells := generate(*n, *seed)
	file, err := encode(*format, header, cells)
	if err != nil {
		return err
	}
	fmt.Printf("file: %.1f MiB\n", float64(len(file))/(1<<20))

	st, err := storage.Open(ctx, storage.Config{DataDir: filepath.Join(dir, "store"), Blobs: blob.NewMem()})
	if err != nil {
		return err
	}
	defer st.Close()
	tn, err := st.CreateTenant(ctx, "bench", "河北省生态环境厅")
	if err != nil {
		return err
	}
	admin := cpaudit.SystemActor(tn.ID)

	start := time.Now()
	h, rows, err := httpx.ReadSourceTable(ctx, file, httpx.SourceLimits())
	if err != nil {
		return err
	}
	read := time.Since(start)
	parsed, rejected, err := cpaudit.ParseSourceRows(h, rows)
	if err != nil || len(rejected) > 0 {
		return fmt.Errorf("parse: %d rejected (%+v), %v", len(rejected), first(rejected), err)
	}
	parse := time.Since(start) - read
	src, rejected, err := st.ImportScreeningSource(ctx, admin, "基准源数据", parsed, nil)
	if err != nil || len(rejected) > 0 {
		return fmt.Errorf("import: %v %v", rejected, err)
	}
	total := time.Since(start)
	fmt.Printf("ours import: %v total (read %s %v, parse and validate %v, store %v), %d rows; target ≤ 30 s: %s\n",
		ms(total), *format, ms(read), ms(parse), ms(total-read-parse), src.Rows, verdict(total <= 30*time.Second))

	var ours []time.Duration
	var cands []cpaudit.ScreenCandidate
	for range *repeat {
		t := time.Now()
		if cands, err = st.ScreenSource(ctx, admin, src.ID, rules); err != nil {
			return err
		}
		ours = append(ours, time.Since(t))
	}
	reasons := 0
	for _, c := range cands {
		reasons += len(c.Reasons)
	}
	fmt.Printf("ours screening (storage.ScreenSource, with reasons): p50 %v, max %v; %d candidates, %d reasons; target ≤ 1 s: %s\n",
		ms(benchstat.Percentile(ours, 50)), ms(benchstat.Percentile(ours, 100)), len(cands), reasons, verdict(benchstat.Percentile(ours, 100) <= time.Second))
	if !*baseline {
		return nil
	}
	return runBaseline(ctx, filepath.Join(dir, "baseline.db"), parsed, len(cands), *repeat, total, benchstat.Percentile(ours, 50))
}

func runBaseline(ctx context.Context, file string, rows []cpaudit.SourceRow, want, repeat int, oursImport, oursScreen time.Duration) error {
	q := "_foreign_keys=1&_busy_timeout=10000&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate&_cache_size=-65536"
	db, err := sql.Open("sqlite3", "file:"+file+"?"+q)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE screening_rows (source_id TEXT NOT NULL, row INTEGER NOT NULL,
		credit_code TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL, industry TEXT NOT NULL, permit_number TEXT NOT NULL,
		flags TEXT NOT NULL, energy_tce REAL NOT NULL, water_t REAL NOT NULL, cod REAL NOT NULL, nh3n REAL NOT NULL,
		so2 REAL NOT NULL, nox REAL NOT NULL, vocs REAL NOT NULL, pm REAL NOT NULL, PRIMARY KEY (source_id, row)) WITHOUT ROWID`); err != nil {
		return err
	}
	start := time.Now()
	for _, r := range rows {
		flags := make([]string, len(r.Flags))
		for i, f := range r.Flags {
			flags[i] = string(f)
		}
		e := r.Emissions
		if _, err := db.ExecContext(ctx, `INSERT INTO screening_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			"s1", r.Row, r.CreditCode, r.Name, r.Region, r.Industry, r.PermitNumber, strings.Join(flags, ","),
			r.EnergyTce, r.WaterT, e["cod"], e["nh3n"], e["so2"], e["nox"], e["vocs"], e["pm"]); err != nil {
			return err
		}
	}
	base := time.Since(start)
	fmt.Printf("baseline import (the parsed rows, one INSERT per row in autocommit, same settings): %v; ours (read+parse+store) / baseline (store only) = %.2f\n",
		ms(base), float64(oursImport)/float64(base))

	// The same rules as one query: which rows match, no reasons.
	query := `SELECT row FROM screening_rows WHERE source_id = 's1' AND (
		cod > 120 OR so2 > 150 OR energy_tce > 15000 OR industry LIKE 'C25%' OR region LIKE '1302%'
		OR ',' || flags || ',' LIKE '%,double_exceed,%' OR ',' || flags || ',' LIKE '%,toxic,%') ORDER BY row`
	var times []time.Duration
	got := 0
	for range repeat {
		t := time.Now()
		rs, err := db.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		got = 0
		for rs.Next() {
			var row int
			if err := rs.Scan(&row); err != nil {
				return err
			}
			got++
		}
		if err := rs.Err(); err != nil {
			return err
		}
		rs.Close()
		times = append(times, time.Since(t))
	}
	fmt.Printf("baseline screening (the same rules as one SQL query, no reasons): p50 %v, max %v; %d candidates (ours %d: %s); ours / baseline p50 = %.2f\n",
		ms(benchstat.Percentile(times, 50)), ms(benchstat.Percentile(times, 100)), got, want, same(got == want),
		float64(oursScreen)/float64(benchstat.Percentile(times, 50)))
	if got != want {
		return fmt.Errorf("the baseline found %d candidates, ours %d", got, want)
	}
	return nil
}

// generate makes n rows of source data from seed.
func generate(n int, seed uint64) ([]string, [][]string) {
	r := rand.New(rand.NewPCG(seed, 2026))
	header := []string{"统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "排污许可证编号", "标识", "综合能耗(吨标准煤)", "取水量(吨)"}
	for _, p := range cpaudit.Pollutants {
		header = append(header, p.Zh+"排放量(吨)")
	}
	rows := make([][]string, n)
	for i := range rows {
		first17 := fmt.Sprintf("91130100MA%07d", i+1)
		code := first17 + string(cpaudit.CreditCodeCheck(first17))
		row := []string{code, fmt.Sprintf("河北第%d化工有限公司", i+1), regions[r.IntN(len(regions))], industries[r.IntN(len(industries))],
			"", flagWords[r.IntN(len(flagWords))], qty(r, 20000), qty(r, 500000)}
		for range cpaudit.Pollutants {
			row = append(row, qty(r, 200))
		}
		rows[i] = row
	}
	return header, rows
}

// qty is a quantity in [0, max) with two decimals, skewed small; a third
// of the cells are empty.
func qty(r *rand.Rand, max float64) string {
	if r.IntN(3) == 0 {
		return ""
	}
	v := max * r.Float64() * r.Float64()
	return strconv.FormatFloat(float64(int(v*100))/100, 'f', -1, 64)
}

func encode(format string, header []string, rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	if format == "csv" {
		buf.WriteString(strings.Join(header, ",") + "\n")
		for _, r := range rows {
			buf.WriteString(strings.Join(r, ",") + "\n")
		}
		return buf.Bytes(), nil
	}
	t := sheet.Table{Sheet: "源数据", Header: header, Rows: make([][]any, len(rows))}
	for i, r := range rows {
		t.Rows[i] = make([]any, len(r))
		for j, c := range r {
			t.Rows[i][j] = c
		}
	}
	err := sheet.Write(&buf, t)
	return buf.Bytes(), err
}

func first(r []cpaudit.ImportRejection) any {
	if len(r) == 0 {
		return nil
	}
	return r[0]
}

func ms(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func same(ok bool) string {
	if ok {
		return "same"
	}
	return "DIFFERENT"
}
