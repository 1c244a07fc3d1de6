package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPanicBecomesLoggedProblem(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := recoverer(log)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal state")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/me", nil))

	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 500 || p.Code != ProblemCodeInternal {
		t.Fatalf("got %d %q", rec.Code, p.Code)
	}
	if strings.Contains(rec.Body.String(), "secret internal state") {
		t.Fatal("panic value reached the client")
	}
	if !strings.Contains(logs.String(), "secret internal state") {
		t.Fatal("panic was not logged")
	}
}
