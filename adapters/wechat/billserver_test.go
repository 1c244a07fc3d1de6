package wechat

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

const billMchSerial = "3775B6A45ACD588826D15E583A95F5DD3B1E7F2A"

// billServer stands in for WeChat Pay's bill API (§15), without the
// emulator: the apply answers signed by testKeys' public key, the
// download answers the gzip file with no Wechatpay-* header at all, and
// both refuse a request whose Authorization the merchant's key does not
// verify (401 SIGN_ERROR, as WeChat does).
type billServer struct {
	srv *httptest.Server
	mu  sync.Mutex
	// What the next answers hold; zero values mean a good bill.
	applyStatus int
	applyBody   string // overrides the answer built from the fields below
	applyUnsign bool   // sign the apply's answer with a stranger's key
	hashType    string
	hash        string                      // "": the SHA1 of file
	downloadURL string                      // "": this server's
	file        string                      // uncompressed
	download    func(w http.ResponseWriter) // overrides the download's answer
	// What it saw.
	requests []string // "METHOD path?query"
	badAuth  []string
}

func newBillServer(t *testing.T) *billServer {
	b := &billServer{file: fixture(t, "all.csv")}
	v := verifiers.NewSHA256WithRSAPubkeyVerifier(billMchSerial, testKeys().mch.PublicKey)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.requests = append(b.requests, r.Method+" "+r.URL.RequestURI())
		if err := checkAuthorization(r, v); err != nil {
			b.badAuth = append(b.badAuth, r.URL.RequestURI()+": "+err.Error())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":"SIGN_ERROR","message":"Http头Authorization值格式错误"}`))
			return
		}
		switch r.URL.Path {
		case "/v3/bill/tradebill":
			b.apply(t, w)
		case "/v3/billdownload/file":
			if b.download != nil {
				b.download(w)
				return
			}
			w.Header().Set("Content-Type", "application/x-gzip")
			_, _ = w.Write(gzipped(t, b.file))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *billServer) apply(t *testing.T, w http.ResponseWriter) {
	if b.applyStatus/100 == 4 || b.applyStatus/100 == 5 { // error answers are not signed
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.applyStatus)
		_, _ = w.Write([]byte(b.applyBody))
		return
	}
	body := []byte(b.applyBody)
	if b.applyBody == "" {
		a := billAnswer{HashType: "SHA1", HashValue: b.hash, DownloadURL: b.downloadURL}
		if a.HashValue == "" {
			s := sha1.Sum([]byte(b.file))
			a.HashValue = hex.EncodeToString(s[:])
		}
		if b.hashType != "" {
			a.HashType = b.hashType
		}
		if a.DownloadURL == "" {
			a.DownloadURL = b.srv.URL + "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO&tartype=gzip"
		}
		body, _ = json.Marshal(a)
	}
	k := testKeys()
	key := k.pub
	if b.applyUnsign {
		key = k.other
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
	sig, err := utils.SignSHA256WithRSA(ts+"\n"+nonce+"\n"+string(body)+"\n", key)
	if err != nil {
		t.Error(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", k.pubID)
	h.Set("Wechatpay-Signature", sig)
	_, _ = w.Write(body)
}

// checkAuthorization verifies the request's Authorization over
// METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n (the bodies here are empty).
func checkAuthorization(r *http.Request, v *verifiers.SHA256WithRSAPubkeyVerifier) error {
	scheme, params, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != "WECHATPAY2-SHA256-RSA2048" {
		return errors.New("no WECHATPAY2-SHA256-RSA2048 Authorization")
	}
	f := map[string]string{}
	for _, m := range authParam.FindAllStringSubmatch(params, -1) {
		f[m[1]] = m[2]
	}
	if f["mchid"] != testMchID || f["serial_no"] != billMchSerial {
		return errors.New("wrong mchid or serial_no")
	}
	return v.Verify(r.Context(), billMchSerial, r.Method+"\n"+r.URL.RequestURI()+"\n"+f["timestamp"]+"\n"+f["nonce_str"]+"\n\n", f["signature"])
}

func (b *billServer) set(fn func(*billServer)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(b)
}

func (b *billServer) seen() (requests, badAuth []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...), append([]string(nil), b.badAuth...)
}

func gzipped(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// billPay is fuzzPay with a timeout of its own.
func billPay(t *testing.T, base string, timeout time.Duration) *Pay {
	k := testKeys()
	p, err := NewPay(PayConfig{BaseURL: base, AppID: testAppID, MchID: testMchID, MchCertSerial: billMchSerial,
		MchPrivateKey: k.mch, APIv3Key: k.apiV3, PublicKeyID: k.pubID, PublicKey: &k.pub.PublicKey,
		PlatformCerts: []*x509.Certificate{k.cert}, NotifyURL: "http://127.0.0.1:2/pay/notify", Timeout: timeout}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
