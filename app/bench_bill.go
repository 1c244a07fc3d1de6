package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/domain"
)

// The daily bill at scale (issue 18): one Beijing day of as many payment
// lines as the largest order table the harness measures (1,000,000),
// reconciled against a ledger of as many paid orders that day, by
// the real adapters (wechat.Pay.TradeBill, postgres.Store.CheckDay) and
// domain.CheckBill, in a child process of its own (`wxmp bench
// reconcile-bill`), so that its peak RSS is the reconciliation's alone.
// The harness seeds the orders with SQL, writes their bill (gzip, the
// emulator's layout, SHA1 of the uncompressed file) to a temporary file as
// it reads them back, and serves it as WeChat Pay would: a signed answer
// to GET /v3/bill/tradebill naming a download URL on the same host.

const (
	// The targets: the whole run (download, parse, stage, match, store)
	// under billTargetSeconds, its process under billTargetRSSMB.
	billTargetSeconds = 60
	billTargetRSSMB   = 150
	// billChildArg is the hidden first argument of `wxmp bench` that runs
	// the reconciliation (started by the harness, not for people; see the
	// init in bench_bill_child.go).
	billChildArg = "reconcile-bill"
)

// billHeaderAll and billSummaryAll are the trade bill's header lines
// (bill_type ALL) exactly as WeChat, and the emulator, write them.
const (
	billHeaderAll = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
	billSummaryAll = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)

// billChildResult is what the child reports on its stdout, as one JSON
// object; the parent adds what the kernel says about the child.
type billChildResult struct {
	Seconds     float64            `json:"seconds"` // Execute, start to end
	Phases      map[string]float64 `json:"phases_s"`
	Status      string             `json:"status"`
	Lines       int                `json:"lines"`
	Payments    int                `json:"payments"`
	Differences int                `json:"differences"`
	Open        int                `json:"open_differences"`
	WeChatFen   int64              `json:"wechat_paid_fen"`
	OursFen     int64              `json:"ours_paid_fen"`
	HeapSysMB   float64            `json:"go_heap_sys_mb"` // at the end
	PeakRSSMB   float64            `json:"peak_rss_mb"`    // VmHWM at the end
	Error       string             `json:"error,omitempty"`
}

// benchBill is the row's detail in the JSON report.
type benchBill struct {
	Day         string             `json:"day"`
	Lines       int                `json:"lines"`
	Orders      int                `json:"orders_in_day"`
	GzipMB      float64            `json:"gzip_mb"`
	RawMB       float64            `json:"uncompressed_mb"`
	Seconds     float64            `json:"seconds"`
	ChildWallS  float64            `json:"child_wall_s"` // the process, start to exit
	LinesPerS   float64            `json:"lines_per_second"`
	PeakRSSMB   float64            `json:"peak_rss_mb"`      // the child's own (VmHWM)
	MaxRSSMB    float64            `json:"rusage_maxrss_mb"` // ru_maxrss: includes the harness's own peak (see peakRSSMB)
	HeapSysMB   float64            `json:"go_heap_sys_mb"`   // the child's Go heap at the end, of its RSS
	ChildCPUS   float64            `json:"child_cpu_s"`
	Phases      map[string]float64 `json:"phases_s"`
	Status      string             `json:"status"`
	Differences int                `json:"differences"`
	SeedS       float64            `json:"seed_s"`
	WriteS      float64            `json:"bill_write_s"`
	TimeMet     bool               `json:"time_target_met"`
	RSSMet      bool               `json:"rss_target_met"`
	Error       string             `json:"error,omitempty"`
}

