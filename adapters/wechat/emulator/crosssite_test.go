package emulator_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// A page of another site cannot press the emulator's buttons; programs and
// the emulator's own console can.
func TestControlAPIRefusesCrossSiteRequests(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	post := func(header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", f.Srv.URL+"/emulator/login-codes", strings.NewReader(`{"user":"alice"}`))
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
	self := f.Srv.URL // http://127.0.0.1:port
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
	if _, ok := f.Emu.User("alice"); ok {
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
	req, _ := http.NewRequest("GET", f.Srv.URL+"/emulator/users/alice", nil)
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

// DNS rebinding: a page whose own name was rebound to 127.0.0.1 reaches the
// emulator with that name in Host, and its requests are same-origin to the
// browser. No route answers it: not WeChat's APIs, not the control API's
// reads (the users list holds unused login codes) or writes, not the
// console, not even an unknown path.
// The new buttons (confirm, settle, remind, invalidate the token, verify
// the push URL) are control writes like any other: a page of another site
// cannot press them.
func TestTheShippingAndTokenButtonsRefuseCrossSiteRequests(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "xsite-ship-1")
	f.MustAPI(t, "/wxa/sec/order/upload_shipping_info", emutest.ShipBody(txn, "YT0501", f.Clock.Now()))
	tok := f.Token(t, false).AccessToken
	for _, path := range []string{"/emulator/shipping/" + txn.TransactionID + "/confirm", "/emulator/shipping/" + txn.TransactionID + "/settle",
		"/emulator/shipping/" + txn.TransactionID + "/remind", "/emulator/token/invalidate", "/emulator/push/verify"} {
		req, _ := http.NewRequest("POST", f.Srv.URL+path, nil)
		req.Header.Set("Origin", "https://evil.example")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s from another site: %d, want 403", path, res.StatusCode)
		}
	}
	if o, _ := f.Emu.ShippingOrder(txn.TransactionID); o.State != emulator.ShippingShipped {
		t.Errorf("a refused request moved the order to %d", o.State)
	}
	if s := f.Emu.TokenStatus(); s.Stable == nil || s.Stable.AccessToken != tok {
		t.Error("a refused request invalidated the token")
	}
}

func TestEveryRouteRefusesAForeignHost(t *testing.T) {
	var consoleServed atomic.Bool
	f := emutest.Start(t, emulator.Config{
		Pay:     &emulator.PayConfig{Keys: emutest.PayKeys(t), AllowHTTPNotify: true},
		Console: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { consoleServed.Store(true) }),
		Push:    &emulator.PushConfig{URL: "http://127.0.0.1:1/push", Token: emutest.TestPushToken, EncodingAESKey: emutest.TestPushAESKey},
	})
	t.Cleanup(f.Emu.Close)
	code := f.Mint(t, "alice").Code

	routes := []struct{ method, path, body string }{
		// WeChat's mini-program API
		{"GET", "/sns/jscode2session?appid=" + emutest.TestAppID + "&secret=" + emutest.TestSecret + "&js_code=" + code + "&grant_type=authorization_code", ""},
		{"POST", "/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"` + emutest.TestAppID + `","secret":"` + emutest.TestSecret + `"}`},
		{"GET", "/cgi-bin/token?grant_type=client_credential&appid=" + emutest.TestAppID + "&secret=" + emutest.TestSecret, ""},
		{"GET", "/wxa/checksession", ""},
		// WeChat Pay
		{"POST", "/v3/pay/transactions/jsapi", `{}`},
		{"GET", "/v3/pay/transactions/out-trade-no/T1", ""},
		{"POST", "/v3/refund/domestic/refunds", `{}`},
		{"GET", "/v3/refund/domestic/refunds/R1", ""},
		// order shipping management
		{"POST", "/wxa/sec/order/upload_shipping_info", `{}`},
		{"POST", "/wxa/sec/order/get_order", `{}`},
		{"POST", "/wxa/sec/order/get_order_list", `{}`},
		{"POST", "/wxa/sec/order/notify_confirm_receive", `{}`},
		{"POST", "/wxa/sec/order/set_msg_jump_path", `{"path":"x"}`},
		{"POST", "/wxa/sec/order/is_trade_managed", `{}`},
		{"POST", "/wxa/sec/order/is_trade_management_confirmation_completed", `{}`},
		{"POST", "/cgi-bin/express/delivery/open_msg/get_delivery_list", `{}`},
		// the phone number and subscribe messages
		{"POST", "/wxa/business/getuserphonenumber", `{"code":"x"}`},
		{"POST", "/cgi-bin/message/subscribe/send", `{}`},
		// the control API's reads
		{"GET", "/emulator/users", ""},
		{"GET", "/emulator/users/alice", ""},
		{"GET", "/emulator/faults", ""},
		{"GET", "/emulator/transactions", ""},
		{"GET", "/emulator/transactions/T1", ""},
		{"GET", "/emulator/refunds", ""},
		{"GET", "/emulator/deliveries", ""},
		{"GET", "/emulator/pay/sign-mode", ""},
		{"GET", "/emulator/token", ""},
		{"GET", "/emulator/shipping", ""},
		{"GET", "/emulator/pushes", ""},
		{"GET", "/emulator/phone-codes", ""},
		{"GET", "/emulator/phone/country-code-type", ""},
		{"GET", "/emulator/users/alice/phone", ""},
		{"GET", "/emulator/subscribe-templates", ""},
		{"GET", "/emulator/subscriptions?user=alice", ""},
		{"GET", "/emulator/messages?user=alice", ""},
		// ... and writes
		{"POST", "/emulator/login-codes", `{"user":"mallory"}`},
		{"POST", "/emulator/faults", `{"endpoint":"jscode2session","errcode":-1}`},
		{"DELETE", "/emulator/faults", ""},
		{"PUT", "/emulator/pay/sign-mode", `{"mode":"public_key"}`},
		{"POST", "/emulator/token/invalidate", ""},
		{"POST", "/emulator/shipping/T1/confirm", ""},
		{"POST", "/emulator/shipping/T1/settle", ""},
		{"POST", "/emulator/shipping/T1/remind", ""},
		{"POST", "/emulator/push/verify", ""},
		{"POST", "/emulator/phone-codes", `{"user":"mallory"}`},
		{"PUT", "/emulator/phone/country-code-type", `{"type":"number"}`},
		{"PUT", "/emulator/users/alice/phone", `{"pure_phone_number":"13900000000"}`},
		{"DELETE", "/emulator/users/alice/phone", ""},
		{"POST", "/emulator/subscribe-templates", `{"id":"evil","title":"x","fields":{"thing1":"x"}}`},
		{"POST", "/emulator/subscriptions", `{"user":"mallory","results":{"evil":"accept"}}`},
		// the console, and what no route serves
		{"GET", "/console/", ""},
		{"GET", "/console", ""},
		{"GET", "/no-such-route", ""},
	}
	for _, host := range []string{"evil.example", "evil.example:" + f.Srv.URL[strings.LastIndex(f.Srv.URL, ":")+1:],
		"127.0.0.1.nip.io", "localhost.evil.example", "127.0.0.1.evil.example:8081"} {
		for _, r := range routes {
			status, body := withHost(t, r.method, f.Srv.URL+r.path, host, r.body)
			if status != http.StatusForbidden {
				t.Errorf("Host %q: %s %s: status %d, want 403", host, r.method, r.path, status)
				continue
			}
			if !strings.Contains(body, "loopback") || strings.Contains(body, code) {
				t.Errorf("Host %q: %s %s: body %s", host, r.method, r.path, body)
			}
		}
	}
	if consoleServed.Load() {
		t.Error("the console was served to a foreign Host")
	}
	if _, ok := f.Emu.User("mallory"); ok {
		t.Error("a refused request minted a code (mallory exists)")
	}
	if s := f.Emu.TokenStatus(); s.Stable != nil || s.Classic != nil {
		t.Errorf("a refused request issued a token: %+v", s)
	}
	if len(f.Emu.PhoneCodes()) != 0 || len(f.Emu.SubscribeTemplates()) != 0 || f.Emu.PhoneCountryCodeType() != emulator.PhoneCountryCodeString {
		t.Error("a refused request gave a phone code, declared a template or switched the countryCode type")
	}
	if n, _ := f.Emu.PhoneNumberOf("alice"); n.Set {
		t.Errorf("a refused request set alice's number: %+v", n)
	}
	// The refused jscode2session neither used the code nor met a queued fault.
	if r := f.Login(t, code); r.OpenID == "" {
		t.Errorf("login after the refusals: %+v", r)
	}
	// An HTTP/1.0 request may carry no Host at all; nothing honest needs that.
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.Srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /emulator/users HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("no Host: status %d, want 403", res.StatusCode)
	}
}

