package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wxmp/wxmp/api"
)

// A malformed id in a body gets the same precise 400 as any other rule it
// breaks: a pointer to the field, not a bare "not valid JSON".
func TestAMalformedIDGetsAPointer(t *testing.T) {
	h := newHarness(t)
	token := h.login("alice").Token
	for _, id := range []string{"null", "", "12345", "g0000000-0000-7000-8000-000000000000"} {
		var p api.Problem
		res := h.do("POST", "/v1/orders", token, json.RawMessage(`{"items":[{"product_id":"`+id+`","quantity":1}]}`), &p)
		if res.StatusCode != 400 || p.Code != api.ProblemCodeInvalidRequest || p.Errors == nil || len(*p.Errors) != 1 || !strings.Contains((*p.Errors)[0].Detail, "not a UUID") ||
			(*p.Errors)[0].Pointer == nil || *(*p.Errors)[0].Pointer != "/items/0/product_id" {
			t.Errorf("product_id %q: %d %+v", id, res.StatusCode, p)
		}
	}
	var p api.Problem
	if res := h.do("GET", "/v1/orders/not-a-uuid", token, nil, &p); res.StatusCode != 400 || p.Errors == nil ||
		(*p.Errors)[0].Pointer == nil || *(*p.Errors)[0].Pointer != "path:orderId" {
		t.Errorf("a malformed path id: %d %+v", res.StatusCode, p)
	}
}

// The validator and the strict decoder read only a body's first JSON
// value: what follows it must not be ignored silently.
func TestABodyWithMoreThanOneJSONValueIsRefused(t *testing.T) {
	h := newHarness(t)
	for _, body := range []string{`{"code":"0a1b2c3d"}?`, `{"code":"0a1b2c3d"} {"code":"x"}`, `{"code":"0a1b2c3d"}]`} {
		req, err := http.NewRequest("POST", h.url+"/v1/auth/login", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		var p api.Problem
		res := h.send(req, &p)
		if res.StatusCode != 400 || p.Code != api.ProblemCodeInvalidRequest || p.Errors == nil || (*p.Errors)[0].Detail != "something follows the JSON value" {
			t.Errorf("%s: %d %+v", body, res.StatusCode, p)
		}
	}
}
