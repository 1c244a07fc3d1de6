package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxmp/wxmp/adapters/jobs"
	"github.com/wxmp/wxmp/adapters/metrics"
	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// The harness starts its child as `<its own binary> bench reconcile-bill`.
// It is answered here, before main, so that a test binary running the
// harness (whose TestMain plays only the service's children) runs the
// child too, and never runs its tests again in it.
func init() {
	if len(os.Args) > 2 && os.Args[1] == "bench" && os.Args[2] == billChildArg {
		os.Exit(runBillChild(os.Args[3:], os.Stdout, os.Stderr))
	}
}

// runBillChild is `wxmp bench reconcile-bill -base URL -keys FILE -day D`
// with DATABASE_URL in the environment: the service's own reconciliation
// of one day, wired as the service wires it (wechat.Pay on the emulator's
// keys, postgres.Store, domain.CheckBill), run once, its report printed
// as JSON. The harness starts it and reads its peak RSS when it exits.
func runBillChild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(billChildArg, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "WeChat Pay's base URL (the harness's bill server)")
	keysFile := fs.String("keys", "", "the emulator's pay keys file")
	day := fs.String("day", "", "the Beijing day to reconcile")
	profile := fs.String("profile", "", "a directory to write cpu.pprof and allocs.pprof to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := reconcileBillDay(context.Background(), os.Getenv("DATABASE_URL"), *base, *keysFile, *day, *profile, stderr)
	if err != nil {
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	if err != nil {
		return 1
	}
	return 0
}

func reconcileBillDay(ctx context.Context, dbURL, base, keysFile, day, profile string, logw io.Writer) (billChildResult, error) {
	var res billChildResult
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	keys, err := emulator.LoadPayKeys(keysFile)
	if err != nil {
		return res, err
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	pay, err := wechat.NewPay(wechat.PayConfig{BaseURL: base, AppID: emulatorAppID, MchID: keys.MchID,
		MchCertSerial: keys.MchCertSerial, MchPrivateKey: keys.MchPrivateKey, APIv3Key: keys.APIv3Key,
		PublicKeyID: keys.PublicKeyID, PublicKey: &keys.PublicKeyPrivate.PublicKey, PlatformCerts: []*x509.Certificate{keys.PlatformCert},
		NotifyURL: base + "/notify", RefundNotifyURL: base + "/refund-notify"},
		&http.Client{Transport: m.WeChatTransport(wechat.NewTransport())}, log)
	if err != nil {
		return res, err
	}
	pool, err := postgres.NewPool(ctx, dbURL, 4)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	sealer, err := postgres.NewSealer([]byte(rand.Text() + rand.Text())[:32])
	if err != nil {
		return res, err
	}
	sched, err := jobs.NewScheduler()
	if err != nil {
		return res, err
	}
	store := postgres.NewStore(pool, sealer, sched)
	now := domain.Clock(time.Now)
	merchant := domain.Merchant{AppID: emulatorAppID, MchID: keys.MchID}
	confirm := domain.NewConfirmPayment(store, merchant, now, m, log, domain.DefaultLedgerPolicy())
	confirmRefund := domain.NewConfirmRefund(store, merchant, now, m, log)
	phases := &billPhases{at: map[string]time.Time{}}
	check := domain.NewCheckBill(&timedBills{pay, phases}, &timedChecks{store, phases}, pay, pay, confirm, confirmRefund, now,
		domain.DefaultBillPolicy(), m, log)

	if profile != "" {
		if err := os.MkdirAll(profile, 0o755); err != nil {
			return res, err
		}
		f, err := os.Create(filepath.Join(profile, "cpu.pprof"))
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	phases.mark("start")
	d, err := check.Execute(ctx, day)
	phases.mark("end")
	res.Seconds = time.Since(t0).Seconds()
	res.Phases = phases.spans()
	res.Status, res.Lines, res.Payments, res.Differences, res.Open = string(d.Status), d.Lines, d.Payments, d.Differences, d.OpenDifferences
	res.WeChatFen, res.OursFen = d.WeChatPaidFen, d.OursPaidFen
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapSysMB = float64(ms.HeapSys) / (1 << 20)
	res.PeakRSSMB = peakRSSMB()
	if profile != "" {
		if f, err := os.Create(filepath.Join(profile, "allocs.pprof")); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	return res, err
}

// billPhases notes when each part of a run began, to say where its time
// goes: the download and staging (until the last line is handed over),
// the matching query (until its first row arrives), the comparison of
// every row, and the rest (store, commit, finish the day).
type billPhases struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (p *billPhases) mark(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.at[name]; !ok {
		p.at[name] = time.Now()
	}
}

func (p *billPhases) spans() map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	order := []string{"start", "first_line", "bill_read", "first_match", "last_match", "checked", "end"}
	names := map[string]string{"first_line": "apply_and_first_line", "bill_read": "download_parse_stage",
		"first_match": "analyze_and_match_query", "last_match": "compare_rows", "checked": "unbilled_store_commit", "end": "finish_day"}
	out := map[string]float64{}
	prev := p.at["start"]
	for _, n := range order[1:] {
		t, ok := p.at[n]
		if !ok {
			continue
		}
		out[names[n]] = t.Sub(prev).Seconds()
		prev = t
	}
	return out
}

// timedBills notes when the bill's first line arrives and when its last
// has been handed over (staged, but for the last batch).
type timedBills struct {
	domain.WeChatBills
	p *billPhases
}

func (t *timedBills) TradeBill(ctx context.Context, day string, each func(domain.BillLine) error) (domain.BillSummary, error) {
	s, err := t.WeChatBills.TradeBill(ctx, day, func(l domain.BillLine) error {
		if l.LineNo <= 2 {
			t.p.mark("first_line")
		}
		return each(l)
	})
	t.p.mark("bill_read")
	return s, err
}

// timedChecks notes when the first and the last match were compared, and
// when CheckDay returned.
type timedChecks struct {
	domain.BillChecks
	p *billPhases
}

func (t *timedChecks) CheckDay(ctx context.Context, day string, at time.Time, fetch func(put func(domain.BillLine) error) (domain.BillSummary, error),
	compare func(domain.BillMatch) (domain.BillDifference, bool)) error {
	var last time.Time
	err := t.BillChecks.CheckDay(ctx, day, at, fetch, func(m domain.BillMatch) (domain.BillDifference, bool) {
		t.p.mark("first_match")
		last = time.Now()
		return compare(m)
	})
	t.p.mu.Lock()
	if !last.IsZero() {
		t.p.at["last_match"] = last
	}
	t.p.mu.Unlock()
	t.p.mark("checked")
	return err
}

// peakRSSMB is this process's peak resident set size (VmHWM), in MiB, 0
// when unknown (not Linux). Its rusage's ru_maxrss will not do: Go starts
// a child with vfork semantics (CLONE_VM), and exec records the shared
// memory's high-water mark, the parent's, as the child's maxrss. VmHWM
// belongs to the memory exec gave the child.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
