package wechat

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

const testMchID = "1900000109"

// RSA key generation is slow under -race: one set of keys per test binary,
// one emulator per test.
var (
	emuKeys   = sync.OnceValues(func() (emulator.PayKeys, error) { return emulator.GeneratePayKeys(testMchID) })
	otherKeys = sync.OnceValues(func() (emulator.PayKeys, error) { return emulator.GeneratePayKeys(testMchID) })
)

func mustKeys(t *testing.T, f func() (emulator.PayKeys, error)) emulator.PayKeys {
	t.Helper()
	k, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// delivery is what the emulator POSTed to our notify_url or refund
// notify URL.
type delivery struct {
	path string
	h    http.Header
	body []byte
}

type payEnv struct {
	emu             *emulator.Emulator
	srv             *httptest.Server
	keys            emulator.PayKeys
	notifyURL       string
	refundNotifyURL string
	notified        chan delivery
	calls           atomic.Int64 // requests the adapter sent
	logs            *syncBuffer
	now             time.Time
}

// newPayEnv starts an emulator signing per mode, and a notify_url that
// records deliveries. The emulator keeps real time: the SDK checks answers'
// timestamps against the system clock.
func newPayEnv(t *testing.T, mode emulator.SignMode) *payEnv {
	t.Helper()
	return newPayEnvWith(t, mode, nil)
}

// newPayEnvWith is newPayEnv with edit changing the emulator's PayConfig.
func newPayEnvWith(t *testing.T, mode emulator.SignMode, edit func(*emulator.PayConfig)) *payEnv {
	t.Helper()
	env := &payEnv{keys: mustKeys(t, emuKeys), notified: make(chan delivery, 16), logs: &syncBuffer{}, now: time.Now()}
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case env.notified <- delivery{r.URL.Path, r.Header.Clone(), body}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(notify.Close)
	env.notifyURL, env.refundNotifyURL = notify.URL+"/pay/notify", notify.URL+"/pay/refund-notify"
	pc := emulator.PayConfig{Keys: env.keys, SignMode: mode, TimeScale: 0.001, AllowHTTPNotify: true}
	if edit != nil {
		edit(&pc)
	}
	e, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret, Pay: &pc})
	if err != nil {
		t.Fatal(err)
	}
	env.emu = e
	env.srv = httptest.NewServer(e.Handler())
	t.Cleanup(func() { env.srv.Close(); e.Close() })
	return env
}

type countingTransport struct{ n *atomic.Int64 }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// pay builds an adapter trusting what mode signs with (both kinds for
// "both"); edit may change the config.
func (env *payEnv) pay(t *testing.T, trust string, edit func(*PayConfig)) *Pay {
	t.Helper()
	k := env.keys
	cfg := PayConfig{BaseURL: env.srv.URL, AppID: testAppID, MchID: k.MchID, MchCertSerial: k.MchCertSerial,
		MchPrivateKey: k.MchPrivateKey, APIv3Key: k.APIv3Key, NotifyURL: env.notifyURL, RefundNotifyURL: env.refundNotifyURL,
		Now: func() time.Time { return env.now }}
	if trust == "public_key" || trust == "both" {
		cfg.PublicKeyID, cfg.PublicKey = k.PublicKeyID, &k.PublicKeyPrivate.PublicKey
	}
	if trust == "platform_cert" || trust == "both" {
		cfg.PlatformCerts = []*x509.Certificate{k.PlatformCert}
	}
	if edit != nil {
		edit(&cfg)
	}
	log := slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := NewPay(cfg, &http.Client{Transport: countingTransport{&env.calls}}, log)
	if err != nil {
		t.Fatalf("NewPay: %v", err)
	}
	return p
}

