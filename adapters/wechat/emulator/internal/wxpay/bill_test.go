package wxpay_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

const (
	headerAll = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
	headerSuccess = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"商品名称,商户数据包,手续费,费率,订单金额,费率备注\r\n"
	headerRefund = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
	summaryAll     = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
	summarySuccess = "总交易单数,应结订单总金额,手续费总金额,订单总金额\r\n"
	goods          = "Emulator test order"
)

// billDay is a day of trades: A (6.00, never notified, refunded in full,
// SUCCESS), B (1.00, refunded 0.30, still PROCESSING), C (2.50).
type billDay struct {
	f                *payFixture
	day              string
	a, b, c          emulator.TransactionView
	refundA, refundB emulator.RefundView
}

func tradeADay(t *testing.T) *billDay {
	t.Helper()
	f := startPay(t, func(c *emulator.PayConfig) {
		c.ManualRefunds = true
		c.RetrySchedule = []time.Duration{time.Millisecond} // give up on A's notification at once
	})
	safeDay(f)
	d := &billDay{f: f, day: f.Clock.Now().In(beijing).Format(time.DateOnly)}
	paid := func(no string, total int64, notifyURL string) emulator.TransactionView {
		body := emutest.OrderBody(no, notifyURL)
		body["amount"] = map[string]any{"total": total, "currency": "CNY"}
		v, err := f.Emu.RequestPayment(f.Payment(t, f.Prepay(t, body)))
		if err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(time.Second)
		return v
	}
	d.a = paid("bill-0001", 600, emutest.DeadNotify)
	f.Finished(t, "bill-0001") // every attempt failed: never notified
	d.b = paid("bill-0002", 100, emutest.DeadNotify)
	d.c = paid("bill-0003", 250, emutest.DeadNotify)
	f.MustRefund(t, emutest.RefundBody("bill-0001", "RF-bill-A", 600, 600, emutest.DeadNotify))
	f.Clock.Advance(time.Second)
	f.MustRefund(t, emutest.RefundBody("bill-0002", "RF-bill-B", 30, 100, ""))
	f.Clock.Advance(time.Second)
	f.Complete(t, "RF-bill-A")
	d.refundA, _ = f.Emu.Refund("RF-bill-A")
	d.refundB, _ = f.Emu.Refund("RF-bill-B")
	if a, _ := f.Emu.Transaction("bill-0001"); a.TradeState != "REFUND" || d.refundA.Status != "SUCCESS" || d.refundB.Status != "PROCESSING" {
		t.Fatalf("set-up: %+v %+v %+v", a, d.refundA, d.refundB)
	}
	return d
}

// ready moves the clock to 10:00 Beijing the day after d.
func (d *billDay) ready(t *testing.T) {
	start, _ := time.ParseInLocation(time.DateOnly, d.day, beijing)
	moveTo(t, d.f, start.Add(34*time.Hour))
}

func (d *billDay) paymentRow(v emulator.TransactionView, amount, fee string, all bool) string {
	head := paymentHead(v.SuccessTime, v, "SUCCESS", amount)
	if !all {
		return row(append(head, goods, "", fee, "0.60%", amount, "")...)
	}
	return row(append(head, "0", "0", "0.00", "0.00", "", "", goods, "", fee, "0.60%", amount, "0.00", "")...)
}

func (d *billDay) refundRow(r emulator.RefundView, v emulator.TransactionView, amount, fee string, layout string) string {
	head := paymentHead(r.CreateTime, v, "REFUND", "0.00")
	if layout == "REFUND" {
		succeeded := ""
		if !r.SuccessTime.IsZero() {
			succeeded = billTime(r.SuccessTime)
		}
		head = append(head, billTime(r.CreateTime), succeeded)
	}
	return row(append(head, r.RefundID, r.OutRefundNo, amount, "0.00", "ORIGINAL", r.Status, goods, "", fee, "0.60%", "0.00", amount, "")...)
}

