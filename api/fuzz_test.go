package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/api/apitest"
)

// Fuzz targets for the request bodies of the buyer's and the operator's
// API. Each body goes through the whole service of one harness per target
// (router, validator, strict decode, handler, use case, Postgres, the
// emulator), and whatever it is:
//
//   - the answer is 2xx or 4xx, never 5xx (a panic is a 5xx too: the
//     recoverer answers it);
//   - a 4xx is application/problem+json with a stable code (one of the
//     spec's ProblemCode values) and its own status;
//   - the answer matches openapi.yaml (apitest's client).
//
// Seeds (testdata/fuzz, written by fuzzseeds_test.go) are the bodies the
// mini-program and the console send. They name the harness's resources
// with placeholders, replaced before sending: {tea} and {mug} are the
// catalog's product ids, {code} a fresh wx.login code.

// bodyDoor is one operation whose body is fuzzed.
type bodyDoor struct {
	h            *harness
	method, path string
	bearer       string
	ids          *strings.Replacer
	inputs       *inputT
	client       *http.Client
}

// newBodyDoor builds the harness and its catalog (two products with
// stock for every input of a long run) for one target.
func newBodyDoor(f *testing.F) (*bodyDoor, string) {
	h := newHarness(f)
	buyer, products := h.shop(1_000_000_000)
	ids := map[string]string{}
	for _, p := range products {
		ids[map[string]string{"乌龙茶": "{tea}", "马克杯": "{mug}"}[p.Name]] = p.Id.String()
	}
	in := &inputT{TB: f}
	return &bodyDoor{h: h, inputs: in, client: apitest.Client(in),
		ids: strings.NewReplacer("{tea}", ids["{tea}"], "{mug}", ids["{mug}"])}, buyer
}

// inputT hands the failures of the client, built once per target, to the
// input being run: a fuzz process runs its inputs one at a time.
type inputT struct {
	testing.TB // the target's *testing.F, until an input runs
	mu         sync.Mutex
	cur        *testing.T
}

func (in *inputT) Helper() {}

func (in *inputT) Errorf(format string, args ...any) {
	in.mu.Lock()
	t := in.cur
	in.mu.Unlock()
	if t == nil {
		in.TB.Errorf(format, args...)
		return
	}
	t.Errorf(format, args...)
}

func (in *inputT) running(t *testing.T) {
	in.mu.Lock()
	in.cur = t
	in.mu.Unlock()
}

// send sends body (placeholders replaced) with an Idempotency-Key, if any,
// and checks the answer.
func (d *bodyDoor) send(t *testing.T, idempotencyKey string, body []byte) {
	if !validHeaderValue(idempotencyKey) {
		return // not a request a client can send
	}
	b := d.ids.Replace(string(body))
	if strings.Contains(b, "{code}") {
		code, err := d.h.emu.MintCode("buyer-" + uuid.NewString()[:8])
		if err != nil {
			t.Fatal(err)
		}
		b = strings.ReplaceAll(b, "{code}", code.Code)
	}
	req, err := http.NewRequest(d.method, d.h.url+d.path, strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if d.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+d.bearer)
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	d.inputs.running(t)
	defer d.inputs.running(nil)
	res, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s → %d %.200s", d.method, d.path, res.StatusCode, answer)
	switch res.StatusCode / 100 {
	case 2:
		return
	case 4:
	default:
		logs := d.h.logs.String()
		t.Fatalf("%s %s answered %d to %q: %s\nlast logs:\n%s", d.method, d.path, res.StatusCode, b, answer, logs[max(0, len(logs)-3000):])
	}
	var p api.Problem
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%d with Content-Type %q", res.StatusCode, ct)
	}
	if err := json.Unmarshal(answer, &p); err != nil || !p.Code.Valid() || p.Status != res.StatusCode {
		t.Fatalf("%d answered with problem %s (%v)", res.StatusCode, answer, err)
	}
}

