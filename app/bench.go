package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/db/dbsqlc"
)

// `wxmp bench` is the load harness `make bench` runs: it starts the service
// (its own process, on a private PostgreSQL) and the WeChat emulator (a
// separate process, so WeChat's side of the signing is not billed to us),
// drives each scenario at a few concurrencies for a bounded time, and
// measures, in the same run, the floors the machine allows: a bare handler
// behind the same HTTP server, the scenario's own SQL through pgx at the
// same concurrency, and RSA-2048 and AES-GCM rates. It prints one table and
// writes it as JSON.

type benchRow struct {
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	Errors      float64 `json:"error_ratio"`
	CPUms       float64 `json:"server_cpu_ms_per_op"`
	Floor       float64 `json:"floor"`
	FloorWhat   string  `json:"floor_what"`
	Ratio       float64 `json:"ratio"`
	// RoundTrips and Statements are per operation, at PostgreSQL (-1: not
	// counted); see bench_roundtrips.go.
	RoundTrips float64 `json:"round_trips_per_op"`
	Statements float64 `json:"statements_per_op"`
	// PGCPUms is PostgreSQL's CPU per operation (all its processes).
	PGCPUms float64 `json:"postgres_cpu_ms_per_op"`
	// Bill is the daily bill's row (a run, not a rate): its time, peak RSS
	// and where the time went.
	Bill *benchBill `json:"bill,omitempty"`
}

type benchReport struct {
	At      time.Time          `json:"at"`
	CPUs    int                `json:"cpus"`
	Crypto  map[string]float64 `json:"crypto_ops_per_second"`
	Rows    []benchRow         `json:"rows"`
	Targets []string           `json:"targets"`
}

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dur := fs.Duration("duration", 3*time.Second, "how long each scenario runs at each concurrency")
	concs := fs.String("concurrency", "1,8,32", "comma-separated concurrencies")
	out := fs.String("out", ".data/bench.json", "where the JSON report goes")
	only := fs.String("only", "", "comma-separated scenarios to run, of "+strings.Join(benchScenarios, ","))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var levels []int
	for _, c := range strings.Split(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 1024 {
			fmt.Fprintf(stderr, "bench: bad concurrency %q\n", c)
			return 2
		}
		levels = append(levels, n)
	}
	want := func(string) bool { return true }
	if *only != "" {
		picked := strings.Split(*only, ",")
		for _, p := range picked {
			if !slices.Contains(benchScenarios, p) {
				fmt.Fprintf(stderr, "bench: no scenario %q (have %s)\n", p, strings.Join(benchScenarios, ","))
				return 2
			}
		}
		want = func(name string) bool { return slices.Contains(picked, name) }
	}
	rep, err := bench(context.Background(), levels, *dur, benchScale, want, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	printBench(stdout, rep)
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err == nil {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*out, b, 0o644); err == nil {
			fmt.Fprintf(stdout, "\nJSON: %s\n", *out)
		}
	}
	return 0
}

// benchEnv is what the harness started, for the scenarios to use.
type benchEnv struct {
	api, emu    string
	pool        *pgxpool.Pool
	q           *dbsqlc.Queries
	servicePID  int
	tokens      []string
	productID   string
	digests     [][]byte
	users       []uuid.UUID
	stop        []func()
	client      *http.Client
	floorServer string
	signer      *emulator.Emulator // seals notifications with the emulator's keys
	payKeys     emulator.PayKeys   // signs the bill server's answers
	keysFile    string
	dbURL       string
	openids     []string
	batch       atomic.Int64
	pgPort      int
	pgDataDir   string
}

// benchScale is the table sizes the order list is measured at.
var benchScale = []int{10_000, 1_000_000}

// benchScenarios are the names -only picks from.
var benchScenarios = []string{"healthz", "me", "list", "login", "notify", "shop", "place", "scale", "bill"}