// What honest callers send still works: the service, curl and DevTools
// address the emulator by a loopback name or address, with or without a
// port, and by the names it was configured to be reached at (Config.Hosts).
func TestLoopbackAndConfiguredHostsAreServed(t *testing.T) {
	var consoleServed atomic.Int32
	f := emutest.Start(t, emulator.Config{
		Hosts:   []string{"wechat-emulator.test:8081", "Emu.Local"},
		Console: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { consoleServed.Add(1) }),
	})
	code := f.Mint(t, "alice").Code
	port := f.Srv.URL[strings.LastIndex(f.Srv.URL, ":")+1:]
	hosts := []string{"localhost", "LocalHost:" + port, "127.0.0.1", "127.0.0.1:" + port, "127.9.8.7:80",
		"[::1]", "[::1]:" + port, "wechat-emulator.test", "wechat-emulator.test:9999", "emu.local:" + port}
	for _, host := range hosts {
		if status, body := withHost(t, "GET", f.Srv.URL+"/emulator/users", host, ""); status != http.StatusOK || !strings.Contains(body, code) {
			t.Errorf("Host %q: GET /emulator/users: %d %s", host, status, body)
		}
		if status, body := withHost(t, "POST", f.Srv.URL+"/emulator/login-codes", host, `{"user":"bob"}`); status != http.StatusCreated {
			t.Errorf("Host %q: POST /emulator/login-codes: %d %s", host, status, body)
		}
		// WeChat's route answers a GET of stable_token: 43002, HTTP 200.
		if status, body := withHost(t, "GET", f.Srv.URL+"/cgi-bin/stable_token", host, ""); status != http.StatusOK || !strings.Contains(body, `"errcode":43002`) {
			t.Errorf("Host %q: GET /cgi-bin/stable_token: %d %s (want WeChat's route to answer)", host, status, body)
		}
		if status, _ := withHost(t, "GET", f.Srv.URL+"/console/", host, ""); status != http.StatusOK {
			t.Errorf("Host %q: GET /console/: %d", host, status)
		}
	}
	if int(consoleServed.Load()) != len(hosts) {
		t.Errorf("console served %d times, want %d", consoleServed.Load(), len(hosts))
	}
	// And a client that takes Host from the base URL, as the service does.
	if r := f.Login(t, code); r.OpenID == "" {
		t.Fatalf("jscode2session from a loopback base URL: %+v", r)
	}
}

