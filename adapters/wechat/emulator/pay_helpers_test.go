package emulator_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
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
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

// The pay tests play the merchant with WeChat Pay's official Go SDK: it
// signs requests and refuses answers and notifications whose signatures do
// not verify, so a test that passes shows the emulator speaks the protocol.

const (
	testMchID   = "1900000109"
	testOpenID  = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	deadNotify  = "http://127.0.0.1:1/notify" // refuses connections at once
	httpsNotify = "https://merchant.example/wechatpay/notify"
)

var (
	payKeysOnce sync.Once
	payKeys     emulator.PayKeys
	payKeysErr  error
)

// testPayKeys generates one set of keys for the whole package: RSA key
// generation is slow, and keys are immutable.
func testPayKeys(t *testing.T) emulator.PayKeys {
	t.Helper()
	payKeysOnce.Do(func() { payKeys, payKeysErr = emulator.GeneratePayKeys(testMchID) })
	if payKeysErr != nil {
		t.Fatalf("GeneratePayKeys: %v", payKeysErr)
	}
	return payKeys
}

type payFixture struct {
	*fixture
	keys emulator.PayKeys
}

// startPay runs an emulator with WeChat Pay behind a real HTTP server. Its
// clock starts at the real time, because the SDK checks signature
// timestamps against time.Now. Keys default to the package's, and http
// notify URLs are allowed unless edit says otherwise.
func startPay(t *testing.T, edit func(*emulator.PayConfig)) *payFixture {
	t.Helper()
	pc := emulator.PayConfig{Keys: testPayKeys(t), AllowHTTPNotify: true}
	if edit != nil {
		edit(&pc)
	}
	c := &clock{t: time.Now()}
	e, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret, Now: c.Now, Pay: &pc})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close) // runs first: no delivery outlives the test
	return &payFixture{fixture: &fixture{emu: e, srv: srv, clock: c, appID: testAppID}, keys: pc.Keys}
}

// verifier trusts both the platform certificate and the public key, as a
// merchant in the middle of a migration does.
func (f *payFixture) verifier() auth.Verifier {
	return verifiers.NewSHA256WithRSACombinedVerifier(
		core.NewCertificateMapWithList([]*x509.Certificate{f.keys.PlatformCert}),
		f.keys.PublicKeyID, f.keys.PublicKeyPrivate.PublicKey)
}

// sdkAs is a merchant client signing with the given credentials.
func (f *payFixture) sdkAs(t *testing.T, mchID, serial string, key *rsa.PrivateKey) *core.Client {
	t.Helper()
	c, err := core.NewClient(context.Background(),
		option.WithMerchantCredential(mchID, serial, key),
		option.WithVerifier(f.verifier()),
		option.WithHTTPClient(f.srv.Client()))
	if err != nil {
		t.Fatalf("core.NewClient: %v", err)
	}
	return c
}

// sdk is the merchant's client with its real credentials.
func (f *payFixture) sdk(t *testing.T) *core.Client {
	return f.sdkAs(t, f.keys.MchID, f.keys.MchCertSerial, f.keys.MchPrivateKey)
}

// orderBody is a valid JSAPI prepay body; edit it per test.
func orderBody(outTradeNo, notifyURL string) map[string]any {
	return map[string]any{
		"appid":        testAppID,
		"mchid":        testMchID,
		"description":  "Emulator test order",
		"out_trade_no": outTradeNo,
		"notify_url":   notifyURL,
		"amount":       map[string]any{"total": 100, "currency": "CNY"},
		"payer":        map[string]any{"openid": testOpenID},
	}
}

