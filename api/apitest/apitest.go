// Package apitest checks, from the client's side, that every response the
// server sends matches openapi.yaml: tests use its client instead of a plain
// one, so a handler cannot drift from the contract without a test failing.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Client returns an *http.Client whose every response is validated against
// the contract; a mismatch fails t. Undeclared status codes are mismatches.
//
// It reads openapi.yaml itself rather than the copy embedded in the
// generated code, which leaves out operations excluded from generation
// (the raw payment notification route).
func Client(t testing.TB) *http.Client {
	t.Helper()
	spec, err := loadContract()
	if err != nil {
		t.Fatalf("load contract: %v", err)
	}
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatalf("contract router: %v", err)
	}
	return &http.Client{Transport: &validating{t: t, spec: spec, router: router, next: http.DefaultTransport}}
}

// loadContract finds openapi.yaml at the module root, above the test's
// working directory.
func loadContract() (*openapi3.T, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
	spec, err := openapi3.NewLoader().LoadFromFile(filepath.Join(dir, "openapi.yaml"))
	if err != nil {
		return nil, err
	}
	return spec, spec.Validate(context.Background())
}

type validating struct {
	t      testing.TB
	spec   *openapi3.T
	router routers.Router
	next   http.RoundTripper
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err := v.check(req, res, body); err != nil {
		v.t.Errorf("response breaks openapi.yaml: %s %s → %d: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
	return res, nil
}

func (v *validating) check(req *http.Request, res *http.Response, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		// Not in the contract (unknown path or method): the server must still
		// answer with a problem document.
		return v.checkProblem(res, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  res.StatusCode,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func (v *validating) checkProblem(res *http.Response, body []byte) error {
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Errorf("undeclared route answered with Content-Type %q, want application/problem+json", ct)
	}
	schema := v.spec.Components.Schemas["Problem"].Value
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	return schema.VisitJSON(doc)
}
