package wechat

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

func TestPayMapsWeChatErrors(t *testing.T) {
	env := newPayEnv(t, emulator.SignWithPublicKey)
	p := env.pay(t, "public_key", nil)
	// Only delayed calls go through the short timeout, so that a slow
	// machine cannot turn another case into a timeout.
	impatient := env.pay(t, "public_key", func(c *PayConfig) { c.Timeout = 100 * time.Millisecond })
	cases := []struct {
		fault    emulator.Fault
		sentinel error
		mentions string
	}{
		{emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 500, Code: "SYSTEM_ERROR"}, domain.ErrPaymentUnavailable, "SYSTEM_ERROR"},
		{emulator.Fault{Endpoint: emulator.JSAPI, Code: "FREQUENCY_LIMITED"}, domain.ErrPaymentUnavailable, "429"},
		{emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 502}, domain.ErrPaymentUnavailable, "502"},
		{emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 200}, domain.ErrPaymentUnavailable, "signature"},
		{emulator.Fault{Endpoint: emulator.JSAPI, Code: "SIGN_ERROR"}, domain.ErrPaymentUnavailable, "SIGN_ERROR"},
		{emulator.Fault{Endpoint: emulator.JSAPI, Code: "PARAM_ERROR"}, domain.ErrPaymentRejected, "PARAM_ERROR"},
		{emulator.Fault{Endpoint: emulator.JSAPI, Code: "NO_AUTH"}, domain.ErrPaymentRejected, "NO_AUTH"},
		{emulator.Fault{Endpoint: emulator.JSAPI, Code: "APPID_MCHID_NOT_MATCH"}, domain.ErrPaymentRejected, "APPID_MCHID_NOT_MATCH"},
		{emulator.Fault{Endpoint: emulator.JSAPI, Delay: time.Second}, domain.ErrPaymentUnavailable, "no answer within"},
		{emulator.Fault{Endpoint: emulator.QueryOrder, Code: "SYSTEM_ERROR"}, domain.ErrPaymentUnavailable, "SYSTEM_ERROR"},
		{emulator.Fault{Endpoint: emulator.CloseOrder, Delay: time.Second}, domain.ErrPaymentUnavailable, "no answer within"},
	}
	for _, c := range cases {
		if err := env.emu.InjectFault(c.fault); err != nil {
			t.Fatal(err)
		}
		var err error
		p := p
		if c.fault.Delay > 0 {
			p = impatient
		}
		switch c.fault.Endpoint {
		case emulator.JSAPI:
			_, err = p.Prepay(t.Context(), order("ORDER_fault-0001"))
		case emulator.QueryOrder:
			_, err = p.QueryOrder(t.Context(), "ORDER_fault-0001")
		case emulator.CloseOrder:
			err = p.CloseOrder(t.Context(), "ORDER_fault-0001")
		}
		wantErr(t, err, c.sentinel, c.mentions)
	}
	if !strings.Contains(env.logs.String(), "forged") {
		t.Errorf("an unsigned 200 was not logged as forged:\n%s", env.logs.String())
	}
	// The prepay the client gave up on during the delay was dropped: even
	// after the delay has passed, WeChat holds no transaction for it.
	time.Sleep(1500 * time.Millisecond)
	if txn, ok := env.emu.Transaction("ORDER_fault-0001"); ok {
		t.Fatalf("an abandoned prepay created a transaction: %+v", txn)
	}
}

func TestPayQueryAndClose(t *testing.T) {
	env := newPayEnv(t, emulator.SignWithPlatformCert)
	p := env.pay(t, "platform_cert", nil)
	ctx := t.Context()
	_, err := p.QueryOrder(ctx, "ORDER_never-seen")
	wantErr(t, err, domain.ErrNotFound, "ORDER_NOT_EXIST")
	if err := p.CloseOrder(ctx, "ORDER_never-seen"); err != nil {
		t.Errorf("closing an unknown order: %v", err)
	}
	if _, err := p.Prepay(ctx, order("ORDER_close-0001")); err != nil {
		t.Fatal(err)
	}
	if err := p.CloseOrder(ctx, "ORDER_close-0001"); err != nil {
		t.Fatalf("CloseOrder: %v", err)
	}
	if tx, err := p.QueryOrder(ctx, "ORDER_close-0001"); err != nil || tx.State != domain.TradeClosed {
		t.Errorf("QueryOrder after close = %+v, %v", tx, err)
	}
	_, err = p.Prepay(ctx, order("ORDER_close-0001"))
	wantErr(t, err, domain.ErrPaymentRejected, "ORDER_CLOSED")
}