// billAtScale seeds the day, writes and serves its bill, runs the child
// and adds its row.
func (e *benchEnv) billAtScale(ctx context.Context, rep *benchReport, dir string, n int, logw io.Writer) error {
	// A week ago (Beijing): a day that has ended, that no other scenario
	// paid anything in, even a run that crosses midnight.
	day := time.Now().In(domain.Beijing).AddDate(0, 0, -7).Format(time.DateOnly)
	start, _ := domain.BillDayStart(day)
	b := benchBill{Day: day, Lines: n}
	t0 := time.Now()
	fmt.Fprintf(logw, "bench: bill: seeding %d paid orders for %s...\n", n, day)
	if err := e.seedBillDay(ctx, start, n); err != nil {
		return fmt.Errorf("seed the bill's day: %w", err)
	}
	b.SeedS = time.Since(t0).Seconds()
	t0 = time.Now()
	file := filepath.Join(dir, "tradebill-"+day+".csv.gz")
	hash, orders, raw, err := e.writeBill(ctx, file, start)
	if err != nil {
		return fmt.Errorf("write the day's bill: %w", err)
	}
	b.WriteS, b.Orders, b.RawMB = time.Since(t0).Seconds(), orders, float64(raw)/(1<<20)
	if fi, err := os.Stat(file); err == nil {
		b.GzipMB = float64(fi.Size()) / (1 << 20)
	}
	fmt.Fprintf(logw, "bench: bill: %d lines, %.0f MB (%.0f MB gzip) written in %.1fs; reconciling in a child process...\n",
		orders, b.RawMB, b.GzipMB, b.WriteS)
	base, stop, err := e.serveBill(file, hash)
	if err != nil {
		return err
	}
	defer stop()
	res, usage, wall, err := e.runBillChild(ctx, dir, base, day, logw)
	b.ChildWallS = wall.Seconds()
	if usage != nil {
		b.MaxRSSMB = float64(usage.Maxrss) / 1024 // KiB on Linux
		b.ChildCPUS = time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
	}
	switch {
	case err != nil:
		b.Error = err.Error()
	case res.Error != "":
		b.Error = res.Error
	case res.Lines != orders || res.Differences != 0 || res.Status != string(domain.BillBalanced):
		b.Error = fmt.Sprintf("expected a balanced day of %d lines without differences, got %s, %d lines, %d differences",
			orders, res.Status, res.Lines, res.Differences)
	}
	b.Seconds, b.Phases, b.Status, b.Differences, b.HeapSysMB = res.Seconds, res.Phases, res.Status, res.Differences, res.HeapSysMB
	if b.PeakRSSMB = res.PeakRSSMB; b.PeakRSSMB == 0 {
		b.PeakRSSMB = b.MaxRSSMB // an upper bound
	}
	if b.Seconds > 0 {
		b.LinesPerS = float64(res.Lines) / b.Seconds
	}
	b.TimeMet = b.Error == "" && b.Seconds < billTargetSeconds
	b.RSSMet = b.Error == "" && b.PeakRSSMB > 0 && b.PeakRSSMB < billTargetRSSMB
	row := benchRow{Scenario: fmt.Sprintf("bill reconciliation, %d lines", n), Concurrency: 1, RPS: b.LinesPerS,
		CPUms: 1000 * b.ChildCPUS, Floor: billTargetSeconds, FloorWhat: "time target (s)", Bill: &b}
	if b.Error != "" {
		row.Errors = 1
	}
	if b.Seconds > 0 {
		row.Ratio = b.Seconds / billTargetSeconds
	}
	rep.Rows = append(rep.Rows, row)
	fmt.Fprintf(logw, "bench: bill: %.1fs (%.0f lines/s), peak RSS %.0f MB, child CPU %.1fs, phases %v %s\n",
		b.Seconds, b.LinesPerS, b.PeakRSSMB, b.ChildCPUS, b.Phases, b.Error)
	return nil
}

