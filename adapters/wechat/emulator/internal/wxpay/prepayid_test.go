package wxpay_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

const jsapiPath = "/v3/pay/transactions/jsapi"

// prepayAnswer is a JSAPI prepay answer: a prepay_id or an error.
type prepayAnswer struct {
	status   int
	PrepayID string `json:"prepay_id"`
	Code     string `json:"code"`
}

// prepayAtClock signs a prepay with the fixture clock's time, for once the
// clock has been advanced beyond the 5 minutes of skew WeChat allows: the
// SDK signs with time.Now. The answer's signature is not checked, as the
// SDK would refuse its timestamp for the same reason; other tests check
// that prepay answers are signed.
func (f *payFixture) prepayAtClock(t *testing.T, body map[string]any) prepayAnswer {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, answer := f.raw(t, http.MethodPost, jsapiPath, string(b), f.authorization(t, http.MethodPost, jsapiPath, string(b), f.Clock.Now()))
	a := emutest.Decode[prepayAnswer](t, answer)
	a.status = resp.StatusCode
	return a
}

// prepayNow is prepayAtClock for a prepay that must succeed.
func (f *payFixture) prepayNow(t *testing.T, body map[string]any) string {
	t.Helper()
	a := f.prepayAtClock(t, body)
	if a.status != http.StatusOK || a.PrepayID == "" {
		t.Fatalf("prepay %v at %s: %+v", body["out_trade_no"], f.Clock.Now(), a)
	}
	return a.PrepayID
}

func TestPrepayIDValidity(t *testing.T) {
	f := startPay(t, nil)
	issued := f.Clock.Now()
	first := f.Prepay(t, emutest.OrderBody("valid-0001", emutest.DeadNotify))
	lastMoment := f.Payment(t, f.Prepay(t, emutest.OrderBody("valid-0002", emutest.DeadNotify)))
	if v, _ := f.Emu.Transaction("valid-0001"); v.PrepayID != first || !v.PrepayIssuedAt.Equal(issued) {
		t.Fatalf("after prepay: %s issued at %s, want %s at %s", v.PrepayID, v.PrepayIssuedAt, first, issued)
	}

	f.Clock.Advance(emulator.PrepayIDValidity - time.Nanosecond)
	if id := f.prepayNow(t, emutest.OrderBody("valid-0001", emutest.DeadNotify)); id != first {
		t.Fatalf("a repeat within 2 hours gave %s, want the current %s", id, first)
	}
	if _, err := f.Emu.RequestPayment(lastMoment); err != nil {
		t.Fatalf("paying at the last moment of the prepay_id: %v", err)
	}

	f.Clock.Advance(time.Nanosecond)
	_, err := f.Emu.RequestPayment(f.Payment(t, first))
	if !errors.Is(err, emulator.ErrPrepayIDExpired) || !strings.Contains(err.Error(), "prepay_id") {
		t.Fatalf("paying with a 2-hour-old prepay_id: %v, want ErrPrepayIDExpired", err)
	}
	if v, _ := f.Emu.Transaction("valid-0001"); v.TradeState != "NOTPAY" || v.TransactionID != "" || v.PrepayID != first {
		t.Fatalf("a refused payment changed the transaction: %+v", v)
	}

	renewed := f.prepayNow(t, emutest.OrderBody("valid-0001", emutest.DeadNotify))
	if renewed == first || !regexp.MustCompile(`^wx\d{14}[0-9a-f]{20}$`).MatchString(renewed) {
		t.Fatalf("a repeat after 2 hours gave %q, want a new prepay_id", renewed)
	}
	if v, _ := f.Emu.Transaction("valid-0001"); v.PrepayID != renewed || !v.PrepayIssuedAt.Equal(f.Clock.Now()) {
		t.Fatalf("after renewal: %s issued at %s, want %s at %s", v.PrepayID, v.PrepayIssuedAt, renewed, f.Clock.Now())
	}
	if id := f.prepayNow(t, emutest.OrderBody("valid-0001", emutest.DeadNotify)); id != renewed {
		t.Fatalf("a repeat after the renewal gave %s, want %s", id, renewed)
	}
	// The replaced prepay_id stays refused, although the transaction's
	// current one is young.
	if _, err := f.Emu.RequestPayment(f.Payment(t, first)); !errors.Is(err, emulator.ErrPrepayIDExpired) {
		t.Fatalf("paying with the replaced prepay_id: %v, want ErrPrepayIDExpired", err)
	}

	// The control API shows the renewal, and refuses the old id with 400.
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/valid-0001", "")
	got := emutest.Decode[struct {
		PrepayID       string `json:"prepay_id"`
		PrepayIssuedAt string `json:"prepay_issued_at"`
	}](t, b)
	if resp.StatusCode != http.StatusOK || got.PrepayID != renewed || got.PrepayIssuedAt != f.Clock.Now().UTC().Format(time.RFC3339Nano) {
		t.Fatalf("GET transaction: HTTP %d %s", resp.StatusCode, b)
	}
	p := f.Payment(t, first)
	resp, b = emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/payments", `{"timeStamp":"`+p.TimeStamp+`","nonceStr":"`+p.NonceStr+
		`","package":"`+p.Package+`","signType":"RSA","paySign":"`+p.PaySign+`"}`)
	emutest.ControlError(t, resp, b, http.StatusBadRequest)
	if !strings.Contains(string(b), "prepay_id") {
		t.Fatalf("the refusal does not say the prepay_id is the problem: %s", b)
	}

	v, err := f.Emu.RequestPayment(f.Payment(t, renewed))
	if err != nil || v.TradeState != "SUCCESS" || v.PrepayID != renewed {
		t.Fatalf("paying with the renewed prepay_id: %+v %v", v, err)
	}
	if _, err := f.Emu.RequestPayment(f.Payment(t, first)); !errors.Is(err, emulator.ErrAlreadyPaid) {
		t.Fatalf("the old prepay_id of a paid transaction: %v, want ErrAlreadyPaid", err)
	}
}

