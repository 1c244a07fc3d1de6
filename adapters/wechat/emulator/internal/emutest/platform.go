package emutest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The platform APIs that take ?access_token= and a JSON body (the phone
// number, subscribe messages), called on any fixture.

// Platform POSTs body to path with a valid stable token and returns
// WeChat's answer and its body.
func (f *Fixture) Platform(t *testing.T, path, body string) (Reply, []byte) {
	t.Helper()
	return f.PlatformWith(t, f.Token(t, false).AccessToken, path, body)
}

// PlatformWith is Platform with the given access_token ("" leaves it out).
func (f *Fixture) PlatformWith(t *testing.T, token, path, body string) (Reply, []byte) {
	t.Helper()
	u := path
	if token != "" {
		u += "?access_token=" + url.QueryEscape(token)
	}
	r, resp, b := f.WeChat(t, http.MethodPost, u, body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	return r, b
}

// MustPlatform calls a platform API that must answer errcode 0, errmsg
// "ok".
func (f *Fixture) MustPlatform(t *testing.T, path, body string) []byte {
	t.Helper()
	r, b := f.Platform(t, path, body)
	if r.ErrCode == nil || r.Code() != 0 || r.ErrMsg != "ok" {
		t.Fatalf("%s %s: %s", path, body, b)
	}
	return b
}
