package wxpay_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func (f *payFixture) query(t *testing.T, no string) payments.Transaction {
	t.Helper()
	res, err := f.SDK(t).Get(context.Background(), f.QueryURL(no))
	if err != nil {
		t.Fatalf("query %s: %v", no, err)
	}
	var txn payments.Transaction
	if err := core.UnMarshalResponse(res.Response, &txn); err != nil {
		t.Fatal(err)
	}
	return txn
}

func TestPrepayQueryCloseWithTheSDK(t *testing.T) {
	for _, mode := range []emulator.SignMode{"", emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run("mode "+string(mode), func(t *testing.T) {
			f := startPay(t, func(c *emulator.PayConfig) { c.SignMode = mode })
			wantSerial := f.Keys.PublicKeyID // the default
			if mode == emulator.SignWithPlatformCert {
				wantSerial = f.Keys.PlatformSerial()
			}
			ctx, c := context.Background(), f.SDK(t)
			res, err := c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", emutest.OrderBody("order-0001", emutest.HTTPSNotify))
			if err != nil {
				t.Fatalf("prepay: %v", err)
			}
			if got := res.Response.Header.Get("Wechatpay-Serial"); got != wantSerial {
				t.Fatalf("Wechatpay-Serial = %q, want %q", got, wantSerial)
			}
			if res.Response.Header.Get("Request-ID") == "" {
				t.Error("no Request-ID")
			}
			var pre struct {
				PrepayID string `json:"prepay_id"`
			}
			if err := core.UnMarshalResponse(res.Response, &pre); err != nil || !regexp.MustCompile(`^wx\d{14}[0-9a-f]{20}$`).MatchString(pre.PrepayID) {
				t.Fatalf("prepay_id %q (%v), want wx + 14 digits + 20 hex", pre.PrepayID, err)
			}
			if again := f.Prepay(t, emutest.OrderBody("order-0001", emutest.HTTPSNotify)); again != pre.PrepayID {
				t.Fatalf("identical prepay gave %q, want the same %q", again, pre.PrepayID)
			}

			txn := f.query(t, "order-0001")
			if *txn.TradeState != "NOTPAY" || *txn.TradeStateDesc == "" || txn.TransactionId != nil || txn.SuccessTime != nil ||
				*txn.Appid != emutest.TestAppID || *txn.Mchid != emutest.TestMchID || *txn.OutTradeNo != "order-0001" || *txn.TradeType != "JSAPI" ||
				*txn.Amount.Total != 100 || *txn.Amount.Currency != "CNY" || *txn.Payer.Openid != emutest.TestOpenID {
				t.Fatalf("query of an unpaid order: %s", txn)
			}

			res, err = c.Post(ctx, f.CloseURL("order-0001"), map[string]string{"mchid": emutest.TestMchID})
			if err != nil || res.Response.StatusCode != http.StatusNoContent {
				t.Fatalf("close: %v", err) // the SDK has verified the signature of the empty body
			}
			if txn := f.query(t, "order-0001"); *txn.TradeState != "CLOSED" {
				t.Fatalf("after close: %s", *txn.TradeState)
			}
			if _, err := c.Post(ctx, f.CloseURL("order-0001"), map[string]string{"mchid": emutest.TestMchID}); err != nil {
				t.Fatalf("closing twice: %v", err)
			}
			_, err = c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", emutest.OrderBody("order-0001", emutest.HTTPSNotify))
			f.APIError(t, err, http.StatusBadRequest, "ORDER_CLOSED")
		})
	}
}

// toEmulator sends the SDK's requests for api.mch.weixin.qq.com to the
// emulator, so that its generated services can be used unchanged.
type toEmulator struct{ base *url.URL }

func (t toEmulator) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

