package wechat

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
)

// recordingTransport keeps what the adapter sent, body included.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []sentRequest
}

type sentRequest struct {
	method, pathQuery, authorization string
	body                             []byte
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, sentRequest{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), body})
	rt.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

var authParam = regexp.MustCompile(`(\w+)="([^"]*)"`)

// Every request the adapter sends carries an Authorization that the
// official SDK's verifier accepts with the merchant's public key, over
// METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n.
func TestAuthorizationVerifiesWithTheSDKVerifier(t *testing.T) {
	env := newPayEnv(t, "public_key")
	k := env.keys
	rec := &recordingTransport{}
	p, err := NewPay(PayConfig{
		BaseURL: env.srv.URL, AppID: testAppID, MchID: k.MchID, MchCertSerial: k.MchCertSerial,
		MchPrivateKey: k.MchPrivateKey, APIv3Key: k.APIv3Key, NotifyURL: env.notifyURL,
		PublicKeyID: k.PublicKeyID, PublicKey: &k.PublicKeyPrivate.PublicKey,
	}, &http.Client{Transport: rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.Prepay(ctx, order("ORDER_auth-0001")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.QueryOrder(ctx, "ORDER_auth-0001"); err != nil {
		t.Fatal(err)
	}
	if err := p.CloseOrder(ctx, "ORDER_auth-0001"); err != nil {
		t.Fatal(err)
	}

	v := verifiers.NewSHA256WithRSAPubkeyVerifier(k.MchCertSerial, k.MchPrivateKey.PublicKey)
	if len(rec.reqs) != 3 {
		t.Fatalf("%d requests sent, want 3", len(rec.reqs))
	}
	for _, r := range rec.reqs {
		scheme, params, _ := bytes.Cut([]byte(r.authorization), []byte(" "))
		if string(scheme) != "WECHATPAY2-SHA256-RSA2048" {
			t.Fatalf("%s %s: scheme %q", r.method, r.pathQuery, scheme)
		}
		fields := map[string]string{}
		for _, m := range authParam.FindAllStringSubmatch(string(params), -1) {
			fields[m[1]] = m[2]
		}
		if fields["mchid"] != k.MchID || fields["serial_no"] != k.MchCertSerial {
			t.Fatalf("%s %s: Authorization fields %v", r.method, r.pathQuery, fields)
		}
		msg := r.method + "\n" + r.pathQuery + "\n" + fields["timestamp"] + "\n" + fields["nonce_str"] + "\n" + string(r.body) + "\n"
		if err := v.Verify(ctx, k.MchCertSerial, msg, fields["signature"]); err != nil {
			t.Errorf("%s %s: SDK verifier refuses the Authorization: %v", r.method, r.pathQuery, err)
		}
		// And a single changed byte of the body breaks it.
		if len(r.body) > 0 {
			tampered := r.method + "\n" + r.pathQuery + "\n" + fields["timestamp"] + "\n" + fields["nonce_str"] + "\n" + string(r.body) + " \n"
			if v.Verify(ctx, k.MchCertSerial, tampered, fields["signature"]) == nil {
				t.Errorf("%s %s: tampered message verifies", r.method, r.pathQuery)
			}
		}
	}
}
