package emulator_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestPayNeedsPayConfig(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/v3/pay/transactions/out-trade-no/order-0001?mchid=1"},
		{http.MethodPost, "/v3/pay/transactions/out-trade-no/order-0001/close"},
		{http.MethodPost, "/emulator/payments"},
		{http.MethodGet, "/emulator/transactions/order-0001"},
		{http.MethodPut, "/emulator/transactions/order-0001/state"},
		{http.MethodPut, "/emulator/pay/sign-mode"},
	} {
		resp, b := emutest.Do(t, tc.method, f.Srv.URL+tc.path, "")
		emutest.ControlError(t, resp, b, http.StatusNotFound)
	}
	if _, err := f.Emu.RequestPayment(emulator.PaymentRequest{}); !errors.Is(err, emulator.ErrPayDisabled) {
		t.Fatalf("RequestPayment: %v", err)
	}
	if _, _, err := f.Emu.Notification("order-0001", emulator.NotificationOptions{}); !errors.Is(err, emulator.ErrPayDisabled) {
		t.Fatalf("Notification: %v", err)
	}
	if _, ok := f.Emu.Transaction("order-0001"); ok || f.Emu.Deliveries("order-0001") != nil {
		t.Fatal("transactions without Pay")
	}
	if _, err := f.Emu.SetTradeState("order-0001", "USERPAYING"); !errors.Is(err, emulator.ErrPayDisabled) {
		t.Fatalf("SetTradeState: %v", err)
	}
	if f.Emu.QueryCount("order-0001") != 0 || f.Emu.CloseCount("order-0001") != 0 {
		t.Fatal("call counts without Pay")
	}
	f.Emu.SetSignMode(emulator.SignWithPlatformCert) // does nothing
	f.Emu.Close()
}