// An answer signed by a key other than the one configured is not an answer.
func TestPayRefusesAnswersSignedByOtherKeys(t *testing.T) {
	other := mustKeys(t, otherKeys)
	cases := []struct {
		name     string
		mode     emulator.SignMode
		trust    string
		edit     func(*PayConfig)
		mentions string
	}{
		{"impostor public key", emulator.SignWithPublicKey, "public_key",
			func(c *PayConfig) { c.PublicKey = &other.PublicKeyPrivate.PublicKey }, "bad signature"},
		{"impostor platform certificate", emulator.SignWithPlatformCert, "platform_cert",
			func(c *PayConfig) { c.PlatformCerts = []*x509.Certificate{other.PlatformCert} }, "not configured"},
		{"public key expected, certificate used", emulator.SignWithPlatformCert, "public_key", nil, "not configured"},
		{"certificate expected, public key used", emulator.SignWithPublicKey, "platform_cert", nil, "not configured"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newPayEnv(t, c.mode)
			p := env.pay(t, c.trust, c.edit)
			id, err := p.Prepay(t.Context(), order("ORDER_forged-01"))
			wantErr(t, err, domain.ErrPaymentUnavailable, c.mentions)
			if id != "" {
				t.Errorf("prepay_id %q from an unverified answer", id)
			}
			_, err = p.QueryOrder(t.Context(), "ORDER_forged-01")
			wantErr(t, err, domain.ErrPaymentUnavailable, "signature")
			if !strings.Contains(env.logs.String(), `"level":"ERROR","msg":"WeChat Pay answer failed signature validation: treating it as forged"`) {
				t.Errorf("no error-level log line:\n%s", env.logs.String())
			}
		})
	}
}

