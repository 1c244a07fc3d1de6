package control_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestConsoleMakesTheDaysBill(t *testing.T) {
	f := emutest.StartPay(t, emutest.Manual)
	c := controlContract(t, f.Srv.URL)
	f.Paid(t, "console-bill-1", emutest.DeadNotify)
	f.MustRefund(t, emutest.RefundBody("console-bill-1", "RF-console-bill", 40, 100, ""))
	now := f.Clock.Now().In(time.FixedZone("CST", 8*60*60))
	day := now.Format(time.DateOnly)

	csv := string(c.call(http.MethodGet, "/emulator/bills/"+day, "", http.StatusOK))
	lines := strings.Split(strings.TrimSuffix(csv, "\r\n"), "\r\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "交易时间,") || !strings.Contains(lines[1], "`console-bill-1,") ||
		!strings.Contains(lines[2], "`RF-console-bill,") || lines[4] != "`2,`1.00,`0.40,`0.00,`0.01000,`1.00,`0.40" {
		t.Fatalf("bill:\n%s", csv)
	}
	refunds := string(c.call(http.MethodGet, "/emulator/bills/"+day+"?bill_type=REFUND", "", http.StatusOK))
	if !strings.Contains(refunds, "退款申请时间") || strings.Count(refunds, "\r\n") != 4 {
		t.Fatalf("REFUND bill:\n%s", refunds)
	}
	ready := func(want string) {
		t.Helper()
		resp, _ := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/bills/"+day, "")
		if got := resp.Header.Get("X-Bill-Ready"); got != want || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("X-Bill-Ready %q (want %q), Content-Type %q", got, want, resp.Header.Get("Content-Type"))
		}
	}
	ready("false") // today's bill comes at 10:00 tomorrow
	got := emutest.Decode[struct {
		Day   string `json:"day"`
		Ready bool   `json:"ready"`
	}](t, c.call(http.MethodPost, "/emulator/bills/"+day+"/ready", "", http.StatusOK))
	if got.Day != day || !got.Ready {
		t.Fatalf("ready = %+v", got)
	}
	ready("true")

	c.call(http.MethodGet, "/emulator/bills/"+now.AddDate(0, 0, -1).Format(time.DateOnly), "", http.StatusNotFound)
	c.call(http.MethodGet, "/emulator/bills/2025-13-01", "", http.StatusBadRequest)
	c.call(http.MethodPost, "/emulator/bills/"+now.AddDate(0, 0, 1).Format(time.DateOnly)+"/ready", "", http.StatusBadRequest)
	c.call(http.MethodPost, "/emulator/bills/"+now.AddDate(0, -4, 0).Format(time.DateOnly)+"/ready", "", http.StatusBadRequest)

	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"bill","bill_corrupt":"truncate","times":2}`, http.StatusCreated)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"bill","bill_corrupt":"hash","code":"SYSTEM_ERROR"}`, http.StatusBadRequest)
	c.call(http.MethodPost, "/emulator/faults", `{"endpoint":"bill_download","code":"SYSTEM_ERROR"}`, http.StatusCreated)
	faults := string(c.call(http.MethodGet, "/emulator/faults", "", http.StatusOK))
	if !strings.Contains(faults, `"bill_corrupt":"truncate"`) || !strings.Contains(faults, `"endpoint":"bill_download"`) {
		t.Fatalf("faults: %s", faults)
	}
}

// The faults that spoil one payment line, as the console queues them.
func TestConsoleQueuesBillLineFaults(t *testing.T) {
	f := emutest.StartPay(t, emutest.Manual)
	c := controlContract(t, f.Srv.URL)
	for _, body := range []string{
		`{"endpoint":"bill","bill_corrupt":"amount"}`,
		`{"endpoint":"bill","bill_corrupt":"duplicate","out_trade_no":"console-bill-2"}`,
		`{"endpoint":"bill","bill_corrupt":"malformed","out_trade_no":"console-bill-3","times":2}`,
	} {
		c.call(http.MethodPost, "/emulator/faults", body, http.StatusCreated)
	}
	got := emutest.Decode[struct {
		Items []struct {
			BillCorrupt string `json:"bill_corrupt"`
			OutTradeNo  string `json:"out_trade_no"`
			Times       int    `json:"times"`
		} `json:"items"`
	}](t, c.call(http.MethodGet, "/emulator/faults", "", http.StatusOK)).Items
	if len(got) != 3 || got[0].BillCorrupt != "amount" || got[0].OutTradeNo != "" || got[1].OutTradeNo != "console-bill-2" ||
		got[2].BillCorrupt != "malformed" || got[2].Times != 2 {
		t.Fatalf("faults %+v", got)
	}
	for _, body := range []string{
		`{"endpoint":"bill","bill_corrupt":"hash","out_trade_no":"console-bill-2"}`,
		`{"endpoint":"bill","out_trade_no":"console-bill-2","code":"SYSTEM_ERROR"}`,
		`{"endpoint":"bill_download","bill_corrupt":"duplicate"}`,
		`{"endpoint":"bill","bill_corrupt":"twice"}`,
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", body)
		t.Run(body, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}
}
