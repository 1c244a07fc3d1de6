package emutest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
)

// The merchant's notify endpoint, as the SDK verifies and decrypts.

// Received is one notification as the merchant's endpoint saw it.
type Received struct {
	Header http.Header
	Body   []byte
	Req    *notify.Request // nil if the SDK refused it
	Txn    payments.Transaction
	Err    error // why the SDK refused it
}

// Receiver is a merchant's notify endpoint that verifies and decrypts with
// the SDK. answer picks the status for the n-th notification (from 1);
// nil answers 204 to what verifies and 400 to the rest.
type Receiver struct {
	URL string
	Srv *httptest.Server
	mu  sync.Mutex
	got []Received
}

func (f *PayFixture) Receiver(t *testing.T, answer func(n int, r Received) int) *Receiver {
	t.Helper()
	rc := &Receiver{}
	h := notify.NewNotifyHandler(f.Keys.APIv3Key, f.Verifier())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		got := Received{Header: r.Header.Clone(), Body: body}
		got.Req, got.Err = h.ParseNotifyRequest(r.Context(), r, &got.Txn)
		if got.Err != nil {
			got.Req = nil
		}
		rc.mu.Lock()
		rc.got = append(rc.got, got)
		n := len(rc.got)
		rc.mu.Unlock()
		status := http.StatusNoContent
		switch {
		case answer != nil:
			status = answer(n, got)
		case got.Err != nil:
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status != http.StatusNoContent {
			_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": "receiver said so"})
		}
	}))
	// The emulator stops delivering before the receiver goes away.
	t.Cleanup(func() { f.Emu.Close(); srv.Close() })
	rc.URL, rc.Srv = srv.URL+"/wechatpay/notify", srv
	return rc
}

func (rc *Receiver) All() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.got...)
}

// Parse hands a notification to the SDK as the merchant's endpoint would.
func (f *PayFixture) Parse(t *testing.T, h http.Header, body []byte) (*notify.Request, payments.Transaction, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/wechatpay/notify", bytes.NewReader(body))
	r.Header = h
	var txn payments.Transaction
	req, err := notify.NewNotifyHandler(f.Keys.APIv3Key, f.Verifier()).ParseNotifyRequest(t.Context(), r, &txn)
	return req, txn, err
}