// During a migration WeChat signs with either key; an adapter given both
// accepts both, answers and notifications alike.
func TestPayMigrationAcceptsBothKeys(t *testing.T) {
	env := newPayEnv(t, emulator.SignWithPublicKey)
	p := env.pay(t, "both", nil)
	ctx := t.Context()
	if _, err := p.Prepay(ctx, order("ORDER_mixed-0001")); err != nil {
		t.Fatalf("Prepay, public key: %v", err)
	}
	for _, mode := range []emulator.SignMode{emulator.SignWithPlatformCert, emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		env.emu.SetSignMode(mode)
		if tx, err := p.QueryOrder(ctx, "ORDER_mixed-0001"); err != nil || tx.State != domain.TradeNotPay {
			t.Errorf("QueryOrder, %s: %+v, %v", mode, tx, err)
		}
		h, body, err := env.emu.Notification("ORDER_mixed-0001", emulator.NotificationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ParseNotification(ctx, h, body); err != nil {
			t.Errorf("ParseNotification, %s (serial %s): %v", mode, h.Get("Wechatpay-Serial"), err)
		}
	}
	if err := p.CloseOrder(ctx, "ORDER_mixed-0001"); err != nil {
		t.Errorf("CloseOrder, platform certificate: %v", err)
	}
}

func TestNewPayValidates(t *testing.T) {
	k := testKeys()
	valid := func() PayConfig {
		return PayConfig{BaseURL: "https://api.mch.weixin.qq.com", AppID: testAppID, MchID: testMchID,
			MchCertSerial: "3775B6A45ACD588826D15E583A95F5DD3B1E7F2A", MchPrivateKey: k.mch, APIv3Key: k.apiV3,
			PublicKeyID: k.pubID, PublicKey: &k.pub.PublicKey, NotifyURL: "https://shop.example.com/pay/notify"}
	}
	if _, err := NewPay(valid(), nil, nil); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	cases := map[string]func(*PayConfig){
		"BaseURL":                 func(c *PayConfig) { c.BaseURL = "api.mch.weixin.qq.com" },
		"AppID":                   func(c *PayConfig) { c.AppID = "" },
		"MchID":                   func(c *PayConfig) { c.MchID = "" },
		"MchCertSerial":           func(c *PayConfig) { c.MchCertSerial = `37"75` },
		"MchPrivateKey":           func(c *PayConfig) { c.MchPrivateKey = nil },
		"APIv3Key must be 32":     func(c *PayConfig) { c.APIv3Key = k.apiV3[:31] },
		"PublicKeyID and":         func(c *PayConfig) { c.PublicKey = nil },
		"must start with PUB_KEY": func(c *PayConfig) { c.PublicKeyID = "3775B6A45ACD5888" },
		"cannot be verified":      func(c *PayConfig) { c.PublicKeyID, c.PublicKey = "", nil },
		"PlatformCerts[0] is nil": func(c *PayConfig) { c.PlatformCerts = []*x509.Certificate{nil} },
		"must be https":           func(c *PayConfig) { c.NotifyURL = "http://shop.example.com/pay/notify" },
		"query string":            func(c *PayConfig) { c.NotifyURL = "https://shop.example.com/pay/notify?order=1" },
		"255":                     func(c *PayConfig) { c.NotifyURL = "https://shop.example.com/" + strings.Repeat("n", 240) },
		"Timeout":                 func(c *PayConfig) { c.Timeout = -time.Second },
	}
	for mentions, edit := range cases {
		cfg := valid()
		edit(&cfg)
		_, err := NewPay(cfg, nil, nil)
		if err == nil || !strings.Contains(err.Error(), mentions) || strings.Contains(err.Error(), k.apiV3[:31]) {
			t.Errorf("%s: error %v", mentions, err)
		}
	}
	// http notify URLs are for emulators, which are reached over http.
	cfg := valid()
	cfg.BaseURL, cfg.NotifyURL = "http://127.0.0.1:8081", "http://127.0.0.1:8080/pay/notify"
	if _, err := NewPay(cfg, nil, nil); err != nil {
		t.Errorf("http notify URL with an http BaseURL: %v", err)
	}
	if _, err := (&Pay{}).PaymentParams(""); !errors.Is(err, domain.ErrPaymentRejected) {
		t.Errorf("PaymentParams without prepay_id: %v", err)
	}
}

// The PEM loaders read what the merchant platform hands out (here, the
// emulator's copies) and never quote their input in an error.
func TestParsePEM(t *testing.T) {
	k := mustKeys(t, emuKeys)
	if key, err := ParsePrivateKeyPEM(k.MchPrivateKeyPEM()); err != nil || !key.Equal(k.MchPrivateKey) {
		t.Errorf("ParsePrivateKeyPEM: %v", err)
	}
	if pub, err := ParsePublicKeyPEM(k.PublicKeyPEM()); err != nil || !pub.Equal(&k.PublicKeyPrivate.PublicKey) {
		t.Errorf("ParsePublicKeyPEM: %v", err)
	}
	two := append(k.PlatformCertPEM(), mustKeys(t, otherKeys).PlatformCertPEM()...)
	if certs, err := ParseCertificatesPEM(two); err != nil || len(certs) != 2 || CertificateSerial(certs[0]) != k.PlatformSerial() {
		t.Errorf("ParseCertificatesPEM: %d certificates, %v", len(certs), err)
	}
	// A private key in the wrong place must not surface in the message.
	secret := string(k.MchPrivateKeyPEM())
	_, errPub := ParsePublicKeyPEM([]byte(secret))
	_, errCert := ParseCertificatesPEM([]byte(secret))
	_, errKey := ParsePrivateKeyPEM(k.PublicKeyPEM())
	for _, err := range []error{errPub, errCert, errKey} {
		if err == nil || strings.Contains(err.Error(), secret[40:80]) {
			t.Errorf("error %v", err)
		}
	}
}
