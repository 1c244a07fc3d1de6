package emutest

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

// The refund tests play the merchant with the SDK too, decoding answers
// into its refunddomestic models, so that the emulator's Refund JSON is
// what the official client expects.

// Manual keeps refunds PROCESSING until the test ends them.
func Manual(c *emulator.PayConfig) { c.ManualRefunds = true }

func RefundBody(outTradeNo, outRefundNo string, refund, total int64, notifyURL string) map[string]any {
	b := map[string]any{
		"out_trade_no":  outTradeNo,
		"out_refund_no": outRefundNo,
		"reason":        "商品已售完",
		"amount":        map[string]any{"refund": refund, "total": total, "currency": "CNY"},
	}
	if notifyURL != "" {
		b["notify_url"] = notifyURL
	}
	return b
}

// CreateRefund posts a create-refund body; err is the SDK's (an
// *core.APIError for WeChat's refusals).
func (f *PayFixture) CreateRefund(t *testing.T, body any) (refunddomestic.Refund, error) {
	t.Helper()
	res, err := f.SDK(t).Post(context.Background(), f.Srv.URL+"/v3/refund/domestic/refunds", body)
	if err != nil {
		return refunddomestic.Refund{}, err
	}
	var r refunddomestic.Refund
	if err := core.UnMarshalResponse(res.Response, &r); err != nil {
		t.Fatalf("refund answer: %v", err)
	}
	return r, nil
}

// MustRefund creates a refund that must be accepted.
func (f *PayFixture) MustRefund(t *testing.T, body map[string]any) refunddomestic.Refund {
	t.Helper()
	r, err := f.CreateRefund(t, body)
	if err != nil {
		t.Fatalf("refund %v: %v", body["out_refund_no"], err)
	}
	return r
}

// RefuseRefund requires WeChat's refusal with status and code, and that
// the refusal created nothing.
func (f *PayFixture) RefuseRefund(t *testing.T, body map[string]any, status int, code string) *core.APIError {
	t.Helper()
	no, tradeNo := Str(body["out_refund_no"]), Str(body["out_trade_no"])
	_, existed := f.Emu.Refund(no)
	before := len(f.Emu.Refunds(tradeNo))
	_, err := f.CreateRefund(t, body)
	ae := f.APIError(t, err, status, code)
	if _, exists := f.Emu.Refund(no); (exists && !existed) || len(f.Emu.Refunds(tradeNo)) != before {
		t.Fatalf("a refused refund (%s %s) was recorded", code, ae.Message)
	}
	return ae
}

func Str(v any) string {
	s, _ := v.(string)
	return s
}

// QueryRefund asks for a refund by out_refund_no, escaped as a path segment.
func (f *PayFixture) QueryRefund(t *testing.T, outRefundNo string) (refunddomestic.Refund, error) {
	t.Helper()
	res, err := f.SDK(t).Get(context.Background(), f.Srv.URL+"/v3/refund/domestic/refunds/"+url.PathEscape(outRefundNo))
	if err != nil {
		return refunddomestic.Refund{}, err
	}
	var r refunddomestic.Refund
	if err := core.UnMarshalResponse(res.Response, &r); err != nil {
		t.Fatalf("refund query answer: %v", err)
	}
	return r, nil
}

func (f *PayFixture) Complete(t *testing.T, outRefundNo string) emulator.RefundView {
	t.Helper()
	v, err := f.Emu.CompleteRefund(outRefundNo)
	if err != nil {
		t.Fatalf("CompleteRefund(%s): %v", outRefundNo, err)
	}
	return v
}

// RefundFinished waits until a delivery of outRefundNo's notification has
// recorded its final attempt, and returns every attempt.
func (f *PayFixture) RefundFinished(t *testing.T, outRefundNo string) []emulator.Delivery {
	t.Helper()
	var ds []emulator.Delivery
	WaitFor(t, "the final notification attempt of refund "+outRefundNo, func() bool {
		ds = f.Emu.RefundDeliveries(outRefundNo)
		return len(ds) > 0 && ds[len(ds)-1].Final
	})
	return ds
}

// RefundResource is the decrypted resource of a refund notification.
type RefundResource struct {
	MchID               string `json:"mchid"`
	OutTradeNo          string `json:"out_trade_no"`
	TransactionID       string `json:"transaction_id"`
	OutRefundNo         string `json:"out_refund_no"`
	RefundID            string `json:"refund_id"`
	RefundStatus        string `json:"refund_status"`
	SuccessTime         string `json:"success_time"`
	UserReceivedAccount string `json:"user_received_account"`
	Amount              struct {
		Total       int64 `json:"total"`
		Refund      int64 `json:"refund"`
		PayerTotal  int64 `json:"payer_total"`
		PayerRefund int64 `json:"payer_refund"`
	} `json:"amount"`
}

// RefundOf decodes what the SDK decrypted from a refund notification.
func RefundOf(t *testing.T, r Received) RefundResource {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("the SDK refused a refund notification: %v", r.Err)
	}
	var res RefundResource
	if err := json.Unmarshal([]byte(r.Req.Resource.Plaintext), &res); err != nil {
		t.Fatalf("refund resource %q: %v", r.Req.Resource.Plaintext, err)
	}
	return res
}

// Amounts lists total, refund, payer_total, payer_refund,
// settlement_refund, settlement_total and discount_refund.
func Amounts(r refunddomestic.Refund) [7]int64 {
	a := r.Amount
	return [7]int64{*a.Total, *a.Refund, *a.PayerTotal, *a.PayerRefund, *a.SettlementRefund, *a.SettlementTotal, *a.DiscountRefund}
}