func TestTradeBillOfADay(t *testing.T) {
	d := tradeADay(t)
	f := d.f
	refuseBill(t, f, "bill_date="+d.day, http.StatusBadRequest, "STATEMENT_CREATING")
	start, _ := time.ParseInLocation(time.DateOnly, d.day, beijing)
	moveTo(t, f, start.Add(34*time.Hour-time.Second)) // 09:59:59 the next day
	if msg := refuseBill(t, f, "bill_date="+d.day+"&tar_type=GZIP", http.StatusBadRequest, "STATEMENT_CREATING"); msg != "账单生成中" {
		t.Errorf("message %q", msg)
	}
	d.ready(t)

	want := headerAll +
		d.paymentRow(d.a, "6.00", "0.04000", true) +
		d.paymentRow(d.b, "1.00", "0.01000", true) +
		d.paymentRow(d.c, "2.50", "0.02000", true) +
		d.refundRow(d.refundA, d.a, "6.00", "-0.04000", "ALL") +
		d.refundRow(d.refundB, d.b, "0.30", "0.00000", "ALL") +
		summaryAll + row("5", "9.50", "6.30", "0.00", "0.03000", "9.50", "6.30")
	a := applyBill(t, f, "bill_date="+d.day+"&bill_type=ALL&tar_type=GZIP")
	if !strings.HasSuffix(a.DownloadURL, "&tartype=gzip") {
		t.Errorf("download_url %s", a.DownloadURL)
	}
	got := download(t, f, a, true)
	if string(got) != want {
		t.Fatalf("bill:\n%s\nwant:\n%s", got, want)
	}
	if a.HashValue != sha1Hex(got) {
		t.Errorf("hash_value %s, SHA1 of the uncompressed file %s", a.HashValue, sha1Hex(got))
	}
	if again := download(t, f, a, true); string(again) != want { // not single-use
		t.Errorf("second download differs")
	}

	// Uncompressed, and bill_type defaulting to ALL.
	plain := applyBill(t, f, "bill_date="+d.day)
	if strings.Contains(plain.DownloadURL, "tartype") || plain.HashValue != a.HashValue {
		t.Errorf("plain answer %+v", plain)
	}
	if got := download(t, f, plain, false); string(got) != want {
		t.Errorf("plain bill:\n%s", got)
	}
	if csv, err := f.Emu.Bill(d.day, ""); err != nil || string(csv) != want {
		t.Errorf("Bill(): %v\n%s", err, csv)
	}

	// The URL lapses BillURLLifetime later.
	f.Clock.Advance(emulator.BillURLLifetime)
	resp, body := merchantGet(t, f, strings.TrimPrefix(a.DownloadURL, f.Srv.URL), true)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "INVALID_REQUEST") {
		t.Errorf("expired download: %d %s", resp.StatusCode, body)
	}
}

func TestTradeBillTypes(t *testing.T) {
	d := tradeADay(t)
	d.ready(t)
	f := d.f
	want := headerSuccess +
		d.paymentRow(d.a, "6.00", "0.04000", false) +
		d.paymentRow(d.b, "1.00", "0.01000", false) +
		d.paymentRow(d.c, "2.50", "0.02000", false) +
		summarySuccess + row("3", "9.50", "0.07000", "9.50")
	a := applyBill(t, f, "bill_date="+d.day+"&bill_type=SUCCESS&tar_type=GZIP")
	if got := download(t, f, a, true); string(got) != want || a.HashValue != sha1Hex(got) {
		t.Errorf("SUCCESS bill:\n%s\nwant:\n%s", got, want)
	}
	want = headerRefund +
		d.refundRow(d.refundA, d.a, "6.00", "-0.04000", "REFUND") +
		d.refundRow(d.refundB, d.b, "0.30", "0.00000", "REFUND") +
		summaryAll + row("2", "0.00", "6.30", "0.00", "-0.04000", "0.00", "6.30")
	a = applyBill(t, f, "bill_date="+d.day+"&bill_type=REFUND")
	if got := download(t, f, a, false); string(got) != want || a.HashValue != sha1Hex(got) {
		t.Errorf("REFUND bill:\n%s\nwant:\n%s", got, want)
	}
}