func bench(ctx context.Context, levels []int, dur time.Duration, scale []int, want func(string) bool, logw io.Writer) (*benchReport, error) {
	dir, err := os.MkdirTemp("", "wxmp-bench-")
	if err != nil {
		return nil, err
	}
	_ = os.Chmod(dir, 0o755) // the postgres user must reach its cluster
	defer os.RemoveAll(dir)
	env, err := startBenchEnv(ctx, dir, logw)
	if env != nil {
		defer func() {
			for i := len(env.stop) - 1; i >= 0; i-- {
				env.stop[i]()
			}
		}()
	}
	if err != nil {
		return nil, err
	}
	rep := &benchReport{At: time.Now().UTC(), CPUs: runtime.NumCPU(), Crypto: cryptoRates()}
	// CPU per operation: the rates were measured on every CPU at once.
	cpus := float64(runtime.GOMAXPROCS(0))
	sign, verify := cpus*1000/rep.Crypto["rsa2048_sign"], cpus*1000/rep.Crypto["rsa2048_verify"]
	for _, c := range levels {
		env.drainJobs(ctx)
		floorHTTP := env.attack("floor", c, dur, getTarget(env.floorServer+"/floor", nil))
		floorHTTP.Scenario = "floor: bare chi handler"
		rep.Rows = append(rep.Rows, floorHTTP)
		composed := func(sql float64) float64 { return 1 / (1/floorHTTP.RPS + 1/sql) }
		floor := func(name string, f sqlFloor) float64 {
			rep.Rows = append(rep.Rows, benchRow{Scenario: "floor: " + name + "'s SQL via pgx", Concurrency: c, RPS: f.rps,
				RoundTrips: f.rts, Statements: f.stmts, PGCPUms: f.pgCPU})
			return f.rps
		}
		var rows []benchRow
		if want("healthz") {
			rows = append(rows, withFloor(env.attack("healthz (no database)", c, dur, getTarget(env.api+"/healthz", nil)), floorHTTP.RPS, "bare handler"))
		}
		if want("me") {
			meSQL := floor("GET /v1/me", env.sqlRate(c, dur, func(ctx context.Context, i int) error {
				_, err := env.q.FindSessionByDigest(ctx, env.digests[i%len(env.digests)])
				return err
			}))
			rows = append(rows, withFloor(env.attack("authenticated read GET /v1/me", c, dur, env.bearerTarget("/v1/me")), composed(meSQL), "HTTP floor ∘ its SQL"))
		}
		if want("list") {
			listSQL := floor("order list", env.sqlRate(c, dur, env.listSQL))
			rows = append(rows, withFloor(env.attack("order list GET /v1/orders", c, dur, env.bearerTarget("/v1/orders?limit=20")), composed(listSQL), "HTTP floor ∘ its SQL"))
		}
		if want("login") {
			rows = append(rows, env.attack("login (code2session)", c, dur, env.loginTarget()))
		}
		if want("notify") {
			first, err := env.notifications(ctx, min(notifyBatch, max(500, int(4000*dur.Seconds()))))
			if err != nil {
				return nil, err
			}
			firstFloor, err := env.notifySQLRate(ctx, c, dur, min(notifyFloorBatch, max(2000, int(15000*dur.Seconds()))))
			if err != nil {
				return nil, err
			}
			firstSQL := floor("first notification", firstFloor)
			rows = append(rows, withFloor(env.attack("first notification (verify+apply)", c, dur, listTarget(env.api+"/v1/wechatpay/notify", first)), firstSQL, "its transaction via pgx"))
			env.drainJobs(ctx)
			rows = append(rows, env.attack("duplicate notification", c, dur, repeatTarget(env.api+"/v1/wechatpay/notify", first[0])))
			env.drainJobs(ctx)
		}
		if want("shop") {
			rows = append(rows, env.shopSessions(c, dur))
			env.drainJobs(ctx)
		}
		if want("place") {
			floor("PlaceOrder (around its WeChat call)", env.sqlRate(c, dur, env.placeSQL))
			place := env.attack("PlaceOrder (prepay + paySign)", c, dur, env.placeTarget())
			// Its floor is CPU, not throughput: what its own RSA work costs
			// (sign the request, verify WeChat's answer, sign paySign).
			place.Floor, place.FloorWhat = 2*sign+verify, "ms of its RSA work"
			if place.CPUms > 0 {
				place.Ratio = place.CPUms / place.Floor
			}
			rows = append(rows, place)
		}
		for _, r := range append([]benchRow{floorHTTP}, rows...) {
			fmt.Fprintf(logw, "bench: %-32s c=%-4d %8.0f req/s\n", r.Scenario, r.Concurrency, r.RPS)
		}
		rep.Rows = append(rep.Rows, rows...)
	}
	if err := env.atEightyPercent(ctx, rep, dur, want); err != nil {
		return nil, err
	}
	if want("scale") {
		if err := env.listAtScale(ctx, rep, dur, scale); err != nil {
			return nil, err
		}
	}
	if want("bill") && len(scale) > 0 {
		// The bill's day is as big as the largest order table measured.
		if err := env.billAtScale(ctx, rep, dir, scale[len(scale)-1], logw); err != nil {
			return nil, err
		}
	}
	rep.Targets = []string{
		"authenticated read ≥ 0.8 of its composed floor",
		"first notification ≥ 0.8 of the same transaction's SQL floor",
		"PlaceOrder server CPU ≤ 1.25 × its own RSA work",
		"p99 < 50 ms at 80 % of peak throughput",
		"order list p50 with 1,000,000 orders ≤ 1.2 × with 10,000",
	}
	if len(scale) > 0 {
		rep.Targets = append(rep.Targets, fmt.Sprintf("daily bill of %d lines reconciled against as many orders in < %d s, its process's peak RSS < %d MB",
			scale[len(scale)-1], billTargetSeconds, billTargetRSSMB))
	}
	return rep, nil
}