func TestHostsMustBeHostNames(t *testing.T) {
	for _, h := range []string{"", "http://emu.local/", "user@emu.local"} {
		if _, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, Hosts: []string{h}}); err == nil || !strings.Contains(err.Error(), "Hosts") {
			t.Errorf("Hosts %q: err %v", h, err)
		}
	}
}

// withHost sends one request with the given Host header and returns the
// status and body.
func withHost(t *testing.T, method, u, host, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %q): %v", method, u, host, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// The phone and subscribe buttons are control writes like any other: a
// page of another site cannot tap the getPhoneNumber button, accept a
// subscription, declare a template, set a number or switch countryCode.
func TestThePhoneAndSubscribeButtonsRefuseCrossSiteRequests(t *testing.T) {
	f := emutest.Start(t, emulator.Config{Subscribe: emulator.SubscribeConfig{Templates: []emulator.SubscribeTemplate{
		{ID: "tmpl-1", Title: "通知", Fields: map[string]string{"thing1": "内容"}},
	}}})
	f.Mint(t, "alice")
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/emulator/phone-codes", `{"user":"alice"}`},
		{"PUT", "/emulator/phone/country-code-type", `{"type":"number"}`},
		{"PUT", "/emulator/users/alice/phone", `{"pure_phone_number":"13900000000"}`},
		{"DELETE", "/emulator/users/alice/phone", ""},
		{"POST", "/emulator/subscribe-templates", `{"id":"tmpl-2","title":"x","fields":{"thing1":"x"}}`},
		{"POST", "/emulator/subscriptions", `{"user":"alice","results":{"tmpl-1":"accept"}}`},
	} {
		for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
			req, _ := http.NewRequest(r.method, f.Srv.URL+r.path, strings.NewReader(r.body))
			req.Header.Set("Content-Type", "text/plain")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s with %v: %d, want 403", r.method, r.path, h, res.StatusCode)
			}
		}
	}
	if len(f.Emu.PhoneCodes()) != 0 || len(f.Emu.SubscribeTemplates()) != 1 || f.Emu.PhoneCountryCodeType() != emulator.PhoneCountryCodeString {
		t.Error("a refused request changed the phone or subscribe side")
	}
	if s := f.Emu.Subscriptions("alice"); len(s) != 1 || s[0].Accepted != 0 {
		t.Errorf("a refused request subscribed alice: %+v", s)
	}
	if n, _ := f.Emu.PhoneNumberOf("alice"); n.Set {
		t.Errorf("a refused request set alice's number: %+v", n)
	}
}
