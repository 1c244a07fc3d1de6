package emutest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/validators"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

// The pay tests play the merchant with WeChat Pay's official Go SDK: it
// signs requests and refuses answers and notifications whose signatures do
// not verify, so a test that passes shows the emulator speaks the protocol.

const (
	TestMchID   = "1900000109"
	TestOpenID  = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	DeadNotify  = "http://127.0.0.1:1/notify" // refuses connections at once
	HTTPSNotify = "https://merchant.example/wechatpay/notify"
)

var (
	payKeysOnce sync.Once
	payKeys     emulator.PayKeys
	payKeysErr  error
)

// PayKeys generates one set of keys for the whole package: RSA key
// generation is slow, and keys are immutable.
func PayKeys(t *testing.T) emulator.PayKeys {
	t.Helper()
	payKeysOnce.Do(func() { payKeys, payKeysErr = emulator.GeneratePayKeys(TestMchID) })
	if payKeysErr != nil {
		t.Fatalf("GeneratePayKeys: %v", payKeysErr)
	}
	return payKeys
}

type PayFixture struct {
	*Fixture
	Keys emulator.PayKeys
}

// StartPay runs an emulator with WeChat Pay behind a real HTTP server. Its
// clock starts at the real time, because the SDK checks signature
// timestamps against time.Now. Keys default to the package's, and http
// notify URLs are allowed unless edit says otherwise.
func StartPay(t *testing.T, edit func(*emulator.PayConfig)) *PayFixture {
	t.Helper()
	return StartPayKept(t, "", edit)
}

// StartPayKept is StartPay with the emulator's state kept in stateFile
// (Config.StateFile; "" keeps it in memory).
func StartPayKept(t *testing.T, stateFile string, edit func(*emulator.PayConfig)) *PayFixture {
	t.Helper()
	return StartPayConfig(t, stateFile, func(c *emulator.Config) {
		if edit != nil {
			edit(c.Pay)
		}
	})
}

// StartPayConfig is StartPayKept with the whole Config to edit (Shipping,
// Push...); its Pay is already set.
func StartPayConfig(t *testing.T, stateFile string, edit func(*emulator.Config)) *PayFixture {
	t.Helper()
	pc := emulator.PayConfig{Keys: PayKeys(t), AllowHTTPNotify: true}
	c := &Clock{t: time.Now()}
	cfg := emulator.Config{AppID: TestAppID, Secret: TestSecret, Now: c.Now, Pay: &pc, StateFile: stateFile}
	if edit != nil {
		edit(&cfg)
	}
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close) // runs first: no delivery outlives the test
	return &PayFixture{Fixture: &Fixture{Emu: e, Srv: srv, Clock: c, AppID: TestAppID}, Keys: pc.Keys}
}

// Verifier trusts both the platform certificate and the public key, as a
// merchant in the middle of a migration does.
func (f *PayFixture) Verifier() auth.Verifier {
	return verifiers.NewSHA256WithRSACombinedVerifier(
		core.NewCertificateMapWithList([]*x509.Certificate{f.Keys.PlatformCert}),
		f.Keys.PublicKeyID, f.Keys.PublicKeyPrivate.PublicKey)
}

// SDKAs is a merchant client signing with the given credentials.
func (f *PayFixture) SDKAs(t *testing.T, mchID, serial string, key *rsa.PrivateKey) *core.Client {
	t.Helper()
	c, err := core.NewClient(context.Background(),
		option.WithMerchantCredential(mchID, serial, key),
		option.WithVerifier(f.Verifier()),
		option.WithHTTPClient(f.Srv.Client()))
	if err != nil {
		t.Fatalf("core.NewClient: %v", err)
	}
	return c
}

// SDK is the merchant's client with its real credentials.
func (f *PayFixture) SDK(t *testing.T) *core.Client {
	return f.SDKAs(t, f.Keys.MchID, f.Keys.MchCertSerial, f.Keys.MchPrivateKey)
}

// QueryURL is WeChat Pay's query of out_trade_no no.
func (f *PayFixture) QueryURL(no string) string {
	return f.Srv.URL + "/v3/pay/transactions/out-trade-no/" + no + "?mchid=" + TestMchID
}