func withFloor(r benchRow, floor float64, what string) benchRow {
	r.Floor, r.FloorWhat = floor, what
	if floor > 0 {
		r.Ratio = r.RPS / floor
	}
	return r
}

func printBench(w io.Writer, rep *benchReport) {
	fmt.Fprintf(w, "wxmp bench, %s, %d CPUs\n", rep.At.Format(time.RFC3339), rep.CPUs)
	fmt.Fprintf(w, "crypto in-process: RSA-2048 sign %.0f/s, verify %.0f/s; AES-256-GCM 1 KiB %.0f/s\n\n",
		rep.Crypto["rsa2048_sign"], rep.Crypto["rsa2048_verify"], rep.Crypto["aes256gcm_1k"])
	fmt.Fprintf(w, "%-40s %5s %9s %8s %8s %7s %10s %8s %6s %7s %10s %6s  %s\n", "scenario", "conc", "req/s", "p50 ms", "p99 ms", "errors", "cpu ms/op", "pg ms/op", "rt/op", "stmt/op", "floor", "ratio", "floor is")
	for _, r := range rep.Rows {
		if b := r.Bill; b != nil {
			fmt.Fprintf(w, "%-40s %5d %9.0f %s\n", r.Scenario, r.Concurrency, r.RPS, b.summary())
			continue
		}
		fmt.Fprintf(w, "%-40s %5d %9.0f %8.2f %8.2f %6.1f%% %10.3f %8s %6s %7s %10.1f %6.2f  %s\n",
			r.Scenario, r.Concurrency, r.RPS, r.P50ms, r.P99ms, 100*r.Errors, r.CPUms, cpuCount(r.PGCPUms), count(r.RoundTrips), count(r.Statements), r.Floor, r.Ratio, r.FloorWhat)
	}
	fmt.Fprintln(w, "\nratio: throughput ÷ floor (higher is better); for PlaceOrder server CPU ÷ its RSA work, for @80% rows p99 ÷ 50 ms,")
	fmt.Fprintln(w, "for the million-order list p50 ÷ p50 at 10,000 orders (lower is better); for the bill, req/s is lines/s.")
	fmt.Fprintln(w, "rt/op: round trips to PostgreSQL per operation (requests it received, a pipelined batch is one); stmt/op: statements")
	fmt.Fprintln(w, "(pg_stat_statements; BEGIN and COMMIT when sent alone). Both count every client of the bench's database during the step.")
	fmt.Fprintln(w, "cpu ms/op: the service's CPU per operation; pg ms/op: PostgreSQL's (all its processes), for sizing both.")
}

// cpuCount prints CPU milliseconds per operation, "–" when not measured.
func cpuCount(v float64) string {
	if v < 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// count prints a per-operation count, "–" when it was not measured.
func count(v float64) string {
	if v < 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
