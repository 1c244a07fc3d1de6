package control_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// The console's routes are called through a client that checks every
// request and answer against control.openapi.yaml, from which the
// console's TypeScript client is generated: the two cannot drift apart.

type contractClient struct {
	t      *testing.T
	base   string
	router routers.Router
}

func controlContract(t *testing.T, base string) *contractClient {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromFile("../../control.openapi.yaml")
	if err != nil {
		t.Fatalf("load control.openapi.yaml: %v", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("control.openapi.yaml is not valid OpenAPI: %v", err)
	}
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &contractClient{t: t, base: base, router: router}
}

// call sends the request, requires the status, checks request and answer
// against the spec, and returns the body.
func (c *contractClient) call(method, path, body string, want int) []byte {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s is not in control.openapi.yaml: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		c.t.Fatalf("request breaks control.openapi.yaml: %s %s: %v", method, path, err)
	}
	req.Body = io.NopCloser(strings.NewReader(body)) // validation read it
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body:    io.NopCloser(bytes.NewReader(b)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Fatalf("answer breaks control.openapi.yaml: %s %s → %d: %v\n%s", method, path, res.StatusCode, err, b)
	}
	return b
}

type listOf[T any] struct {
	Items []T `json:"items"`
}

type consoleUser struct {
	User   string `json:"user"`
	Logins int    `json:"logins"`
	Codes  []struct {
		Code string `json:"code"`
		Used bool   `json:"used"`
	} `json:"codes"`
}

func TestConsoleListsUsersWithTheirLoginsAndCodes(t *testing.T) {
	f := emutest.StartPay(t, nil)
	c := controlContract(t, f.Srv.URL)
	used := emutest.Decode[emulator.LoginCode](t, c.call(http.MethodPost, "/emulator/login-codes", `{"user":"bob"}`, http.StatusCreated))
	f.Mint(t, "bob")
	f.Mint(t, "alice")
	f.Login(t, used.Code)

	users := emutest.Decode[listOf[consoleUser]](t, c.call(http.MethodGet, "/emulator/users", "", http.StatusOK)).Items
	if len(users) != 2 || users[0].User != "alice" || users[1].User != "bob" {
		t.Fatalf("users = %+v, want alice then bob", users)
	}
	bob := users[1]
	if bob.Logins != 1 || len(bob.Codes) != 2 {
		t.Fatalf("bob = %+v, want 1 login and 2 codes", bob)
	}
	var usedSeen int
	for _, code := range bob.Codes {
		if code.Used {
			usedSeen++
			if code.Code != used.Code {
				t.Errorf("used code %s, want %s", code.Code, used.Code)
			}
		}
	}
	if usedSeen != 1 || users[0].Logins != 0 {
		t.Fatalf("used codes %d (want 1), alice logins %d (want 0)", usedSeen, users[0].Logins)
	}
}

type consoleTxn struct {
	OutTradeNo string `json:"out_trade_no"`
	TradeState string `json:"trade_state"`
	Total      int64  `json:"total"`
	Deliveries int    `json:"deliveries"`
	Refunds    int    `json:"refunds"`
	Refunded   int64  `json:"refunded"`
}

