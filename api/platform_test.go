package api_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
)

// The platform's access_token (README: "The platform's access_token"):
// every instance shares one, and one stable_token call serves them all.

func (h *harness) instance() *wechat.Platform {
	h.t.Helper()
	// Another instance: its own HTTP client and its own copy of the token,
	// the same database.
	p, err := wechat.NewPlatform(wechat.PlatformConfig{BaseURL: h.emuURL, AppID: "wxapitest", Secret: "apitest-secret"},
		h.store, nil, noPlatformMonitor{}, slog.New(slog.DiscardHandler))
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

type noPlatformMonitor struct{}

func (noPlatformMonitor) TokenFetch(string, string) {}
func (noPlatformMonitor) PlatformError(string, int) {}

// callAll makes n calls that need the token, spread over the instances, at once.
func callAll(t *testing.T, n int, instances ...*wechat.Platform) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := instances[i%len(instances)].TradeManaged(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestInstancesShareOneAccessToken(t *testing.T) {
	h := newHarness(t)
	a, b := h.platform, h.instance()
	callAll(t, 1000, a, b)
	if c := h.emu.TokenCounters(); c.Stable != 1 || c.StableForce != 0 || c.Classic != 0 {
		t.Fatalf("1000 calls on two instances asked stable_token %+v times", c)
	}
	// Someone forces a refresh elsewhere: every holder's token dies. Each
	// instance learns it from a 40001 and one stable_token call recovers it.
	h.emu.InvalidateToken()
	callAll(t, 200, a, b)
	if c := h.emu.TokenCounters(); c.Stable != 2 || c.StableForce != 0 {
		t.Fatalf("recovery asked stable_token %+v times", c)
	}
	// A forced refresh is the operator's, within WeChat's limits.
	if _, err := a.ForceToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ForceToken(context.Background()); !errors.Is(err, wechat.ErrForceLimited) {
		t.Fatalf("a second force within 30 s: %v", err)
	}
	if n := h.metric("wxmp_wechat_token_fetches_total", map[string]string{"mode": "force", "result": "ok"}); n != 1 {
		t.Fatalf("forced fetches counted %v", n)
	}
	callAll(t, 10, a, b)
	if c := h.emu.TokenCounters(); c.StableForce != 1 || c.Stable != 2 {
		t.Fatalf("after the force: %+v", c)
	}
}

func TestAccessTokenRefusalsAreClearAndNotRetriedInALoop(t *testing.T) {
	h := newHarness(t)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.StableToken, ErrCode: 45009, Times: 1}); err != nil {
		t.Fatal(err)
	}
	// The fault answers once: had the refusal been retried, this call
	// would have got a token.
	_, err := h.platform.TradeManaged(context.Background())
	var pe *wechat.PlatformError
	if !errors.As(err, &pe) || pe.Code != 45009 {
		t.Fatalf("quota: %v", err)
	}
	if n := h.metric("wxmp_wechat_api_errors_total", map[string]string{"api": "stable_token", "errcode": "45009"}); n != 1 {
		t.Fatalf("refusal counted %v", n)
	}
	if _, err := h.platform.TradeManaged(context.Background()); err != nil {
		t.Fatalf("after the quota came back: %v", err)
	}
	if c := h.emu.TokenCounters(); c.Stable != 1 {
		t.Fatalf("stable_token calls %+v", c)
	}
}

func TestTheOperatorSeesTheTokenAndForcesItWithinLimits(t *testing.T) {
	h := newHarness(t)
	var st api.PlatformStatus
	if res := h.do("GET", "/admin/v1/platform", h.operatorKey, nil, &st); res.StatusCode != 200 || st.TradeManaged == nil || !*st.TradeManaged {
		t.Fatalf("platform: %d %+v", res.StatusCode, st)
	}
	var tok api.TokenStatus
	if res := h.do("POST", "/admin/v1/platform/token/refresh", h.operatorKey, nil, &tok); res.StatusCode != 200 || tok.ForcesToday != 1 || tok.ExpiresAt == nil {
		t.Fatalf("force: %d %+v", res.StatusCode, tok)
	}
	var p api.Problem
	res := h.do("POST", "/admin/v1/platform/token/refresh", h.operatorKey, nil, &p)
	wantProblem(t, res, p, 409, api.ProblemCodeTokenForceLimited)
	var audits int
	_ = h.pool.QueryRow(context.Background(), "SELECT count(*) FROM operator_audit WHERE action = 'platform.token.force'").Scan(&audits)
	if audits != 1 {
		t.Fatalf("%d audited forces", audits)
	}
	if c := h.emu.TokenCounters(); c.StableForce != 1 {
		t.Fatalf("stable_token forced %d times", c.StableForce)
	}
}