func TestSDKJSAPIServiceRoundTrip(t *testing.T) {
	f := startPay(t, nil)
	base, _ := url.Parse(f.Srv.URL)
	client, err := core.NewClient(context.Background(),
		option.WithMerchantCredential(emutest.TestMchID, f.Keys.MchCertSerial, f.Keys.MchPrivateKey),
		option.WithVerifier(f.Verifier()),
		option.WithHTTPClient(&http.Client{Transport: toEmulator{base}}))
	if err != nil {
		t.Fatal(err)
	}
	svc := jsapi.JsapiApiService{Client: client}
	ctx := context.Background()
	expire := f.Clock.Now().Add(time.Hour)
	pre, _, err := svc.PrepayWithRequestPayment(ctx, jsapi.PrepayRequest{
		Appid: core.String(emutest.TestAppID), Mchid: core.String(emutest.TestMchID), Description: core.String("SDK order"),
		OutTradeNo: core.String("sdk-order-1"), TimeExpire: &expire, NotifyUrl: core.String(emutest.HTTPSNotify),
		Amount: &jsapi.Amount{Total: core.Int64(1)}, Payer: &jsapi.Payer{Openid: core.String(emutest.TestOpenID)},
	})
	if err != nil {
		t.Fatalf("PrepayWithRequestPayment: %v", err)
	}
	v, err := f.Emu.RequestPayment(emulator.PaymentRequest{
		TimeStamp: *pre.TimeStamp, NonceStr: *pre.NonceStr, Package: *pre.Package, SignType: *pre.SignType, PaySign: *pre.PaySign,
	})
	if err != nil || v.TradeState != "SUCCESS" {
		t.Fatalf("paying with the SDK's paySign: %+v %v", v, err)
	}
	txn, _, err := svc.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("sdk-order-1"), Mchid: core.String(emutest.TestMchID)})
	if err != nil || *txn.TradeState != "SUCCESS" || *txn.TransactionId != v.TransactionID || *txn.Amount.PayerTotal != 1 {
		t.Fatalf("QueryOrderByOutTradeNo: %v %v", txn, err)
	}
	_, err = svc.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String("sdk-order-1"), Mchid: core.String(emutest.TestMchID)})
	f.APIError(t, err, http.StatusBadRequest, "ORDERPAID")
}

func TestQueryAndCloseEdges(t *testing.T) {
	f := startPay(t, nil)
	ctx, c := context.Background(), f.SDK(t)

	_, err := c.Get(ctx, f.QueryURL("never-made"))
	if ae := f.APIError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST"); ae.Message != "订单不存在" {
		t.Errorf("message %q", ae.Message)
	}
	f.Prepay(t, emutest.OrderBody("order-0002", emutest.DeadNotify))
	_, err = c.Get(ctx, f.Srv.URL+"/v3/pay/transactions/out-trade-no/order-0002")
	f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	_, err = c.Get(ctx, f.Srv.URL+"/v3/pay/transactions/out-trade-no/order-0002?mchid=1230000109")
	f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	_, err = c.Post(ctx, f.CloseURL("order-0002"), map[string]string{"mchid": "1230000109"})
	f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	_, err = c.Post(ctx, f.CloseURL("order-0002"), "[1]")
	f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	if v, _ := f.Emu.Transaction("order-0002"); v.TradeState != "NOTPAY" {
		t.Fatalf("a refused close closed the order: %s", v.TradeState)
	}

	// Closing a number WeChat never saw is safe, and not remembered.
	if _, err := c.Post(ctx, f.CloseURL("never-made"), map[string]string{"mchid": emutest.TestMchID}); err != nil {
		t.Fatalf("closing an unknown order: %v", err)
	}
	if _, ok := f.Emu.Transaction("never-made"); ok {
		t.Fatal("closing an unknown order created it")
	}
	f.Prepay(t, emutest.OrderBody("never-made", emutest.DeadNotify))

	// Paid: query shows the payment the way WeChat does, close refuses.
	v := f.Paid(t, "order-0003", emutest.DeadNotify)
	txn := f.query(t, "order-0003")
	wantTime := f.Clock.Now().In(time.FixedZone("", 8*3600)).Format(time.RFC3339)
	if *txn.TradeState != "SUCCESS" || *txn.TransactionId != v.TransactionID || !regexp.MustCompile(`^\d{28}$`).MatchString(v.TransactionID) ||
		*txn.SuccessTime != wantTime || !strings.HasSuffix(*txn.SuccessTime, "+08:00") || *txn.BankType != "OTHERS" ||
		*txn.Amount.PayerTotal != 100 || *txn.Amount.PayerCurrency != "CNY" || *txn.Attach != "" {
		t.Fatalf("query of a paid order: %s (want success_time %s)", txn, wantTime)
	}
	_, err = c.Post(ctx, f.CloseURL("order-0003"), map[string]string{"mchid": emutest.TestMchID})
	f.APIError(t, err, http.StatusBadRequest, "ORDERPAID")
	_, err = c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", emutest.OrderBody("order-0003", emutest.DeadNotify))
	f.APIError(t, err, http.StatusBadRequest, "ORDERPAID")
}