func TestConsolePaysAPendingTransactionAndListsItsRefunds(t *testing.T) {
	f := emutest.StartPay(t, emutest.Manual)
	rc := f.Receiver(t, nil)
	c := controlContract(t, f.Srv.URL)
	f.Prepay(t, emutest.OrderBody("console-older-1", rc.URL))
	f.Clock.Advance(time.Second) // the list is latest prepay first
	f.Prepay(t, emutest.OrderBody("console-newer-2", rc.URL))

	paid := emutest.Decode[consoleTxn](t, c.call(http.MethodPost, "/emulator/transactions/console-newer-2/pay", "", http.StatusOK))
	if paid.TradeState != "SUCCESS" {
		t.Fatalf("paid = %+v", paid)
	}
	f.Finished(t, "console-newer-2")
	if got := rc.All(); len(got) != 1 || got[0].Err != nil || *got[0].Txn.OutTradeNo != "console-newer-2" {
		t.Fatalf("the merchant got %d notifications (%v), want the one verified payment", len(got), got)
	}
	c.call(http.MethodPost, "/emulator/transactions/console-newer-2/pay", "", http.StatusConflict)
	c.call(http.MethodPost, "/emulator/transactions/nope/pay", "", http.StatusNotFound)
	// The console's "fail" is PAYERROR, after which paying is refused.
	c.call(http.MethodPut, "/emulator/transactions/console-older-1/state", `{"trade_state":"PAYERROR"}`, http.StatusOK)
	c.call(http.MethodPost, "/emulator/transactions/console-older-1/pay", "", http.StatusBadRequest)

	f.MustRefund(t, emutest.RefundBody("console-newer-2", "RF-console-1", 40, 100, rc.URL))
	f.Complete(t, "RF-console-1")
	f.RefundFinished(t, "RF-console-1")
	f.Clock.Advance(time.Second)
	f.MustRefund(t, emutest.RefundBody("console-newer-2", "RF-console-2", 10, 100, ""))

	txns := emutest.Decode[listOf[consoleTxn]](t, c.call(http.MethodGet, "/emulator/transactions", "", http.StatusOK)).Items
	if len(txns) != 2 || txns[0].OutTradeNo != "console-newer-2" || txns[1].TradeState != "PAYERROR" {
		t.Fatalf("transactions = %+v, want the newer (paid) first, then the failed one", txns)
	}
	if txns[0].Deliveries != 1 || txns[0].Refunds != 2 || txns[0].Refunded != 40 {
		t.Fatalf("paid transaction = %+v, want 1 delivery, 2 refunds, 40 fen refunded (SUCCESS only)", txns[0])
	}
	refunds := emutest.Decode[listOf[struct {
		OutRefundNo string `json:"out_refund_no"`
		Status      string `json:"status"`
	}]](t, c.call(http.MethodGet, "/emulator/refunds", "", http.StatusOK)).Items
	if len(refunds) != 2 || refunds[0].OutRefundNo != "RF-console-2" || refunds[0].Status != "PROCESSING" || refunds[1].Status != "SUCCESS" {
		t.Fatalf("refunds = %+v, want the PROCESSING one first, then the SUCCESS one", refunds)
	}
	kinds := map[string]string{}
	for _, d := range emutest.Decode[listOf[consoleDelivery]](t, c.call(http.MethodGet, "/emulator/deliveries", "", http.StatusOK)).Items {
		kinds[d.Kind] = d.OutTradeNo + "/" + d.OutRefundNo
	}
	if len(kinds) != 2 || kinds["payment"] != "console-newer-2/" || kinds["refund"] != "console-newer-2/RF-console-1" {
		t.Fatalf("deliveries by kind = %v, want the payment's and the refund's", kinds)
	}
}

type consoleDelivery struct {
	Kind        string `json:"kind"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	Attempt     int    `json:"attempt"`
	At          string `json:"at"`
	Status      int    `json:"status"`
	Error       string `json:"error"`
	Final       bool   `json:"final"`
	NextRetryAt string `json:"next_retry_at"`
}

func TestConsoleDeliveriesShowTheAnswerAndTheNextRetry(t *testing.T) {
	f := emutest.StartPay(t, func(c *emulator.PayConfig) { c.RetrySchedule = []time.Duration{time.Hour} })
	rc := f.Receiver(t, nil)
	c := controlContract(t, f.Srv.URL)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"notify","drop":1}`, http.StatusCreated)
	queued := emutest.Decode[listOf[map[string]any]](t, c.call(http.MethodGet, "/emulator/faults", "", http.StatusOK)).Items
	if len(queued) != 1 || queued[0]["endpoint"] != "notify" || queued[0]["drop"] != float64(1) {
		t.Fatalf("queued faults = %v, want the one drop", queued)
	}
	f.Paid(t, "console-drop-1", rc.URL)
	emutest.WaitFor(t, "the dropped attempt", func() bool { return len(f.Emu.Deliveries("console-drop-1")) == 1 })
	if left := emutest.Decode[listOf[map[string]any]](t, c.call(http.MethodGet, "/emulator/faults", "", http.StatusOK)).Items; len(left) != 0 {
		t.Fatalf("faults left = %v, want none: the delivery used it", left)
	}

	ds := emutest.Decode[listOf[consoleDelivery]](t, c.call(http.MethodGet, "/emulator/deliveries", "", http.StatusOK)).Items
	if len(ds) != 1 || ds[0].Kind != "payment" || ds[0].Error != "dropped" || ds[0].Status != 0 || ds[0].Final {
		t.Fatalf("deliveries = %+v, want one dropped, not final", ds)
	}
	at, err1 := time.Parse(time.RFC3339Nano, ds[0].At)
	next, err2 := time.Parse(time.RFC3339Nano, ds[0].NextRetryAt)
	if err1 != nil || err2 != nil || next.Sub(at) != time.Hour {
		t.Fatalf("next retry %q after %q, want an hour later (the schedule)", ds[0].NextRetryAt, ds[0].At)
	}

	// The console's "send again": answered 204, so no retry follows it.
	c.call(http.MethodPost, "/emulator/transactions/console-drop-1/notify", "", http.StatusAccepted)
	emutest.WaitFor(t, "the re-sent notification", func() bool { return len(f.Emu.Deliveries("console-drop-1")) == 2 })
	ds = emutest.Decode[listOf[consoleDelivery]](t, c.call(http.MethodGet, "/emulator/deliveries", "", http.StatusOK)).Items
	if len(ds) != 2 || ds[0].Status != http.StatusNoContent || !ds[0].Final || ds[0].NextRetryAt != "" {
		t.Fatalf("deliveries = %+v, want the re-send first, taken and final", ds)
	}
	if ds[1].NextRetryAt == "" {
		t.Fatalf("the dropped attempt lost its next retry (%+v): the original delivery still retries", ds[1])
	}
}

