package apitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// recorder captures Errorf instead of failing, to test the checker itself.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func TestClientFlagsResponsesThatBreakTheContract(t *testing.T) {
	cases := []struct {
		name, path, contentType, body string
		status                        int
		wantErr                       bool
	}{
		{"valid health", "/healthz", "application/json", `{"status":"ok"}`, 200, false},
		{"wrong enum", "/healthz", "application/json", `{"status":"fine"}`, 200, true},
		{"undeclared status", "/healthz", "application/json", `{"status":"ok"}`, 201, true},
		{"missing required field", "/v1/me", "application/json", `{"openid":"o"}`, 200, true},
		{"problem with unknown code", "/v1/me", "application/problem+json", `{"type":"t","title":"t","status":401,"code":"nope"}`, 401, true},
		{"valid problem", "/v1/me", "application/problem+json", `{"type":"t","title":"t","status":401,"code":"unauthorized"}`, 401, false},
		{"unknown route, problem", "/nowhere", "application/problem+json", `{"type":"t","title":"t","status":404,"code":"not_found"}`, 404, false},
		{"unknown route, plain text", "/nowhere", "text/plain", `404 page not found`, 404, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				w.WriteHeader(c.status)
				fmt.Fprint(w, c.body)
			}))
			defer srv.Close()
			rec := &recorder{TB: t}
			client := Client(rec)
			res, err := client.Get(srv.URL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := len(rec.errs) > 0; got != c.wantErr {
				t.Fatalf("flagged = %v, want %v (%v)", got, c.wantErr, rec.errs)
			}
		})
	}
}