// seedBillDay inserts n paid orders whose payments (paid_at) spread over
// the Beijing day that starts at start, for 1,000 buyers of their own, in
// as many concurrent slices as there are CPUs (the indexes' upkeep is
// most of the cost).
func (e *benchEnv) seedBillDay(ctx context.Context, start time.Time, n int) error {
	date := start.Format("20060102")
	if _, err := e.pool.Exec(ctx, `INSERT INTO users (openid, session_key_ciphertext, session_key_updated_at, created_at, updated_at)
		SELECT 'bench-bill-' || $1 || '-' || g, '\x00', now(), now(), now() FROM generate_series(1, 1000) g`, date); err != nil {
		return err
	}
	parts := runtime.NumCPU()
	errs := make(chan error, parts)
	for k := range parts {
		go func() {
			_, err := e.pool.Exec(ctx, `
				WITH b AS (SELECT array_agg(id ORDER BY openid) AS ids, array_agg(openid ORDER BY openid) AS openids
				           FROM users WHERE openid LIKE 'bench-bill-' || $3 || '-%')
				INSERT INTO orders (id, user_id, payer_openid, out_trade_no, status, description, total_fen, request_hash,
				                    created_at, updated_at, expires_at, transaction_id, paid_at)
				SELECT gen_random_uuid(), b.ids[1 + g % 1000], b.openids[1 + g % 1000], 'BD' || $3 || lpad(g::text, 10, '0'), 'paid',
				       'Bench tea', 100 + g % 9900, '\x00', t.at - interval '1 minute', t.at, t.at + interval '1 hour',
				       '4200000000' || $3 || lpad(g::text, 10, '0'), t.at
				FROM b, generate_series($4::int, $5::int) g
				CROSS JOIN LATERAL (SELECT $2::timestamptz + ((g - 1)::bigint * 86399 / $1::int) * interval '1 second' AS at) t`,
				n, start, date, 1+k*n/parts, (k+1)*n/parts)
			errs <- err
		}()
	}
	var err error
	for range parts {
		err = errors.Join(err, <-errs)
	}
	if err == nil {
		_, err = e.pool.Exec(ctx, "ANALYZE orders")
	}
	return err
}

// writeBill writes the bill of the day that starts at start, as WeChat
// Pay would: one payment line per order paid that day (in the order of
// their success time), the summary, every line ending in CRLF, gzip'ed to
// path as the orders are read, with the SHA1 of the uncompressed file.
func (e *benchEnv) writeBill(ctx context.Context, path string, start time.Time) (hash string, lines int, raw int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return "", 0, 0, err
	}
	defer f.Close()
	fw := bufio.NewWriterSize(f, 1<<20)
	zw, _ := gzip.NewWriterLevel(fw, gzip.BestSpeed)
	h := sha1.New()
	cw := &countWriter{w: io.MultiWriter(zw, h)}
	w := bufio.NewWriterSize(cw, 1<<20)
	rows, err := e.pool.Query(ctx, `SELECT out_trade_no, transaction_id, payer_openid, description, total_fen, paid_at
		FROM orders WHERE paid_at >= $1 AND paid_at < $2 ORDER BY paid_at, transaction_id`, start, start.AddDate(0, 0, 1))
	if err != nil {
		return "", 0, 0, err
	}
	defer rows.Close()
	w.WriteString(billHeaderAll + "\r\n")
	var (
		no, txn, openid, desc string
		fen, fees, total      int64
		at                    time.Time
		buf                   []byte
	)
	for rows.Next() {
		if err := rows.Scan(&no, &txn, &openid, &desc, &fen, &at); err != nil {
			return "", 0, 0, err
		}
		fee := (fen*6 + 500) / 1000 * 1000 // 0.6 % to the fen, written in 1/100000 yuan
		lines, total, fees = lines+1, total+fen, fees+fee
		buf = buf[:0]
		buf = append(buf, '`')
		buf = at.In(domain.Beijing).AppendFormat(buf, time.DateTime)
		for _, v := range []string{emulatorAppID, emulatorMchID, "0", "", txn, no, openid, "JSAPI", "SUCCESS", "OTHERS", "CNY"} {
			buf = append(append(buf, ",`"...), v...)
		}
		buf = appendFixed(append(buf, ",`"...), fen, 100, 2)
		buf = append(buf, ",`0.00,`0,`0,`0.00,`0.00,`,`,`"...)
		buf = append(buf, strings.NewReplacer("\r", " ", "\n", " ").Replace(desc)...)
		buf = append(buf, ",`,`"...)
		buf = appendFixed(buf, fee, 100000, 5)
		buf = append(buf, ",`0.60%,`"...)
		buf = appendFixed(buf, fen, 100, 2)
		buf = append(buf, ",`0.00,`\r\n"...)
		w.Write(buf)
	}
	if err := rows.Err(); err != nil {
		return "", 0, 0, err
	}
	sum := func(vs ...[]byte) {
		for i, v := range vs {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteByte('`')
			w.Write(v)
		}
		w.WriteString("\r\n")
	}
	w.WriteString(billSummaryAll + "\r\n")
	yuan := func(fen int64) []byte { return appendFixed(nil, fen, 100, 2) }
	sum([]byte(strconv.Itoa(lines)), yuan(total), yuan(0), yuan(0), appendFixed(nil, fees, 100000, 5), yuan(total), yuan(0))
	if err := w.Flush(); err != nil {
		return "", 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return "", 0, 0, err
	}
	if err := fw.Flush(); err != nil {
		return "", 0, 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), lines, cw.n, f.Close()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// appendFixed writes v (in units of 1/unit yuan) with decimals decimals.
