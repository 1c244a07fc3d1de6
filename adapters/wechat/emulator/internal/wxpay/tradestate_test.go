package wxpay_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

var allTradeStates = []string{"NOTPAY", "USERPAYING", "PAYERROR", "REVOKED", "SUCCESS", "REFUND", "CLOSED"}

// settable is the brief of SetTradeState: each state it may set, and the
// states it may set it from.
var settable = map[string][]string{
	"USERPAYING": {"NOTPAY", "USERPAYING"},
	"PAYERROR":   {"NOTPAY", "USERPAYING"},
	"REVOKED":    {"NOTPAY", "USERPAYING"},
	"NOTPAY":     {"USERPAYING"},
	"REFUND":     {"SUCCESS"},
}

// inState creates outTradeNo and brings it to state the way a test would:
// paying and closing for real, SetTradeState for the rest.
func (f *payFixture) inState(t *testing.T, outTradeNo, state, notifyURL string) emulator.TransactionView {
	t.Helper()
	switch state {
	case "SUCCESS", "REFUND":
		f.Paid(t, outTradeNo, notifyURL)
	default:
		f.Prepay(t, emutest.OrderBody(outTradeNo, notifyURL))
	}
	switch state {
	case "CLOSED":
		if _, err := f.SDK(t).Post(t.Context(), f.CloseURL(outTradeNo), map[string]string{"mchid": emutest.TestMchID}); err != nil {
			t.Fatal(err)
		}
	case "USERPAYING", "PAYERROR", "REVOKED", "REFUND":
		if _, err := f.Emu.SetTradeState(outTradeNo, state); err != nil {
			t.Fatalf("SetTradeState(%s, %s): %v", outTradeNo, state, err)
		}
	}
	v, _ := f.Emu.Transaction(outTradeNo)
	if v.TradeState != state {
		t.Fatalf("%s is %s, want %s", outTradeNo, v.TradeState, state)
	}
	return v
}

func TestSetTradeStateMoves(t *testing.T) {
	f := startPay(t, nil)
	for _, from := range allTradeStates {
		for _, to := range allTradeStates {
			no := "mv-" + from + "-" + to
			before := f.inState(t, no, from, emutest.DeadNotify)
			v, err := f.Emu.SetTradeState(no, to)
			after, _ := f.Emu.Transaction(no)
			if slices.Contains(settable[to], from) {
				want := before
				want.TradeState = to
				if err != nil || v != want || after != want {
					t.Errorf("%s to %s: %+v %v, want %+v", from, to, v, err, want)
				}
				continue
			}
			if !errors.Is(err, emulator.ErrTradeStateTransition) || after != before || v != before {
				t.Errorf("%s to %s: %+v %v, want ErrTradeStateTransition and no change", from, to, v, err)
			}
		}
	}
	// REFUND keeps what the payment gave.
	if v, _ := f.Emu.Transaction("mv-SUCCESS-REFUND"); len(v.TransactionID) != 28 || v.SuccessTime.IsZero() {
		t.Fatalf("a refunded transaction lost its payment: %+v", v)
	}
	for _, state := range []string{"PAID", "", "userpaying", "REFUNDED"} {
		if _, err := f.Emu.SetTradeState("mv-NOTPAY-NOTPAY", state); !errors.Is(err, emulator.ErrUnknownTradeState) {
			t.Errorf("SetTradeState(%q): %v, want ErrUnknownTradeState", state, err)
		}
	}
	if _, err := f.Emu.SetTradeState("mv-nobody", "USERPAYING"); !errors.Is(err, emulator.ErrNoTransaction) {
		t.Errorf("SetTradeState of an unknown order: %v, want ErrNoTransaction", err)
	}
}

