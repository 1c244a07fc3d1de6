package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/domain"
)

// refusalBudgetUsed is how many refusals reached the database's budget
// row: every statement that tries to record one adds 1 to its minute's
// used, within the budget or past it.
func (h *harness) refusalBudgetUsed(minute time.Time) int {
	h.t.Helper()
	var used int
	if err := h.pool.QueryRow(context.Background(),
		"SELECT coalesce(sum(used), 0) FROM ledger_refusal_budget WHERE minute = date_trunc('minute', $1::timestamptz)", minute).Scan(&used); err != nil {
		h.t.Fatal(err)
	}
	return used
}

func (h *harness) rejectedRows() (payment, refund int) {
	h.t.Helper()
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE source = 'notification'),
		count(*) FILTER (WHERE source = 'refund_notification') FROM payment_ledger WHERE verdict = 'rejected'`).Scan(&payment, &refund); err != nil {
		h.t.Fatal(err)
	}
	return payment, refund
}

func garbageNotification() (http.Header, []byte) {
	header := http.Header{"Wechatpay-Serial": {"PUB_KEY_ID_garbage"}, "Wechatpay-Signature": {"AAAA"},
		"Wechatpay-Timestamp": {"1"}, "Wechatpay-Nonce": {"n"}}
	return header, []byte(`{"id":"EV-` + uuid.NewString() + `"}`)
}

// A flood of garbage past the minute's budget, at both notify URLs, costs
// no database write: only the budget's worth of refusals reach the budget
// row and the ledger, the rest are only counted. The two URLs share one
// budget, and the next minute opens a new one.
func TestRefusalsPastTheBudgetTouchNoRow(t *testing.T) {
	h := newHarness(t)
	budget := domain.DefaultLedgerPolicy().RefusalsPerMinute
	const perURL = 400
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range 2 * perURL {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			post := h.postNotification
			if i%2 == 1 {
				post = h.postRefundNotification
			}
			if res := post(garbageNotification()); res.StatusCode != 401 {
				t.Errorf("garbage answered %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	minute := h.clock.Now()
	if used := h.refusalBudgetUsed(minute); used != budget {
		t.Fatalf("%d refusals of %d reached the database's budget row, want %d (the rest must touch no row)", used, 2*perURL, budget)
	}
	payment, refund := h.rejectedRows()
	if payment+refund != budget {
		t.Fatalf("ledger kept %d+%d refusals, want %d in all", payment, refund, budget)
	}
	if n := h.metric("wxmp_refused_notifications_unrecorded_total", nil); int(n) != 2*perURL-budget {
		t.Fatalf("%v refusals counted but not recorded, want %d", n, 2*perURL-budget)
	}

	// The next minute (the harness clock's) opens a new budget, to either URL.
	h.clock.Advance(time.Minute)
	for i := range 3 {
		post := h.postNotification
		if i == 0 {
			post = h.postRefundNotification
		}
		if res := post(garbageNotification()); res.StatusCode != 401 {
			t.Fatalf("garbage answered %d", res.StatusCode)
		}
	}
	if used := h.refusalBudgetUsed(h.clock.Now()); used != 3 {
		t.Fatalf("a new minute: %d refusals reached the budget row, want 3", used)
	}
	if p, r := h.rejectedRows(); p+r != budget+3 || r != refund+1 {
		t.Fatalf("a new minute: ledger kept %d+%d, want %d in all, %d refund ones", p, r, budget+3, refund+1)
	}
	if n := h.metric("wxmp_refused_notifications_unrecorded_total", nil); int(n) != 2*perURL-budget {
		t.Fatalf("a new minute: %v unrecorded, want still %d", n, 2*perURL-budget)
	}
}