// prepay creates (or finds) a transaction and returns its prepay_id.
func (f *payFixture) prepay(t *testing.T, body map[string]any) string {
	t.Helper()
	res, err := f.sdk(t).Post(context.Background(), f.srv.URL+"/v3/pay/transactions/jsapi", body)
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

// apiError requires err to be WeChat Pay's error answer with status and
// code, and checks that the answer is signed like any other.
func (f *payFixture) apiError(t *testing.T, err error, status int, code string) *core.APIError {
	t.Helper()
	var ae *core.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError %d %s", err, status, code)
	}
	if ae.StatusCode != status || ae.Code != code || ae.Message == "" {
		t.Fatalf("APIError %d %q %q, want %d %s with a message", ae.StatusCode, ae.Code, ae.Message, status, code)
	}
	if status != http.StatusUnauthorized {
		f.requireSigned(t, ae.Header, []byte(ae.Body))
	}
	return ae
}

// requireSigned checks a response's signature with the SDK's validator.
func (f *payFixture) requireSigned(t *testing.T, h http.Header, body []byte) {
	t.Helper()
	v := validators.NewWechatPayResponseValidator(f.verifier())
	if err := v.Validate(context.Background(), &http.Response{Header: h, Body: io.NopCloser(bytes.NewReader(body))}); err != nil {
		t.Fatalf("answer not signed like WeChat: %v", err)
	}
}

// pay signs the wx.requestPayment arguments as the merchant's server does.
func (f *payFixture) payment(t *testing.T, prepayID string) emulator.PaymentRequest {
	t.Helper()
	p := emulator.PaymentRequest{
		TimeStamp: strconv.FormatInt(time.Now().Unix(), 10),
		NonceStr:  "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
		Package:   "prepay_id=" + prepayID,
		SignType:  "RSA",
	}
	sig, err := utils.SignSHA256WithRSA(testAppID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n", f.keys.MchPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	p.PaySign = sig
	return p
}

// paid runs prepay and payment for a new order notifying notifyURL.
func (f *payFixture) paid(t *testing.T, outTradeNo, notifyURL string) emulator.TransactionView {
	t.Helper()
	v, err := f.emu.RequestPayment(f.payment(t, f.prepay(t, orderBody(outTradeNo, notifyURL))))
	if err != nil {
		t.Fatalf("RequestPayment: %v", err)
	}
	return v
}

// waitFor polls cond; the bound only catches a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// finished waits until a delivery of outTradeNo has recorded its final
// attempt, and returns every attempt.
func (f *payFixture) finished(t *testing.T, outTradeNo string) []emulator.Delivery {
	t.Helper()
	var ds []emulator.Delivery
	waitFor(t, "the final notification attempt of "+outTradeNo, func() bool {
		ds = f.emu.Deliveries(outTradeNo)
		return len(ds) > 0 && ds[len(ds)-1].Final
	})
	return ds
}

// received is one notification as the merchant's endpoint saw it.
type received struct {
	header http.Header
	body   []byte
	req    *notify.Request // nil if the SDK refused it
	txn    payments.Transaction
	err    error // why the SDK refused it
}

// receiver is a merchant's notify endpoint that verifies and decrypts with
// the SDK. answer picks the status for the n-th notification (from 1);
// nil answers 204 to what verifies and 400 to the rest.
type receiver struct {
	URL string
	srv *httptest.Server
	mu  sync.Mutex
	got []received
}

func (f *payFixture) receiver(t *testing.T, answer func(n int, r received) int) *receiver {
	t.Helper()
	rc := &receiver{}
	h := notify.NewNotifyHandler(f.keys.APIv3Key, f.verifier())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		got := received{header: r.Header.Clone(), body: body}
		got.req, got.err = h.ParseNotifyRequest(r.Context(), r, &got.txn)
		if got.err != nil {
			got.req = nil
		}
		rc.mu.Lock()
		rc.got = append(rc.got, got)
		n := len(rc.got)
		rc.mu.Unlock()
		status := http.StatusNoContent
		switch {
		case answer != nil:
			status = answer(n, got)
		case got.err != nil:
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status != http.StatusNoContent {
			_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": "receiver said so"})
		}
	}))
	// The emulator stops delivering before the receiver goes away.
	t.Cleanup(func() { f.emu.Close(); srv.Close() })
	rc.URL, rc.srv = srv.URL+"/wechatpay/notify", srv
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}