func appendFixed(b []byte, v, unit int64, decimals int) []byte {
	if v < 0 {
		b, v = append(b, '-'), -v
	}
	b = strconv.AppendInt(b, v/unit, 10)
	b = append(b, '.')
	frac := strconv.FormatInt(v%unit, 10)
	for range decimals - len(frac) {
		b = append(b, '0')
	}
	return append(b, frac...)
}

// serveBill answers the bill API for the one file: the apply with an
// answer signed by the emulator's WeChat Pay public key (which the child
// verifies, as the service does), the download with the gzip file, its
// answer unsigned, as WeChat's is.
func (e *benchEnv) serveBill(path, hash string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	base := "http://" + ln.Addr().String()
	key, keyID := e.payKeys.PublicKeyPrivate, e.payKeys.PublicKeyID
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v3/bill/tradebill", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "WECHATPAY2-SHA256-RSA2048 ") {
			http.Error(w, `{"code":"SIGN_ERROR","message":"no signature"}`, http.StatusUnauthorized)
			return
		}
		body, _ := json.Marshal(map[string]string{"hash_type": "SHA1", "hash_value": hash,
			"download_url": base + "/v3/billdownload/file?token=bench&tartype=gzip"})
		writeSignedBench(w, key, keyID, body)
	})
	mux.HandleFunc("GET /v3/billdownload/file", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		}
		w.Header().Set("Content-Type", "application/x-gzip")
		_, _ = io.Copy(w, f)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return base, func() { _ = srv.Close() }, nil
}

// writeSignedBench writes body with WeChat Pay's answer headers, signed
// over TIMESTAMP\nNONCE\nBODY\n.
func writeSignedBench(w http.ResponseWriter, key *rsa.PrivateKey, keyID string, body []byte) {
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), strings.ToUpper(rand.Text())
	sig, err := utils.SignSHA256WithRSA(ts+"\n"+nonce+"\n"+string(body)+"\n", key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Request-ID", "bench-"+nonce)
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", keyID)
	h.Set("Wechatpay-Signature", sig)
	_, _ = w.Write(body)
}

// runBillChild runs `wxmp bench reconcile-bill` and reads its report
// (with its peak RSS) and its resource usage once it has exited.
func (e *benchEnv) runBillChild(ctx context.Context, dir, base, day string, logw io.Writer) (billChildResult, *syscall.Rusage, time.Duration, error) {
	var res billChildResult
	self, err := os.Executable()
	if err != nil {
		return res, nil, 0, err
	}
	args := []string{"bench", billChildArg, "-base", base, "-keys", e.keysFile, "-day", day}
	if p := os.Getenv("BENCH_BILL_PROFILE"); p != "" {
		args = append(args, "-profile", p) // a directory for cpu.pprof and allocs.pprof
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+e.dbURL)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, logw
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	var usage *syscall.Rusage
	if cmd.ProcessState != nil {
		usage, _ = cmd.ProcessState.SysUsage().(*syscall.Rusage)
	}
	if jerr := json.Unmarshal([]byte(out.String()), &res); jerr != nil && err == nil {
		err = fmt.Errorf("the child's report: %w (%q)", jerr, out.String())
	}
	if err != nil {
		err = fmt.Errorf("reconcile-bill: %w", err)
	}
	return res, usage, wall, err
}

// summary is the bill's row in the table, after its lines/s.
func (b *benchBill) summary() string {
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	s := fmt.Sprintf(" %7.1f s, peak RSS %.0f MB (child CPU %.1f s): < %d s %s, < %d MB %s", b.Seconds, b.PeakRSSMB, b.ChildCPUS,
		billTargetSeconds, mark(b.TimeMet), billTargetRSSMB, mark(b.RSSMet))
	if b.Error != "" {
		s += "; error: " + b.Error
	}
	return s
}