func TestTradeBillRefusals(t *testing.T) {
	d := tradeADay(t)
	d.ready(t)
	f := d.f
	start, _ := time.ParseInLocation(time.DateOnly, d.day, beijing)
	before := start.AddDate(0, 0, -1).Format(time.DateOnly)
	if msg := refuseBill(t, f, "bill_date="+before, http.StatusBadRequest, "NO_STATEMENT_EXIST"); msg != "请求的账单文件不存在" {
		t.Errorf("message %q", msg)
	}
	tomorrow := start.AddDate(0, 0, 1).Format(time.DateOnly)
	refuseBill(t, f, "bill_date="+tomorrow, http.StatusBadRequest, "STATEMENT_CREATING")
	for name, q := range map[string]string{
		"no bill_date":     "bill_type=ALL",
		"bill_date 2-1":    "bill_date=" + strings.ReplaceAll(d.day, "-0", "-"),
		"bill_date slash":  "bill_date=" + strings.ReplaceAll(d.day, "-", "/"),
		"in the future":    "bill_date=" + start.AddDate(0, 0, 2).Format(time.DateOnly),
		"over 3 months":    "bill_date=" + start.AddDate(0, -3, -1).Format(time.DateOnly),
		"bill_type FOO":    "bill_date=" + d.day + "&bill_type=FOO",
		"empty tar_type":   "bill_date=" + d.day + "&tar_type=",
		"tar_type ZIP":     "bill_date=" + d.day + "&tar_type=ZIP",
		"lower-case gzip":  "bill_date=" + d.day + "&tar_type=gzip",
		"empty bill_type":  "bill_date=" + d.day + "&bill_type=",
		"RECHARGE_REFUND ": "bill_date=" + d.day + "&bill_type=RECHARGE_REFUND",
	} {
		t.Run(name, func(t *testing.T) { refuseBill(t, f, q, http.StatusBadRequest, "PARAM_ERROR") })
	}

	// Both calls need the merchant's signature; the refusal is unsigned.
	a := applyBill(t, f, "bill_date="+d.day+"&tar_type=GZIP")
	for _, path := range []string{strings.TrimPrefix(a.DownloadURL, f.Srv.URL), "/v3/bill/tradebill?bill_date=" + d.day} {
		resp, body := merchantGet(t, f, path, false)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "SIGN_ERROR") || resp.Header.Get("Wechatpay-Signature") != "" {
			t.Errorf("unsigned %s: %d %v %s", path, resp.StatusCode, resp.Header, body)
		}
	}
	resp, body := merchantGet(t, f, "/v3/billdownload/file?token=nosuchtoken&tartype=gzip", true)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "INVALID_REQUEST") {
		t.Errorf("unknown token: %d %s", resp.StatusCode, body)
	}
}

func TestTradeBillMadeReady(t *testing.T) {
	d := tradeADay(t) // the clock stays on the day: the bill would be STATEMENT_CREATING
	f := d.f
	if err := f.Emu.MakeBillReady(d.day); err != nil {
		t.Fatal(err)
	}
	a := applyBill(t, f, "bill_date="+d.day+"&tar_type=GZIP")
	if got := download(t, f, a, true); !strings.HasPrefix(string(got), headerAll) || a.HashValue != sha1Hex(got) {
		t.Errorf("bill made ready:\n%s", got)
	}
	start, _ := time.ParseInLocation(time.DateOnly, d.day, beijing)
	for _, day := range []string{"2025-02-30", start.AddDate(0, 0, 1).Format(time.DateOnly)} {
		if err := f.Emu.MakeBillReady(day); err == nil {
			t.Errorf("MakeBillReady(%s) accepted", day)
		}
	}
}

func TestTradeBillFaults(t *testing.T) {
	d := tradeADay(t)
	f := d.f
	if err := f.Emu.MakeBillReady(d.day); err != nil {
		t.Fatal(err)
	}
	q := "bill_date=" + d.day + "&tar_type=GZIP"
	f.Inject(t, emulator.Fault{Endpoint: emulator.TradeBill, Code: "SYSTEM_ERROR"})
	refuseBill(t, f, q, http.StatusInternalServerError, "SYSTEM_ERROR")

	f.Inject(t, emulator.Fault{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillWrongHash})
	a := applyBill(t, f, q)
	if got := download(t, f, a, true); a.HashValue == sha1Hex(got) || !strings.HasSuffix(string(got), "\r\n") {
		t.Errorf("wrong-hash bill: hash %s matches", a.HashValue)
	}
	f.Inject(t, emulator.Fault{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillTruncated})
	a = applyBill(t, f, q)
	whole, _ := f.Emu.Bill(d.day, "")
	if got := download(t, f, a, true); a.HashValue != sha1Hex(whole) || len(got) != len(whole)/2 {
		t.Errorf("truncated bill: %d of %d bytes", len(got), len(whole))
	}
	a = applyBill(t, f, q) // the faults are used up
	if got := download(t, f, a, true); a.HashValue != sha1Hex(got) {
		t.Errorf("bill after the faults: hash mismatch")
	}

	f.Inject(t, emulator.Fault{Endpoint: emulator.BillDownload, HTTPStatus: http.StatusBadGateway})
	resp, _ := merchantGet(t, f, strings.TrimPrefix(a.DownloadURL, f.Srv.URL), true)
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("download fault: %d", resp.StatusCode)
	}
	for _, bad := range []emulator.Fault{
		{Endpoint: emulator.TradeBill, BillCorrupt: "zero"},
		{Endpoint: emulator.BillDownload, BillCorrupt: emulator.BillWrongHash},
		{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillTruncated, Code: "SYSTEM_ERROR"},
	} {
		if err := f.Emu.InjectFault(bad); err == nil {
			t.Errorf("InjectFault(%+v) accepted", bad)
		}
	}
}