func order(no string) domain.PrepayRequest {
	return domain.PrepayRequest{OutTradeNo: no, Description: "测试商品 — coffee", TotalFen: 1999,
		PayerOpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", ExpiresAt: time.Now().Add(30 * time.Minute)}
}

func wantErr(t *testing.T, err, sentinel error, mentions string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	if !strings.Contains(err.Error(), mentions) {
		t.Errorf("error %q does not mention %q", err, mentions)
	}
}

// The whole JSAPI payment, in each SignMode: prepay, sign for the phone,
// pay on the emulator, query, receive and verify the notification.
func TestPayFlow(t *testing.T) {
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			env := newPayEnv(t, mode)
			p := env.pay(t, string(mode), nil)
			ctx := t.Context()
			req := order("ORDER_flow-0001")

			id, err := p.Prepay(ctx, req)
			if err != nil || id == "" {
				t.Fatalf("Prepay = %q, %v", id, err)
			}
			if again, err := p.Prepay(ctx, req); err != nil || again != id {
				t.Errorf("repeat Prepay = %q, %v; want %q", again, err, id)
			}
			changed := req
			changed.TotalFen++
			_, err = p.Prepay(ctx, changed)
			wantErr(t, err, domain.ErrPaymentRejected, "INVALID_REQUEST")
			if v, _ := env.emu.Transaction(req.OutTradeNo); v.Total != req.TotalFen || v.NotifyURL != env.notifyURL {
				t.Errorf("emulator holds %+v", v)
			}

			tx, err := p.QueryOrder(ctx, req.OutTradeNo)
			if err != nil || tx.State != domain.TradeNotPay || tx.TotalFen != req.TotalFen || tx.TransactionID != "" {
				t.Errorf("QueryOrder before payment = %+v, %v", tx, err)
			}

			params, err := p.PaymentParams(id)
			if err != nil {
				t.Fatal(err)
			}
			checkPaySign(t, params, id, env.now, &env.keys.MchPrivateKey.PublicKey)
			paid, err := env.emu.RequestPayment(emulator.PaymentRequest{TimeStamp: params.TimeStamp, NonceStr: params.NonceStr,
				Package: params.Package, SignType: params.SignType, PaySign: params.PaySign})
			if err != nil || paid.TradeState != "SUCCESS" {
				t.Fatalf("RequestPayment = %+v, %v", paid, err)
			}

			tx, err = p.QueryOrder(ctx, req.OutTradeNo)
			want := domain.Transaction{AppID: testAppID, MchID: testMchID, OutTradeNo: req.OutTradeNo, TransactionID: paid.TransactionID,
				State: domain.TradeSuccess, TotalFen: req.TotalFen, Currency: "CNY", PayerOpenID: req.PayerOpenID, SuccessTime: tx.SuccessTime}
			if err != nil || !sameTxn(tx, want) || tx.TransactionID == "" || !tx.SuccessTime.Equal(paid.SuccessTime.Truncate(time.Second)) {
				t.Errorf("QueryOrder after payment = %+v, %v\nwant %+v (success %v)", tx, err, want, paid.SuccessTime)
			}

			d := <-env.notified // delivered by the emulator to notify_url
			n, err := p.ParseNotification(ctx, d.h, d.body)
			if err != nil || n.EventType != "TRANSACTION.SUCCESS" || !sameTxn(n.Transaction, tx) || !strings.HasPrefix(n.ID, "EV-") {
				t.Errorf("ParseNotification = %+v, %v\nwant transaction %+v", n, err, tx)
			}

			err = p.CloseOrder(ctx, req.OutTradeNo)
			wantErr(t, err, domain.ErrPaymentRejected, "ORDERPAID")
			_, err = p.Prepay(ctx, req)
			wantErr(t, err, domain.ErrPaymentRejected, "ORDERPAID")
		})
	}
}

// checkPaySign verifies paySign as the WeChat client does, with the SDK's
// verifier and the merchant's public key.
func checkPaySign(t *testing.T, pp domain.PaymentParams, prepayID string, now time.Time, pub *rsa.PublicKey) {
	t.Helper()
	if pp.Package != "prepay_id="+prepayID || pp.SignType != "RSA" || len(pp.NonceStr) != 32 || pp.TimeStamp != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("params = %+v", pp)
	}
	msg := testAppID + "\n" + pp.TimeStamp + "\n" + pp.NonceStr + "\n" + pp.Package + "\n"
	v := verifiers.NewSHA256WithRSAPubkeyVerifier("merchant", *pub)
	if err := v.Verify(context.Background(), "merchant", msg, pp.PaySign); err != nil {
		t.Errorf("paySign does not verify: %v", err)
	}
}

// sameTxn compares transactions, times by instant (each parse of a
// "+08:00" time gets a zone of its own).
func sameTxn(a, b domain.Transaction) bool {
	if !a.SuccessTime.Equal(b.SuccessTime) {
		return false
	}
	a.SuccessTime, b.SuccessTime = time.Time{}, time.Time{}
	return a == b
}

// A bad request is refused before anything is sent.
func TestPayRefusesBadRequestsWithoutCalling(t *testing.T) {
	env := newPayEnv(t, emulator.SignWithPublicKey)
	p := env.pay(t, "public_key", nil)
	edits := map[string]func(*domain.PrepayRequest){
		"out_trade_no too short": func(r *domain.PrepayRequest) { r.OutTradeNo = "A1234" },
		"out_trade_no too long":  func(r *domain.PrepayRequest) { r.OutTradeNo = strings.Repeat("9", 33) },
		"out_trade_no with /":    func(r *domain.PrepayRequest) { r.OutTradeNo = "ORDER/../1" },
		"empty description":      func(r *domain.PrepayRequest) { r.Description = "" },
		"128 characters":         func(r *domain.PrepayRequest) { r.Description = strings.Repeat("咖", 128) },
		"zero amount":            func(r *domain.PrepayRequest) { r.TotalFen = 0 },
		"negative amount":        func(r *domain.PrepayRequest) { r.TotalFen = -1 },
		"no openid":              func(r *domain.PrepayRequest) { r.PayerOpenID = "" },
		"expired":                func(r *domain.PrepayRequest) { r.ExpiresAt = env.now.Add(-time.Second) },
	}
	for name, edit := range edits {
		r := order("ORDER_bad-0001")
		edit(&r)
		_, err := p.Prepay(t.Context(), r)
		if !errors.Is(err, domain.ErrPaymentRejected) {
			t.Errorf("%s: error %v, want ErrPaymentRejected", name, err)
		}
	}
	r := order("ORDER_ok-0001")
	r.Description = strings.Repeat("咖", 127) // characters, not bytes
	if _, err := p.Prepay(t.Context(), r); err != nil {
		t.Errorf("127-character description: %v", err)
	}
	_, qErr := p.QueryOrder(t.Context(), "short")
	cErr := p.CloseOrder(t.Context(), "with space 1")
	if !errors.Is(qErr, domain.ErrPaymentRejected) || !errors.Is(cErr, domain.ErrPaymentRejected) {
		t.Errorf("query/close of malformed numbers: %v / %v", qErr, cErr)
	}
	if n := env.calls.Load(); n != 1 {
		t.Errorf("%d requests sent, want only the valid prepay", n)
	}
}
