package wxpay_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestCallCounts(t *testing.T) {
	f := startPay(t, nil)
	ctx, c := t.Context(), f.SDK(t)
	f.Prepay(t, emutest.OrderBody("count-0001", emutest.DeadNotify))
	f.Prepay(t, emutest.OrderBody("count-0002", emutest.DeadNotify))
	closeBody := map[string]string{"mchid": emutest.TestMchID}

	f.query(t, "count-0001")
	f.query(t, "count-0001")
	if _, err := c.Post(ctx, f.CloseURL("count-0001"), closeBody); err != nil {
		t.Fatal(err)
	}
	// Served, though refused: past authentication, they are WeChat's work.
	_, err := c.Get(ctx, f.Srv.URL+"/v3/pay/transactions/out-trade-no/count-0001?mchid=1900000999")
	f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	_, err = c.Post(ctx, f.CloseURL("count-0001"), map[string]string{})
	f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	// Numbers WeChat never saw count too.
	_, err = c.Get(ctx, f.QueryURL("count-none"))
	f.APIError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST")
	if _, err := c.Post(ctx, f.CloseURL("count-none"), closeBody); err != nil {
		t.Fatal(err)
	}
	// Not served: an injected fault, or no valid signature.
	f.Inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, Code: "SYSTEM_ERROR"})
	_, err = c.Get(ctx, f.QueryURL("count-0001"))
	f.APIError(t, err, http.StatusInternalServerError, "SYSTEM_ERROR")
	f.Inject(t, emulator.Fault{Endpoint: emulator.CloseOrder, HTTPStatus: http.StatusBadGateway})
	if _, err := c.Post(ctx, f.CloseURL("count-0001"), closeBody); err == nil {
		t.Fatal("the gateway fault did not fail the close")
	}
	resp, b := f.raw(t, http.MethodGet, "/v3/pay/transactions/out-trade-no/count-0001?mchid="+emutest.TestMchID, "", "")
	want401(t, resp, b)
	resp, b = f.raw(t, http.MethodPost, "/v3/pay/transactions/out-trade-no/count-0001/close", `{"mchid":"`+emutest.TestMchID+`"}`, "")
	want401(t, resp, b)

	for _, tc := range []struct {
		no             string
		query, closing int
	}{
		{"count-0001", 3, 2},
		{"count-none", 1, 1},
		{"count-0002", 0, 0},
	} {
		if q, cl := f.Emu.QueryCount(tc.no), f.Emu.CloseCount(tc.no); q != tc.query || cl != tc.closing {
			t.Errorf("%s: QueryCount %d, CloseCount %d; want %d, %d", tc.no, q, cl, tc.query, tc.closing)
		}
	}

	for _, tc := range []struct {
		no             string
		query, closing float64
	}{
		{"count-0001", 3, 2},
		{"count-0002", 0, 0},
	} {
		resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/"+tc.no, "")
		got := emutest.Decode[map[string]any](t, b)
		if resp.StatusCode != http.StatusOK || got["query_count"] != tc.query || got["close_count"] != tc.closing {
			t.Errorf("GET %s: HTTP %d %s, want query_count %v, close_count %v", tc.no, resp.StatusCode, b, tc.query, tc.closing)
		}
	}
	// Counted, but there is still no transaction to show.
	resp, b = emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/count-none", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)
}

// TestCallCountsConcurrent counts calls racing each other; run with -race.
func TestCallCountsConcurrent(t *testing.T) {
	f := startPay(t, nil)
	f.Prepay(t, emutest.OrderBody("count-race", emutest.DeadNotify))
	c := f.SDK(t)
	const workers = 8
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if _, err := c.Get(t.Context(), f.QueryURL("count-race")); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() { _ = f.Emu.QueryCount("count-race") })
	}
	wg.Wait()
	if n := f.Emu.QueryCount("count-race"); n != workers {
		t.Fatalf("QueryCount = %d, want %d", n, workers)
	}
}
