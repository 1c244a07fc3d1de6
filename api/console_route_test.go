package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The console's own errors read like the rest of the server's: a missing
// asset and a POST get problem+json, not plain text.
func TestConsoleErrorsAreProblems(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/console/assets/gone-1234.js", http.StatusNotFound, "not_found"},
		{"POST", "/console/", http.StatusMethodNotAllowed, "method_not_allowed"},
	} {
		req, _ := http.NewRequest(c.method, h.url+c.path, strings.NewReader(""))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ Code string }
		_ = json.NewDecoder(res.Body).Decode(&p)
		res.Body.Close()
		if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || p.Code != c.code {
			t.Errorf("%s %s: %d %q code %q, want %d problem %s", c.method, c.path, res.StatusCode, res.Header.Get("Content-Type"), p.Code, c.status, c.code)
		}
	}
	// The page itself is still served.
	res, err := http.Get(h.url + "/console/orders")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /console/orders: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
