package wxpay_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The bill tests move Config.Now past 10:00 Beijing the next day, where
// the SDK (which signs and checks timestamps against time.Now) no longer
// works: these helpers sign with the emulator's clock instead.

var beijing = time.FixedZone("CST", 8*60*60)

type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// merchantGet sends a GET signed by the merchant at the emulator's time;
// pathAndQuery starts with /.
func merchantGet(t *testing.T, f *payFixture, pathAndQuery string, signed bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.Srv.URL+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	if signed {
		ts := strconv.FormatInt(f.Clock.Now().Unix(), 10)
		nonce := wxshared.RandomAlnum(32)
		sig, err := wxshared.SignSHA256(f.Keys.MchPrivateKey, "GET\n"+pathAndQuery+"\n"+ts+"\n"+nonce+"\n\n")
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", `WECHATPAY2-SHA256-RSA2048 mchid="`+f.Keys.MchID+`",nonce_str="`+nonce+
			`",timestamp="`+ts+`",serial_no="`+f.Keys.MchCertSerial+`",signature="`+sig+`"`)
	}
	resp, err := f.Srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// requireSignedAt checks a WeChat Pay answer's signature with the public
// key (the emulator's default SignMode), whatever its timestamp.
func requireSignedAt(t *testing.T, f *payFixture, resp *http.Response, body []byte) {
	t.Helper()
	h := resp.Header
	msg := h.Get("Wechatpay-Timestamp") + "\n" + h.Get("Wechatpay-Nonce") + "\n" + string(body) + "\n"
	if h.Get("Wechatpay-Serial") != f.Keys.PublicKeyID ||
		!wxshared.VerifySHA256(&f.Keys.PublicKeyPrivate.PublicKey, msg, h.Get("Wechatpay-Signature")) {
		t.Fatalf("answer not signed like WeChat: %v %s", h, body)
	}
}

// applyBill asks for a bill and requires a signed 200.
func applyBill(t *testing.T, f *payFixture, query string) billAnswer {
	t.Helper()
	resp, body := merchantGet(t, f, "/v3/bill/tradebill?"+query, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("apply %s: %d %s", query, resp.StatusCode, body)
	}
	requireSignedAt(t, f, resp, body)
	a := emutest.Decode[billAnswer](t, body)
	if a.HashType != "SHA1" || len(a.HashValue) != 40 || !strings.HasPrefix(a.DownloadURL, f.Srv.URL+"/v3/billdownload/file?token=") {
		t.Fatalf("apply answer %+v", a)
	}
	return a
}

// refuseBill asks for a bill and requires a signed error.
func refuseBill(t *testing.T, f *payFixture, query string, status int, code string) string {
	t.Helper()
	resp, body := merchantGet(t, f, "/v3/bill/tradebill?"+query, true)
	var e struct{ Code, Message string }
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != status || e.Code != code || e.Message == "" {
		t.Fatalf("apply %s: %d %s, want %d %s", query, resp.StatusCode, body, status, code)
	}
	requireSignedAt(t, f, resp, body)
	return e.Message
}

// download fetches a bill's file, requires it unsigned, and returns it
// uncompressed (gunzipped if it came gzip).
func download(t *testing.T, f *payFixture, a billAnswer, wantGzip bool) []byte {
	t.Helper()
	resp, body := merchantGet(t, f, strings.TrimPrefix(a.DownloadURL, f.Srv.URL), true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d %s", resp.StatusCode, body)
	}
	for k := range resp.Header {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), "Wechatpay-") {
			t.Errorf("download answer carries %s: the file is never signed", k)
		}
	}
	ct := resp.Header.Get("Content-Type")
	if !wantGzip {
		if !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q, want text/plain", ct)
		}
		return body
	}
	if ct != "application/x-gzip" {
		t.Errorf("Content-Type %q, want application/x-gzip", ct)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return plain
}

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// billTime is how the bill writes an instant.
func billTime(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04:05") }

// row joins values as a bill line: each prefixed with a backtick.
func row(vs ...string) string { return "`" + strings.Join(vs, ",`") + "\r\n" }

// paymentHead is the part every layout's line starts with.
func paymentHead(at time.Time, v emulator.TransactionView, state, settled string) []string {
	return []string{billTime(at), emutest.TestAppID, emutest.TestMchID, "0", "", v.TransactionID, v.OutTradeNo,
		emutest.TestOpenID, "JSAPI", state, "OTHERS", "CNY", settled, "0.00"}
}

// safeDay moves the clock off the last two minutes of a Beijing day, so
// that a test's trades fall in one day (within the SDK's 5 minutes of skew).
func safeDay(f *payFixture) {
	now := f.Clock.Now().In(beijing)
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 5, 0, beijing)
	if next.Sub(now) < 2*time.Minute {
		f.Clock.Advance(next.Sub(now))
	}
}

// moveTo sets the emulator's clock to at (it only moves forward).
func moveTo(t *testing.T, f *payFixture, at time.Time) {
	t.Helper()
	d := at.Sub(f.Clock.Now())
	if d < 0 {
		t.Fatalf("cannot move the clock back to %s", at)
	}
	f.Clock.Advance(d)
}
