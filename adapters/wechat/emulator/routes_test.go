package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestUnknownRoutes(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodGet, "/sns/nothing"},
		{http.MethodPost, "/v3/pay/transactions/jsapi"},
		{http.MethodGet, "/emulator/users/"},
	} {
		resp, b := emutest.Do(t, tc.method, f.Srv.URL+tc.path, "")
		t.Run(tc.method+" "+tc.path, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusNotFound) })
	}
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/sns/jscode2session", "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
}

// FuzzHandler feeds arbitrary requests to a fresh emulator: it must never
// panic, and whatever it calls JSON must be JSON. Without -fuzz it runs the
// seeds as a plain test.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/sns/jscode2session?appid=%zz&js_code=&&&", "")
	f.Add("POST", "/cgi-bin/stable_token", `{"appid":[1,2],"secret":{}}`)
	f.Add("POST", "/cgi-bin/stable_token", strings.Repeat("[", 100000))
	f.Add("GET", "/wxa/checksession?access_token=&signature=%00", "")
	f.Add("GET", "/cgi-bin/token?grant_type=client_credential&appid=%00", "")
	f.Add("PUT", "/cgi-bin/stable_token", `{"force_refresh":"yes"}`)
	f.Add("POST", "/emulator/token/invalidate", "")
	f.Add("POST", "/wxa/sec/order/upload_shipping_info?access_token=x", `{"shipping_list":{}}`)
	f.Add("GET", "/emulator/shipping/%00/confirm", "")
	f.Add("POST", "/emulator/push/verify", "{}")
	f.Add("POST", "/wxa/business/getuserphonenumber?access_token=x", `{"code":["x"]}`)
	f.Add("POST", "/cgi-bin/message/subscribe/send?access_token=x", `{"data":{"thing1":{"value":{}}}}`)
	f.Add("POST", "/emulator/phone-codes", `{"user":"a","appid":"\u0000"}`)
	f.Add("PUT", "/emulator/users/%00/phone", `{"pure_phone_number":"1"}`)
	f.Add("POST", "/emulator/subscribe-templates", `{"title":"x","fields":{"thing99999":"x"},"enums":{"":[""]}}`)
	f.Add("POST", "/emulator/subscriptions", `{"user":"a","results":{"":"accept"}}`)
	f.Add("GET", "/emulator/messages?user=%ff", "")
	f.Add("POST", "/emulator/login-codes", `{"user":"\ud800"}`)
	f.Add("POST", "/emulator/faults", `{"endpoint":"jscode2session","delay_ms":9223372036854775807}`)
	f.Add("POST", "/emulator/faults", `{"endpoint":"checksession","http_status":-5,"times":-1}`)
	f.Add("DELETE", "/emulator/faults", "garbage")
	f.Add("GET", "/emulator/users/%2F..%2F", "")
	f.Add("PATCH", "/../../etc/passwd", "")
	f.Fuzz(func(t *testing.T, method, target, body string) {
		e, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return // not a request a server could receive
		}
		rec := httptest.NewRecorder()
		e.Handler().ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		ct := rec.Header().Get("Content-Type")
		if (strings.Contains(ct, "json") || ct == "text/plain") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON body %q", rec.Body.String())
		}
	})
}
