package wxpay_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// TestConcurrentPrepayAndPayment races merchants and phones for one order;
// run with -race. Every prepay must get the one prepay_id, exactly one
// payment must win, and exactly one notification must go out.
func TestConcurrentPrepayAndPayment(t *testing.T) {
	f := startPay(t, nil)
	rc := f.Receiver(t, nil)
	const workers = 12
	c := f.SDK(t)
	ids, errs := make(chan string, workers), make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			res, err := c.Post(context.Background(), f.Srv.URL+"/v3/pay/transactions/jsapi", emutest.OrderBody("race-0001", rc.URL))
			if err != nil {
				errs <- err
				return
			}
			var r struct {
				PrepayID string `json:"prepay_id"`
			}
			errs <- core.UnMarshalResponse(res.Response, &r)
			ids <- r.PrepayID
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("prepay_ids %q and %q for one order", first, id)
		}
	}

	p := f.Payment(t, first)
	results := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			_, err := f.Emu.RequestPayment(p)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, emulator.ErrAlreadyPaid):
			t.Errorf("payment: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d payments won, want exactly one", wins)
	}
	if ds := f.Finished(t, "race-0001"); len(ds) != 1 || len(rc.All()) != 1 {
		t.Fatalf("%d deliveries, %d received, want one notification", len(ds), len(rc.All()))
	}
}

// FuzzPayHandler feeds arbitrary requests to a fresh pay emulator: it must
// never panic, and whatever it calls JSON must be JSON.
func FuzzPayHandler(f *testing.F) {
	f.Add("POST", "/v3/pay/transactions/jsapi", `WECHATPAY2-SHA256-RSA2048 mchid="`, `{}`)
	f.Add("POST", "/v3/pay/transactions/jsapi", `WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="a",timestamp="99999999999999999999",serial_no="x",signature="===="`, ``)
	f.Add("POST", "/v3/pay/transactions/jsapi", `WECHATPAY2-SHA256-RSA2048 a="1",a="2"`, `{"amount":{"total":1e400}}`)
	f.Add("GET", "/v3/pay/transactions/out-trade-no/%2F..%2F?mchid=", ``, ``)
	f.Add("POST", "/v3/pay/transactions/out-trade-no//close", `WECHATPAY2-SHA256-RSA2048 `, `{"mchid":null}`)
	f.Add("POST", "/emulator/payments", ``, `{"package":"prepay_id=","signType":"RSA","timeStamp":"1","nonceStr":"n","paySign":"AAAA"}`)
	f.Add("POST", "/emulator/transactions/x/notify", ``, ``)
	f.Add("PUT", "/emulator/pay/sign-mode", ``, `{"mode":null}`)
	f.Add("POST", "/emulator/faults", ``, `{"endpoint":"notify","duplicate":-1,"sign_test":true}`)
	f.Add("POST", "/v3/refund/domestic/refunds", `WECHATPAY2-SHA256-RSA2048 mchid="1900000109"`, `{"amount":{"refund":-1}}`)
	f.Add("GET", "/v3/refund/domestic/refunds/%7C%2A%40", ``, ``)
	f.Add("POST", "/emulator/refunds/x/complete", ``, ``)
	f.Add("POST", "/emulator/faults", ``, `{"endpoint":"refund","refund_outcome":"CLOSED","times":-1}`)
	f.Fuzz(func(t *testing.T, method, target, authorization, body string) {
		keys := emutest.PayKeys(t)
		e, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, Pay: &emulator.PayConfig{Keys: keys}})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return // not a request a server could receive
		}
		req.Header.Set("Authorization", authorization)
		rec := httptest.NewRecorder()
		e.Handler().ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON body %q", rec.Body.String())
		}
	})
}