func TestConsoleFaultsKeepTheirQueueOrderAndSignModeIsReadable(t *testing.T) {
	f := emutest.StartPay(t, nil)
	c := controlContract(t, f.Srv.URL)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"refund","refund_outcome":"CLOSED"}`, http.StatusCreated)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"refund","refund_outcome":"ABNORMAL","times":2}`, http.StatusCreated)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"jsapi","code":"SYSTEM_ERROR"}`, http.StatusCreated)
	got := emutest.Decode[listOf[emulatorFault]](t, c.call(http.MethodGet, "/emulator/faults", "", http.StatusOK)).Items
	want := []emulatorFault{{"jsapi", "", 1}, {"refund", "CLOSED", 1}, {"refund", "ABNORMAL", 2}}
	if len(got) != len(want) {
		t.Fatalf("faults = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("faults = %+v, want %+v", got, want)
		}
	}

	mode := func() string {
		return emutest.Decode[map[string]string](t, c.call(http.MethodGet, "/emulator/pay/sign-mode", "", http.StatusOK))["mode"]
	}
	if m := mode(); m != "public_key" {
		t.Fatalf("sign mode %q, want the default public_key", m)
	}
	c.call(http.MethodPut, "/emulator/pay/sign-mode", `{"mode":"platform_cert"}`, http.StatusNoContent)
	if m := mode(); m != "platform_cert" {
		t.Fatalf("sign mode %q after the switch, want platform_cert", m)
	}
}

type emulatorFault struct {
	Endpoint      string `json:"endpoint"`
	RefundOutcome string `json:"refund_outcome"`
	Times         int    `json:"times"`
}

func TestConsoleIsServedOnlyWhenConfigured(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "console at "+r.URL.Path) })
	with := emutest.Start(t, emulator.Config{Console: page})
	if resp, b := emutest.Do(t, http.MethodGet, with.Srv.URL+"/console/transactions", ""); resp.StatusCode != http.StatusOK || string(b) != "console at /console/transactions" {
		t.Fatalf("GET /console/transactions: %d %q", resp.StatusCode, b)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(with.Srv.URL + "/console")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("GET /console: %d to %q, want a redirect to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}

	without := emutest.Start(t, emulator.Config{})
	if resp, _ := emutest.Do(t, http.MethodGet, without.Srv.URL+"/console/", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /console/ without a console: %d, want 404", resp.StatusCode)
	}
	// Without WeChat Pay the pay lists do not exist, but users do.
	if resp, _ := emutest.Do(t, http.MethodGet, without.Srv.URL+"/emulator/transactions", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /emulator/transactions without Pay: %d, want 404", resp.StatusCode)
	}
	srv := httptest.NewServer(with.Emu.Handler())
	defer srv.Close()
	controlContract(t, srv.URL).call(http.MethodGet, "/emulator/users", "", http.StatusOK)
}

// A queued fault reads back as it was queued, answer_lost included.
func TestAQueuedAnswerLostFaultReadsBack(t *testing.T) {
	f := emutest.StartPay(t, nil)
	c := controlContract(t, f.Srv.URL)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"refund","http_status":504,"answer_lost":true}`, http.StatusCreated)
	got := emutest.Decode[listOf[map[string]any]](t, c.call(http.MethodGet, "/emulator/faults", "", http.StatusOK)).Items
	if len(got) != 1 || got[0]["answer_lost"] != true || got[0]["http_status"] != float64(504) {
		t.Fatalf("faults = %+v", got)
	}
}