// TestTradeStatesOverTheAPI checks, per state, what query, a repeat
// prepay, a payment and close make of it.
func TestTradeStatesOverTheAPI(t *testing.T) {
	f := startPay(t, nil)
	for _, tc := range []struct {
		state, desc string
		prepayCode  string // "" if a repeat prepay answers the current prepay_id
		payable     bool
		afterClose  string
		closeCode   string // "" for 204
	}{
		{"NOTPAY", "订单未支付", "", true, "CLOSED", ""},
		{"USERPAYING", "用户支付中", "", true, "CLOSED", ""},
		{"PAYERROR", "支付失败", "ORDER_CLOSED", false, "CLOSED", ""},
		{"REVOKED", "已撤销", "ORDER_CLOSED", false, "REVOKED", ""},
		{"SUCCESS", "支付成功", "ORDERPAID", false, "SUCCESS", "ORDERPAID"},
		{"REFUND", "转入退款", "ORDERPAID", false, "REFUND", "ORDERPAID"},
		{"CLOSED", "订单已关闭", "ORDER_CLOSED", false, "CLOSED", ""},
	} {
		t.Run(tc.state, func(t *testing.T) {
			no := "api-" + tc.state
			before := f.inState(t, no, tc.state, emutest.DeadNotify)
			txn := f.query(t, no)
			paid := tc.state == "SUCCESS" || tc.state == "REFUND"
			if *txn.TradeState != tc.state || *txn.TradeStateDesc != tc.desc || (txn.TransactionId != nil) != paid || (txn.SuccessTime != nil) != paid {
				t.Fatalf("query: %s", txn)
			}

			_, err := f.SDK(t).Post(t.Context(), f.Srv.URL+jsapiPath, emutest.OrderBody(no, emutest.DeadNotify))
			if tc.prepayCode == "" {
				if id := f.Prepay(t, emutest.OrderBody(no, emutest.DeadNotify)); err != nil || id != before.PrepayID {
					t.Fatalf("repeat prepay: %s %v, want %s", id, err, before.PrepayID)
				}
			} else {
				f.APIError(t, err, http.StatusBadRequest, tc.prepayCode)
			}

			v, err := f.Emu.RequestPayment(f.Payment(t, before.PrepayID))
			switch {
			case tc.payable && (err != nil || v.TradeState != "SUCCESS"):
				t.Fatalf("payment: %+v %v, want SUCCESS", v, err)
			case !tc.payable && err == nil:
				t.Fatalf("payment of a %s transaction succeeded", tc.state)
			case !tc.payable && errors.Is(err, emulator.ErrAlreadyPaid) != paid:
				t.Fatalf("payment of a %s transaction: %v", tc.state, err)
			case !tc.payable:
				if after, _ := f.Emu.Transaction(no); after != before {
					t.Fatalf("a refused payment changed %+v to %+v", before, after)
				}
			}

			closing := "close-" + tc.state
			f.inState(t, closing, tc.state, emutest.DeadNotify)
			res, err := f.SDK(t).Post(t.Context(), f.CloseURL(closing), map[string]string{"mchid": emutest.TestMchID})
			if tc.closeCode == "" {
				if err != nil || res.Response.StatusCode != http.StatusNoContent {
					t.Fatalf("close: %v", err)
				}
			} else {
				f.APIError(t, err, http.StatusBadRequest, tc.closeCode)
			}
			if v, _ := f.Emu.Transaction(closing); v.TradeState != tc.afterClose {
				t.Fatalf("after close: %s, want %s", v.TradeState, tc.afterClose)
			}
		})
	}
}

func TestRefundKeepsThePayment(t *testing.T) {
	f := startPay(t, nil)
	rc := f.Receiver(t, nil)
	paid := f.Paid(t, "refund-0001", rc.URL)
	f.Finished(t, "refund-0001")

	v, err := f.Emu.SetTradeState("refund-0001", "REFUND")
	want := paid
	want.TradeState = "REFUND"
	if err != nil || v != want {
		t.Fatalf("SetTradeState: %+v %v, want %+v", v, err, want)
	}
	if ds := f.Emu.Deliveries("refund-0001"); len(ds) != 1 {
		t.Fatalf("%d deliveries, want only the payment's", len(ds))
	}
	txn := f.query(t, "refund-0001")
	switch {
	case *txn.TradeState != "REFUND" || *txn.TradeStateDesc != "转入退款":
		t.Fatalf("trade_state %s %s", *txn.TradeState, *txn.TradeStateDesc)
	case txn.TransactionId == nil || *txn.TransactionId != paid.TransactionID:
		t.Fatalf("transaction_id %v, want %s", txn.TransactionId, paid.TransactionID)
	case txn.SuccessTime == nil || *txn.SuccessTime == "":
		t.Fatal("no success_time")
	case txn.Payer == nil || *txn.Payer.Openid != emutest.TestOpenID:
		t.Fatalf("payer %v", txn.Payer)
	case txn.Amount == nil || *txn.Amount.Total != 100 || txn.Amount.PayerTotal == nil || *txn.Amount.PayerTotal != 100 || *txn.Amount.Currency != "CNY":
		t.Fatalf("amount %v", txn.Amount)
	}
	if got := rc.All(); len(got) != 1 || *got[0].Txn.TradeState != "SUCCESS" {
		t.Fatalf("the receiver got %d notifications, want the payment's alone", len(got))
	}
}
