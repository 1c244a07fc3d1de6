package console

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	assetRef     = regexp.MustCompile(`(?:src|href)="(/console/[^"]+)"`)
	scriptTag    = regexp.MustCompile(`<script\b[^>]*>`)
	inlineStyles = regexp.MustCompile(`<style\b|\sstyle="`)
)

// Both built consoles: the page for every app route, every file it names,
// and nothing the Content-Security-Policy would block.
func TestConsolesServeTheirBuild(t *testing.T) {
	for name, h := range map[string]http.Handler{"operator": Operator(), "emulator": Emulator()} {
		t.Run(name, func(t *testing.T) {
			index := get(t, h, http.MethodGet, "/console/", nil)
			if index.Code != http.StatusOK || !strings.HasPrefix(index.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("GET /console/: %d %q", index.Code, index.Header().Get("Content-Type"))
			}
			page := index.Body.String()
			if !strings.Contains(page, `<div id="app">`) {
				t.Fatalf("GET /console/ is not the %s app's page:\n%s", name, page)
			}
			if csp := index.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP %q", csp)
			}
			if cc := index.Header().Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("the page's Cache-Control is %q, want no-cache (a deploy must show at once)", cc)
			}
			for _, tag := range scriptTag.FindAllString(page, -1) {
				if !strings.Contains(tag, " src=") {
					t.Errorf("inline script %s: the CSP blocks it", tag)
				}
			}
			if inlineStyles.MatchString(page) {
				t.Errorf("inline style in the page: the CSP blocks it")
			}

			refs := assetRef.FindAllStringSubmatch(page, -1)
			if len(refs) < 2 {
				t.Fatalf("the page names %d files, want its script and style", len(refs))
			}
			for _, ref := range refs {
				rec := get(t, h, http.MethodGet, ref[1], nil)
				if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
					t.Fatalf("GET %s: %d, %d bytes", ref[1], rec.Code, rec.Body.Len())
				}
				if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
					t.Errorf("GET %s: Cache-Control %q, want immutable (hashed name)", ref[1], cc)
				}
				ct := rec.Header().Get("Content-Type")
				if !strings.HasPrefix(ct, "text/javascript") && !strings.HasPrefix(ct, "text/css") {
					t.Errorf("GET %s: Content-Type %q", ref[1], ct)
				}
				again := get(t, h, http.MethodGet, ref[1], map[string]string{"If-None-Match": rec.Header().Get("ETag")})
				if again.Code != http.StatusNotModified {
					t.Errorf("GET %s with its ETag: %d, want 304", ref[1], again.Code)
				}
			}
		})
	}
}

func TestConsoleRoutes(t *testing.T) {
	h := Operator()
	page := get(t, h, http.MethodGet, "/console/", nil).Body.String()
	for _, p := range []string{"/console/orders/6b1d5c5e-8f0e-4c44-9d7c-1c2b3a4d5e6f", "/console/attention", "/console/refund-requests", "/console/products?x=1", "/console"} {
		rec := get(t, h, http.MethodGet, p, nil)
		if rec.Code != http.StatusOK || rec.Body.String() != page {
			t.Errorf("GET %s: %d, want the app's page", p, rec.Code)
		}
	}
	for _, p := range []string{"/console/assets/gone-123.js", "/console/favicon.ico", "/console/../go.mod", "/console/%2e%2e/console.go"} {
		if rec := get(t, h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (never the page for a missing file)", p, rec.Code)
		}
	}
	rec := get(t, h, http.MethodPost, "/console/", nil)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /console/: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	if rec := get(t, h, http.MethodHead, "/console/", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD /console/: %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestLoadNeedsAnIndex(t *testing.T) {
	fsys := fstest.MapFS{"dist/x/assets/a.js": {Data: []byte("1")}}
	if _, err := load(fsys, "dist/x"); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Fatalf("load without index.html: %v", err)
	}
}
