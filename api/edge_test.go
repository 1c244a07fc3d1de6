package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
)

func TestRequestsOutsideTheContractAreProblems(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  api.ProblemCode
	}{
		{"empty code", "POST", "/v1/auth/login", "application/json", `{"code":""}`, 400, api.ProblemCodeInvalidRequest},
		{"missing code", "POST", "/v1/auth/login", "application/json", `{}`, 400, api.ProblemCodeInvalidRequest},
		{"code too long", "POST", "/v1/auth/login", "application/json", `{"code":"` + strings.Repeat("a", 129) + `"}`, 400, api.ProblemCodeInvalidRequest},
		{"unknown field", "POST", "/v1/auth/login", "application/json", `{"code":"abc","price":1}`, 400, api.ProblemCodeInvalidRequest},
		{"wrong type", "POST", "/v1/auth/login", "application/json", `{"code":42}`, 400, api.ProblemCodeInvalidRequest},
		{"not JSON", "POST", "/v1/auth/login", "application/json", `{"code":`, 400, api.ProblemCodeInvalidRequest},
		{"no body", "POST", "/v1/auth/login", "application/json", ``, 400, api.ProblemCodeInvalidRequest},
		{"form body", "POST", "/v1/auth/login", "application/x-www-form-urlencoded", `code=abc`, 415, api.ProblemCodeUnsupportedMediaType},
		{"oversized body", "POST", "/v1/auth/login", "application/json", `{"code":"` + strings.Repeat("a", api.MaxBodyBytes) + `"}`, 413, api.ProblemCodePayloadTooLarge},
		{"unknown path", "GET", "/v1/nothing", "", "", 404, api.ProblemCodeNotFound},
		{"wrong method", "DELETE", "/v1/me", "", "", 405, api.ProblemCodeMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, h.url+c.path, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			var p api.Problem
			res := h.send(req, &p)
			wantProblem(t, res, p, c.status, c.code)
			if c.status == 400 && (p.Errors == nil || len(*p.Errors) == 0) {
				t.Error("invalid_request without errors[]")
			}
		})
	}
}

// A secured route with no token is refused before its body is looked at.
func TestAuthenticationComesBeforeValidation(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequest("POST", h.url+"/v1/auth/logout", strings.NewReader(`{"junk":`))
	req.Header.Set("Content-Type", "application/json")
	var p api.Problem
	res := h.send(req, &p)
	wantProblem(t, res, p, http.StatusUnauthorized, api.ProblemCodeUnauthorized)
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	var health api.Health
	if res := h.do("GET", "/healthz", "", nil, &health); res.StatusCode != 200 || health.Status != api.Ok {
		t.Fatalf("healthz: %d %+v", res.StatusCode, health)
	}
	if res := h.do("GET", "/readyz", "", nil, &health); res.StatusCode != 200 {
		t.Fatalf("readyz with database: %d", res.StatusCode)
	}
}

// When the database is gone, a valid token must not look revoked (401 would
// log every user out); the client gets a 500 and readiness says 503.
func TestDatabaseDown(t *testing.T) {
	h := newHarness(t)
	tok := h.login("gina").Token
	h.pool.Close()

	var p api.Problem
	res := h.do("GET", "/v1/me", tok, nil, &p)
	wantProblem(t, res, p, http.StatusInternalServerError, api.ProblemCodeInternal)
	if strings.Contains(*p.Detail, "pool") || strings.Contains(*p.Detail, "closed") {
		t.Errorf("detail leaks internals: %s", *p.Detail)
	}
	res = h.do("GET", "/readyz", "", nil, &p)
	wantProblem(t, res, p, http.StatusServiceUnavailable, api.ProblemCodeNotReady)
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	// Liveness does not depend on the database.
	if res := h.do("GET", "/healthz", "", nil, nil); res.StatusCode != 200 {
		t.Fatalf("healthz: %d", res.StatusCode)
	}
	if !strings.Contains(h.logs.String(), "request failed") {
		t.Error("the 500 was not logged")
	}
}

func TestRequestIDIsEchoedOnlyWhenSane(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequest("GET", h.url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	if got := h.send(req, nil).Header.Get("X-Request-Id"); got != "abc-123" {
		t.Fatalf("X-Request-Id = %q", got)
	}
	req.Header.Set("X-Request-Id", "evil\"id with spaces")
	if got := h.send(req, nil).Header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("X-Request-Id = %q, want a generated id", got)
	}
}

// A client that hangs up is not a server error: no ERROR log, no 500,
// counted as 499.
func TestClientHangUpIsNotAServerError(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, Delay: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := newJSONRequest(t, "POST", h.url+"/v1/orders", api.PlaceOrderRequest{Items: []api.OrderItemRequest{{ProductId: products[0].Id, Quantity: 1}}})
	req.Header.Set("Authorization", "Bearer "+token)
	if _, err := http.DefaultClient.Do(req.WithContext(ctx)); err == nil {
		t.Fatal("the request was answered before the client gave up")
	}
	waitUntil(t, func() bool {
		return h.metric("wxmp_http_requests_total", map[string]string{"route": "/v1/orders", "status": "499"}) == 1
	})
	if strings.Contains(h.logs.String(), "level=ERROR") {
		t.Fatalf("a hang-up was logged as an error:\n%s", h.logs.String())
	}
	if n := h.metric("wxmp_http_requests_total", map[string]string{"route": "/v1/orders", "status": "500"}); n != 0 {
		t.Fatalf("counted as a 500: %v", n)
	}
}
