package wxpay_test

import (
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// payFixture is the harness's, with the helpers only these tests use
// (payapi_test.go, payauth_test.go, prepayid_test.go, tradestate_test.go).
type payFixture struct{ *emutest.PayFixture }

func startPay(t *testing.T, edit func(*emulator.PayConfig)) *payFixture {
	t.Helper()
	return &payFixture{emutest.StartPay(t, edit)}
}
