package wechat

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/domain"
)

// Fuzz targets for WeChat's answers: a fuzzed body, with a fuzzed HTTP
// status, comes back from an httptest server to the real client. WeChat
// Pay's answers are signed with the test public key (or, when signed is
// false, by a stranger), so the fuzzer reaches the parsers behind the
// signature check. Seeds: testdata/fuzz (fuzzseeds_test.go).

// answerServer answers every request with the current input. Inputs run
// one after another in a fuzz process, so one server serves a whole target.
type answerServer struct {
	mu     sync.Mutex
	status int
	signed bool
	body   []byte
	url    string
}

func newAnswerServer(tb testing.TB, pay bool) *answerServer {
	a := &answerServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		status, signed, body := a.status, a.signed, a.body
		a.mu.Unlock()
		h := w.Header()
		h.Set("Request-Id", "08F78BB5AF0D11EF9B8D0242AC110002")
		if !pay { // code2session answers JSON as text/plain, unsigned
			h.Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			_, _ = w.Write(body)
			return
		}
		k := testKeys()
		key := k.pub
		if !signed {
			key = k.other
		}
		ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
		sig, err := utils.SignSHA256WithRSA(ts+"\n"+nonce+"\n"+string(body)+"\n", key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusTeapot)
			return
		}
		h.Set("Content-Type", "application/json")
		h.Set("Wechatpay-Timestamp", ts)
		h.Set("Wechatpay-Nonce", nonce)
		h.Set("Wechatpay-Serial", k.pubID)
		h.Set("Wechatpay-Signature", sig)
		h.Set("Wechatpay-Signature-Type", notifySignatureType)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

// answer sets the next answer; a status outside 200-599 is folded into it.
func (a *answerServer) answer(status uint16, signed bool, body []byte) int {
	s := int(status)
	if s < 200 || s > 599 {
		s = 200 + s%400
	}
	a.mu.Lock()
	a.status, a.signed, a.body = s, signed, body
	a.mu.Unlock()
	return s
}

// checkPayError: a refusal wraps one of the domain's payment errors and
// says nothing of WeChat's answer but a bounded, clean status, code and
// message (call's promise).
func checkPayError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, domain.ErrPaymentUnavailable) && !errors.Is(err, domain.ErrPaymentRejected) && !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("error %v wraps no domain payment error", err)
	}
	checkForeignText(t, "error", err.Error(), testKeys().apiV3)
}

// FuzzQueryOrderAnswer: whatever WeChat answers a query, QueryOrder does
// not panic; it accepts only a signed 2xx about the order asked, with a
// trade_state, and returns what WeChat signed.
func FuzzQueryOrderAnswer(f *testing.F) {
	srv := newAnswerServer(f, true)
	p := fuzzPay(f, srv.url)
	const asked = "ORDER_20250301_0001"
	f.Fuzz(func(t *testing.T, status uint16, signed bool, body []byte) {
		code := srv.answer(status, signed, body)
		tx, err := p.QueryOrder(t.Context(), asked)
		if err != nil {
			checkPayError(t, err)
			return
		}
		if code/100 != 2 || !signed {
			t.Fatalf("accepted an answer with status %d, signed %v: %+v", code, signed, tx)
		}
		if tx.OutTradeNo != asked || tx.State == "" {
			t.Fatalf("accepted a transaction of %q with trade_state %q", tx.OutTradeNo, tx.State)
		}
		var sent txnSent
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("accepted an answer that does not decode: %v", err)
		}
		sent.check(t, tx, body)
	})
}

// FuzzRefundAnswer: the same for the answers of create refund and query
// refund; an accepted report is about the refund asked (and, for a create,
// the order asked), in a status of §9, as WeChat signed it.
func FuzzRefundAnswer(f *testing.F) {
	srv := newAnswerServer(f, true)
	p := fuzzPay(f, srv.url)
	req := domain.RefundRequest{OutTradeNo: "ORDER_20250301_0001", OutRefundNo: "RF_20250301_0001", Reason: "商品已售完", RefundFen: 500, TotalFen: 1999}
	f.Fuzz(func(t *testing.T, status uint16, signed, create bool, body []byte) {
		code := srv.answer(status, signed, body)
		var (
			rep domain.RefundReport
			err error
		)
		if create {
			rep, err = p.CreateRefund(t.Context(), req)
		} else {
			rep, err = p.QueryRefund(t.Context(), req.OutRefundNo)
		}
		if err != nil {
			checkPayError(t, err)
			return
		}
		if code/100 != 2 || !signed {
			t.Fatalf("accepted an answer with status %d, signed %v: %+v", code, signed, rep)
		}
		checkRefundReport(t, rep)
		if rep.OutRefundNo != req.OutRefundNo || (create && rep.OutTradeNo != req.OutTradeNo) {
			t.Fatalf("accepted a report about %q of %q", rep.OutRefundNo, rep.OutTradeNo)
		}
		var sent refundSent
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("accepted an answer that does not decode: %v", err)
		}
		sent.check(t, rep, deref(sent.Status), body)
	})
}

// FuzzCode2SessionAnswer: whatever code2session answers, Code2Session does
// not panic; it accepts only a 200 with an openid and a well-formed
// session_key, and its errors wrap a domain error and never carry the app
// secret.
func FuzzCode2SessionAnswer(f *testing.F) {
	srv := newAnswerServer(f, false)
	a, err := NewAuth(AuthConfig{BaseURL: srv.url, AppID: testAppID, Secret: testSecret, Timeout: 5 * time.Second, RetryBackoff: time.Microsecond}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		code := srv.answer(status, false, body)
		id, err := a.Code2Session(t.Context(), "0a3Xyz000abcDE1Fghi200ijkl3Xyz0m")
		if err != nil {
			if !errors.Is(err, domain.ErrInvalidCode) && !errors.Is(err, domain.ErrRateLimited) &&
				!errors.Is(err, domain.ErrUserBlocked) && !errors.Is(err, domain.ErrWeChatUnavailable) {
				t.Fatalf("error %v wraps no domain error", err)
			}
			if msg := err.Error(); len(msg) > 1024 || strings.Contains(msg, testSecret) || strings.Contains(msg, url.QueryEscape(testSecret)) {
				t.Fatalf("error leaks the secret or is unbounded: %.300q", msg)
			}
			return
		}
		var sent struct {
			OpenID  string `json:"openid"`
			UnionID string `json:"unionid"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &sent) != nil {
			t.Fatalf("accepted status %d, body %q", code, body)
		}
		if id.OpenID == "" || id.OpenID != sent.OpenID || id.UnionID != sent.UnionID || id.SessionKey.IsZero() {
			t.Fatalf("accepted identity %+v from %q", id, body)
		}
	})
}