func TestPrepayIDRenewalWithinTimeExpire(t *testing.T) {
	f := startPay(t, nil)
	start := f.Clock.Now()
	body := emutest.OrderBody("renew-0001", emutest.DeadNotify)
	body["time_expire"] = start.Add(3 * time.Hour).Format(time.RFC3339)
	first := f.Prepay(t, body)
	f.Prepay(t, emutest.OrderBody("renew-0002", emutest.DeadNotify))
	if _, err := f.SDK(t).Post(t.Context(), f.CloseURL("renew-0002"), map[string]string{"mchid": emutest.TestMchID}); err != nil {
		t.Fatal(err)
	}
	f.Paid(t, "renew-0003", emutest.DeadNotify)

	f.Clock.Advance(emulator.PrepayIDValidity)
	renewed := f.prepayNow(t, body) // time_expire given again, the same instant
	if renewed == first {
		t.Fatal("no new prepay_id after 2 hours")
	}
	// A closed or paid transaction answers as before: no prepay_id at all.
	if a := f.prepayAtClock(t, emutest.OrderBody("renew-0002", emutest.DeadNotify)); a.status != http.StatusBadRequest || a.Code != "ORDER_CLOSED" || a.PrepayID != "" {
		t.Fatalf("repeat prepay of a closed order after 2 hours: %+v, want 400 ORDER_CLOSED", a)
	}
	if a := f.prepayAtClock(t, emutest.OrderBody("renew-0003", emutest.DeadNotify)); a.status != http.StatusBadRequest || a.Code != "ORDERPAID" {
		t.Fatalf("repeat prepay of a paid order after 2 hours: %+v, want 400 ORDERPAID", a)
	}

	// time_expire still bounds payability, whatever the prepay_id's age.
	f.Clock.Advance(time.Hour)
	if _, err := f.Emu.RequestPayment(f.Payment(t, renewed)); err == nil || !strings.Contains(err.Error(), "订单已过期") || errors.Is(err, emulator.ErrPrepayIDExpired) {
		t.Fatalf("paying at time_expire with a young prepay_id: %v, want 订单已过期", err)
	}
	if v, _ := f.Emu.Transaction("renew-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("an expired order reads %s", v.TradeState)
	}
}
