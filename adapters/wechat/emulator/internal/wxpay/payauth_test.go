package wxpay_test

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// authorization builds the merchant's Authorization header by hand, for
// the requests the SDK would never send.
func (f *payFixture) authorization(t *testing.T, method, uri, body string, ts time.Time) string {
	t.Helper()
	nonce := "593BEC0C930BF1AFEB40B4A08C8FB242"
	msg := fmt.Sprintf("%s\n%s\n%d\n%s\n%s\n", method, uri, ts.Unix(), nonce, body)
	sig, err := utils.SignSHA256WithRSA(msg, f.Keys.MchPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",timestamp="%d",serial_no="%s",signature="%s"`,
		emutest.TestMchID, nonce, ts.Unix(), f.Keys.MchCertSerial, sig)
}

// raw sends a request with the given Authorization (none if empty).
func (f *payFixture) raw(t *testing.T, method, uri, body, authorization string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.Srv.URL+uri, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// want401 checks an authentication refusal: 401 SIGN_ERROR, not signed.
func want401(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	e := emutest.Decode[struct{ Code, Message string }](t, body)
	if resp.StatusCode != http.StatusUnauthorized || e.Code != "SIGN_ERROR" || e.Message == "" {
		t.Fatalf("HTTP %d %s, want 401 SIGN_ERROR", resp.StatusCode, body)
	}
}

func TestMerchantAuthentication(t *testing.T) {
	f := startPay(t, nil)
	ctx := context.Background()
	jsapiURL := f.Srv.URL + "/v3/pay/transactions/jsapi"
	body := emutest.OrderBody("auth-0001", emutest.DeadNotify)

	for name, c := range map[string]struct {
		mchID, serial string
		key           *rsa.PrivateKey
	}{
		"wrong key":    {emutest.TestMchID, f.Keys.MchCertSerial, f.Keys.PlatformKey},
		"wrong serial": {emutest.TestMchID, strings.Repeat("A", 40), f.Keys.MchPrivateKey},
		"wrong mchid":  {"1230000109", f.Keys.MchCertSerial, f.Keys.MchPrivateKey},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.SDKAs(t, c.mchID, c.serial, c.key).Post(ctx, jsapiURL, body)
			ae := f.APIError(t, err, http.StatusUnauthorized, "SIGN_ERROR")
			if ae.Header.Get("Wechatpay-Signature") != "" {
				t.Error("a 401 is signed: WeChat cannot sign for a caller it does not know")
			}
		})
	}

	t.Run("stale and future timestamps", func(t *testing.T) {
		for _, skew := range []time.Duration{6 * time.Minute, -6 * time.Minute} {
			f.Clock.Advance(skew)
			_, err := f.SDK(t).Get(ctx, f.QueryURL("auth-0001"))
			f.Clock.Advance(-skew)
			f.APIError(t, err, http.StatusUnauthorized, "SIGN_ERROR")
		}
		// Within the window is fine (the SDK signs with the real time).
		f.Clock.Advance(4 * time.Minute)
		_, err := f.SDK(t).Get(ctx, f.QueryURL("auth-0001"))
		f.Clock.Advance(-4 * time.Minute)
		f.APIError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST")
	})

	now := f.Clock.Now()
	good := `{"mchid":"` + emutest.TestMchID + `"}`
	closeURI := "/v3/pay/transactions/out-trade-no/auth-0001/close"
	for name, tc := range map[string]struct{ uri, body, auth string }{
		"no Authorization":   {closeURI, good, ""},
		"other scheme":       {closeURI, good, "Bearer abc"},
		"garbled parameters": {closeURI, good, `WECHATPAY2-SHA256-RSA2048 mchid=1900000109,nonce_str`},
		"missing signature":  {closeURI, good, `WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="x",timestamp="1",serial_no="y"`},
		"body changed":       {closeURI, `{"mchid":"1900000109" }`, f.authorization(t, "POST", closeURI, good, now)},
		"path changed":       {"/v3/pay/transactions/out-trade-no/auth-0002/close", good, f.authorization(t, "POST", closeURI, good, now)},
		"method changed":     {closeURI, good, f.authorization(t, "PUT", closeURI, good, now)},
		"query changed": {"/v3/pay/transactions/out-trade-no/auth-0001?mchid=" + emutest.TestMchID + "&x=1", "",
			f.authorization(t, "GET", "/v3/pay/transactions/out-trade-no/auth-0001?mchid="+emutest.TestMchID, "", now)},
	} {
		t.Run(name, func(t *testing.T) {
			method := http.MethodPost
			if strings.Contains(tc.uri, "?") {
				method = http.MethodGet
			}
			resp, b := f.raw(t, method, tc.uri, tc.body, tc.auth)
			want401(t, resp, b)
		})
	}

	// The hand-made signature itself is right: unchanged, it passes.
	resp, b := f.raw(t, http.MethodPost, closeURI, good, f.authorization(t, "POST", closeURI, good, now))
	if resp.StatusCode != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("hand-signed close: HTTP %d %s", resp.StatusCode, b)
	}
	f.RequireSigned(t, resp.Header, b)
	if _, ok := f.Emu.Transaction("auth-0001"); ok {
		t.Fatal("a refused request created a transaction")
	}
}