// validHeaderValue is what net/http lets a client send in a header.
func validHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzLoginBody: POST /v1/auth/login, as the mini-program sends it after
// wx.login; {code} is a code the emulator just minted.
func FuzzLoginBody(f *testing.F) {
	d, _ := newBodyDoor(f)
	d.method, d.path = http.MethodPost, "/v1/auth/login"
	f.Fuzz(func(t *testing.T, body []byte) { d.send(t, "", body) })
}

// FuzzPlaceOrderBody: POST /v1/orders by a logged-in buyer, with an
// Idempotency-Key; a valid body reaches WeChat Pay's prepay (the emulator).
func FuzzPlaceOrderBody(f *testing.F) {
	d, buyer := newBodyDoor(f)
	d.method, d.path, d.bearer = http.MethodPost, "/v1/orders", buyer
	f.Fuzz(func(t *testing.T, idempotencyKey string, body []byte) { d.send(t, idempotencyKey, body) })
}

// FuzzAdminRefundBody: POST /admin/v1/orders/{id}/refunds for a paid
// order (99 of a product), with an Idempotency-Key.
func FuzzAdminRefundBody(f *testing.F) {
	d, _ := newBodyDoor(f)
	_, co := d.h.paidOrder(99)
	d.method, d.path, d.bearer = http.MethodPost, "/admin/v1/orders/"+co.Order.Id.String()+"/refunds", d.h.operatorKey
	f.Fuzz(func(t *testing.T, idempotencyKey string, body []byte) { d.send(t, idempotencyKey, body) })
}

// FuzzAdminCreateProductBody: POST /admin/v1/products.
func FuzzAdminCreateProductBody(f *testing.F) {
	d, _ := newBodyDoor(f)
	d.method, d.path, d.bearer = http.MethodPost, "/admin/v1/products", d.h.operatorKey
	f.Fuzz(func(t *testing.T, body []byte) { d.send(t, "", body) })
}

// FuzzAdminUpdateProductBody: PATCH /admin/v1/products/{id} of the tea.
func FuzzAdminUpdateProductBody(f *testing.F) {
	d, _ := newBodyDoor(f)
	d.method, d.path, d.bearer = http.MethodPatch, "/admin/v1/products/"+d.ids.Replace("{tea}"), d.h.operatorKey
	f.Fuzz(func(t *testing.T, body []byte) { d.send(t, "", body) })
}

// FuzzAdminResolveAttentionBody: POST /admin/v1/attention/{id}/resolve of
// a real item: a payment notification with the wrong amount, which the
// service records as suspicious for a person.
func FuzzAdminResolveAttentionBody(f *testing.F) {
	d, _ := newBodyDoor(f)
	h := d.h
	_, co := h.pendingCheckout()
	header, body, err := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) {
		m["amount"].(map[string]any)["total"] = 1
	})})
	if err != nil {
		f.Fatal(err)
	}
	h.postNotification(header, body)
	var list api.AttentionList
	if res := h.do("GET", "/admin/v1/attention", h.operatorKey, nil, &list); res.StatusCode != 200 || len(list.Items) != 1 {
		f.Fatalf("attention: %d %+v", res.StatusCode, list)
	}
	d.method, d.path, d.bearer = http.MethodPost, "/admin/v1/attention/"+strconv.FormatInt(list.Items[0].Id, 10)+"/resolve", h.operatorKey
	f.Fuzz(func(t *testing.T, body []byte) { d.send(t, "", body) })
}

// Text with U+0000 cannot be stored by PostgreSQL; in a query it is
// refused like in a body (seed-nul-* in testdata/fuzz), not a 500.
func TestNULInAQueryIsRefused(t *testing.T) {
	h := newHarness(t)
	for _, q := range []string{"out_trade_no=%00", "openid=o%00U"} {
		var p api.Problem
		res := h.do("GET", "/admin/v1/orders?"+q, h.operatorKey, nil, &p)
		wantProblem(t, res, p, http.StatusBadRequest, api.ProblemCodeInvalidRequest)
		if name, _, _ := strings.Cut(q, "="); p.Errors == nil || (*p.Errors)[0].Pointer == nil || *(*p.Errors)[0].Pointer != "query:"+name {
			t.Errorf("%s: errors %+v", q, p.Errors)
		}
	}
}
