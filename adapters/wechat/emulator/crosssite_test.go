package emulator_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

// A page of another site cannot press the emulator's buttons; programs and
// the emulator's own console can.
func TestControlAPIRefusesCrossSiteRequests(t *testing.T) {
	f := start(t, emulator.Config{})
	post := func(header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", f.srv.URL+"/emulator/login-codes", strings.NewReader(`{"user":"alice"}`))
		req.Header.Set("Content-Type", "text/plain") // what a cross-site form or simple fetch may send
		for k, v := range header {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	self := f.srv.URL // http://127.0.0.1:port
	for _, h := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Origin": "http://localhost:1"},
		{"Origin": "null"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site", "Origin": self},
		{"Host": "rebound.example:8081", "Origin": "http://rebound.example:8081"}, // DNS rebinding
	} {
		if code := post(h); code != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", h, code)
		}
	}
	if _, ok := f.emu.User("alice"); ok {
		t.Errorf("a refused request minted a code (alice exists)")
	}
	for _, h := range []map[string]string{
		nil, // curl, Go, Node, wx.request
		{"Origin": self, "Sec-Fetch-Site": "same-origin"}, // the emulator's console
		{"Sec-Fetch-Site": "none"},
		{"Host": "localhost"},
	} {
		if code := post(h); code != http.StatusCreated {
			t.Errorf("%v: status %d, want 201", h, code)
		}
	}
	// Reading stays open to any page (it changes nothing).
	req, _ := http.NewRequest("GET", f.srv.URL+"/emulator/users/alice", nil)
	req.Header.Set("Origin", "https://evil.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET with a foreign Origin: %d", res.StatusCode)
	}
}