// CloseURL is WeChat Pay's close of out_trade_no no.
func (f *PayFixture) CloseURL(no string) string {
	return f.Srv.URL + "/v3/pay/transactions/out-trade-no/" + no + "/close"
}

// OrderBody is a valid JSAPI prepay body; edit it per test.
func OrderBody(outTradeNo, notifyURL string) map[string]any {
	return map[string]any{
		"appid":        TestAppID,
		"mchid":        TestMchID,
		"description":  "Emulator test order",
		"out_trade_no": outTradeNo,
		"notify_url":   notifyURL,
		"amount":       map[string]any{"total": 100, "currency": "CNY"},
		"payer":        map[string]any{"openid": TestOpenID},
	}
}

// Prepay creates (or finds) a transaction and returns its prepay_id.
func (f *PayFixture) Prepay(t *testing.T, body map[string]any) string {
	t.Helper()
	res, err := f.SDK(t).Post(context.Background(), f.Srv.URL+"/v3/pay/transactions/jsapi", body)
	if err != nil {
		t.Fatalf("prepay %v: %v", body["out_trade_no"], err)
	}
	var r struct {
		PrepayID string `json:"prepay_id"`
	}
	if err := core.UnMarshalResponse(res.Response, &r); err != nil || r.PrepayID == "" {
		t.Fatalf("prepay answer: %+v %v", r, err)
	}
	return r.PrepayID
}

// APIError requires err to be WeChat Pay's error answer with status and
// code, and checks that the answer is signed like any other.
func (f *PayFixture) APIError(t *testing.T, err error, status int, code string) *core.APIError {
	t.Helper()
	var ae *core.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError %d %s", err, status, code)
	}
	if ae.StatusCode != status || ae.Code != code || ae.Message == "" {
		t.Fatalf("APIError %d %q %q, want %d %s with a message", ae.StatusCode, ae.Code, ae.Message, status, code)
	}
	if status != http.StatusUnauthorized {
		f.RequireSigned(t, ae.Header, []byte(ae.Body))
	}
	return ae
}

// RequireSigned checks a response's signature with the SDK's validator.
func (f *PayFixture) RequireSigned(t *testing.T, h http.Header, body []byte) {
	t.Helper()
	v := validators.NewWechatPayResponseValidator(f.Verifier())
	if err := v.Validate(context.Background(), &http.Response{Header: h, Body: io.NopCloser(bytes.NewReader(body))}); err != nil {
		t.Fatalf("answer not signed like WeChat: %v", err)
	}
}

// pay signs the wx.requestPayment arguments as the merchant's server does.
func (f *PayFixture) Payment(t *testing.T, prepayID string) emulator.PaymentRequest {
	t.Helper()
	p := emulator.PaymentRequest{
		TimeStamp: strconv.FormatInt(time.Now().Unix(), 10),
		NonceStr:  "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
		Package:   "prepay_id=" + prepayID,
		SignType:  "RSA",
	}
	sig, err := utils.SignSHA256WithRSA(TestAppID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n", f.Keys.MchPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	p.PaySign = sig
	return p
}

// Paid runs prepay and payment for a new order notifying notifyURL.
func (f *PayFixture) Paid(t *testing.T, outTradeNo, notifyURL string) emulator.TransactionView {
	t.Helper()
	v, err := f.Emu.RequestPayment(f.Payment(t, f.Prepay(t, OrderBody(outTradeNo, notifyURL))))
	if err != nil {
		t.Fatalf("RequestPayment: %v", err)
	}
	return v
}

// WaitFor polls cond; the bound only catches a hang.
func WaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Finished waits until a delivery of outTradeNo has recorded its final
// attempt, and returns every attempt.
func (f *PayFixture) Finished(t *testing.T, outTradeNo string) []emulator.Delivery {
	t.Helper()
	var ds []emulator.Delivery
	WaitFor(t, "the final notification attempt of "+outTradeNo, func() bool {
		ds = f.Emu.Deliveries(outTradeNo)
		return len(ds) > 0 && ds[len(ds)-1].Final
	})
	return ds
}

func (f *PayFixture) Inject(t *testing.T, fault emulator.Fault) {
	t.Helper()
	if err := f.Emu.InjectFault(fault); err != nil {
		t.Fatalf("InjectFault(%+v): %v", fault, err)
	}
}