// The faults that spoil one payment line: the file is whole and its SHA1
// is hash_value, but it says something other than the merchant's books.
func TestTradeBillLineFaults(t *testing.T) {
	d := tradeADay(t)
	f := d.f
	if err := f.Emu.MakeBillReady(d.day); err != nil {
		t.Fatal(err)
	}
	refunds := d.refundRow(d.refundA, d.a, "6.00", "-0.04000", "ALL") + d.refundRow(d.refundB, d.b, "0.30", "0.00000", "ALL")
	// malformed writes abc in 订单金额, the value after 费率.
	malformed := func(line, amount string) string {
		return strings.Replace(line, ",`0.60%,`"+amount+",", ",`0.60%,`"+emulator.BillMalformedAmount+",", 1)
	}
	for _, c := range []struct {
		name  string
		fault emulator.Fault
		query string
		want  string
	}{{
		name:  "amount, the first payment line",
		fault: emulator.Fault{BillCorrupt: emulator.BillWrongAmount},
		want: headerAll + d.paymentRow(d.a, "6.01", "0.04000", true) + d.paymentRow(d.b, "1.00", "0.01000", true) +
			d.paymentRow(d.c, "2.50", "0.02000", true) + refunds + summaryAll + row("5", "9.51", "6.30", "0.00", "0.03000", "9.51", "6.30"),
	}, {
		name:  "amount, a named line of a SUCCESS bill",
		fault: emulator.Fault{BillCorrupt: emulator.BillWrongAmount, OutTradeNo: "bill-0002"},
		query: "&bill_type=SUCCESS",
		want: headerSuccess + d.paymentRow(d.a, "6.00", "0.04000", false) + d.paymentRow(d.b, "1.01", "0.01000", false) +
			d.paymentRow(d.c, "2.50", "0.02000", false) + summarySuccess + row("3", "9.51", "0.07000", "9.51"),
	}, {
		name:  "duplicate, a named line",
		fault: emulator.Fault{BillCorrupt: emulator.BillDuplicated, OutTradeNo: "bill-0002"},
		want: headerAll + d.paymentRow(d.a, "6.00", "0.04000", true) + d.paymentRow(d.b, "1.00", "0.01000", true) +
			d.paymentRow(d.b, "1.00", "0.01000", true) + d.paymentRow(d.c, "2.50", "0.02000", true) + refunds +
			summaryAll + row("6", "10.50", "6.30", "0.00", "0.04000", "10.50", "6.30"),
	}, {
		name:  "malformed, the first payment line",
		fault: emulator.Fault{BillCorrupt: emulator.BillMalformed},
		want: headerAll + malformed(d.paymentRow(d.a, "6.00", "0.04000", true), "6.00") + d.paymentRow(d.b, "1.00", "0.01000", true) +
			d.paymentRow(d.c, "2.50", "0.02000", true) + refunds + summaryAll + row("5", "9.50", "6.30", "0.00", "0.03000", "9.50", "6.30"),
	}, {
		name:  "malformed, a named line of a SUCCESS bill",
		fault: emulator.Fault{BillCorrupt: emulator.BillMalformed, OutTradeNo: "bill-0003"},
		query: "&bill_type=SUCCESS",
		want: headerSuccess + d.paymentRow(d.a, "6.00", "0.04000", false) + d.paymentRow(d.b, "1.00", "0.01000", false) +
			malformed(d.paymentRow(d.c, "2.50", "0.02000", false), "2.50") + summarySuccess + row("3", "9.50", "0.07000", "9.50"),
	}} {
		t.Run(c.name, func(t *testing.T) {
			c.fault.Endpoint = emulator.TradeBill
			f.Inject(t, c.fault)
			a := applyBill(t, f, "bill_date="+d.day+"&tar_type=GZIP"+c.query)
			got := download(t, f, a, true)
			if string(got) != c.want {
				t.Fatalf("bill:\n%s\nwant:\n%s", got, c.want)
			}
			if a.HashValue != sha1Hex(got) {
				t.Fatalf("hash_value %s is not the SHA1 of the file served (%s)", a.HashValue, sha1Hex(got))
			}
			if again := applyBill(t, f, "bill_date="+d.day+c.query); download(t, f, again, false) == nil || again.HashValue == a.HashValue {
				t.Fatalf("the next bill is spoiled too: the fault was not used up")
			}
		})
	}
	if malformed(d.paymentRow(d.a, "6.00", "0.04000", true), "6.00") == d.paymentRow(d.a, "6.00", "0.04000", true) {
		t.Fatal("the test's malformed line is the true one")
	}

	// A bill without the named payment line is handed out whole, and the
	// fault is used up all the same: a REFUND bill has no payment line.
	whole, _ := f.Emu.Bill(d.day, "")
	refundBill, _ := f.Emu.Bill(d.day, emulator.BillRefund)
	for _, c := range []struct {
		fault emulator.Fault
		query string
		want  []byte
	}{
		{emulator.Fault{BillCorrupt: emulator.BillDuplicated, OutTradeNo: "bill-none"}, "", whole},
		{emulator.Fault{BillCorrupt: emulator.BillMalformed}, "&bill_type=REFUND", refundBill},
	} {
		c.fault.Endpoint = emulator.TradeBill
		f.Inject(t, c.fault)
		a := applyBill(t, f, "bill_date="+d.day+c.query)
		if got := download(t, f, a, false); string(got) != string(c.want) || a.HashValue != sha1Hex(got) {
			t.Errorf("%+v: bill\n%s", c.fault, got)
		}
		if _, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/faults", ""); string(b) != `{"items":[]}`+"\n" {
			t.Errorf("%+v left queued: %s", c.fault, b)
		}
	}

	for _, bad := range []emulator.Fault{
		{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillWrongHash, OutTradeNo: "bill-0001"},
		{Endpoint: emulator.TradeBill, OutTradeNo: "bill-0001", Code: "SYSTEM_ERROR"},
		{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillDuplicated, OutTradeNo: strings.Repeat("x", 33)},
		{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillMalformed, Delay: time.Second},
		{Endpoint: emulator.BillDownload, BillCorrupt: emulator.BillWrongAmount},
		{Endpoint: emulator.CreateRefund, RefundOutcome: emulator.RefundClosed, OutTradeNo: "bill-0001"},
	} {
		if err := f.Emu.InjectFault(bad); err == nil {
			t.Errorf("InjectFault(%+v) accepted", bad)
		}
	}
}

// A refund made on the merchant platform is in the bill of its day like
// any other, its out_refund_no the refund_id.
func TestTradeBillShowsPlatformRefunds(t *testing.T) {
	d := tradeADay(t)
	f := d.f
	p, err := f.Emu.RefundOnPlatform("bill-0003", 50, "")
	if err != nil {
		t.Fatal(err)
	}
	d.ready(t)
	want := headerRefund +
		d.refundRow(d.refundA, d.a, "6.00", "-0.04000", "REFUND") +
		d.refundRow(d.refundB, d.b, "0.30", "0.00000", "REFUND") +
		d.refundRow(p, d.c, "0.50", "0.00000", "REFUND") +
		summaryAll + row("3", "0.00", "6.80", "0.00", "-0.04000", "0.00", "6.80")
	a := applyBill(t, f, "bill_date="+d.day+"&bill_type=REFUND")
	if got := download(t, f, a, false); string(got) != want || a.HashValue != sha1Hex(got) {
		t.Fatalf("REFUND bill:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(want, "`"+p.RefundID+",`"+p.RefundID+",`0.50,") {
		t.Fatalf("the platform refund's line does not carry its refund_id twice")
	}
}
