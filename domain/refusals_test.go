package domain

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type movingClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *movingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *movingClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

func admitted(g *refusalGate, tries int) int {
	n := 0
	for range tries {
		if g.admit() {
			n++
		}
	}
	return n
}

func TestRefusalGateAdmitsItsBudgetEachClockMinute(t *testing.T) {
	clk := &movingClock{at: t0.Add(10 * time.Second)}
	g := newRefusalGate(3, clk.now)
	if n := admitted(g, 10); n != 3 {
		t.Fatalf("admitted %d of 10 in one minute, want 3", n)
	}
	clk.set(t0.Add(59*time.Second + 999*time.Millisecond))
	if g.admit() {
		t.Fatal("admitted past the budget in the same clock minute")
	}
	// The minute is the clock's, not a minute since the first refusal.
	clk.set(t0.Add(time.Minute))
	if n := admitted(g, 10); n != 3 {
		t.Fatalf("a new minute admitted %d, want 3", n)
	}
	// A clock stepping back does not reopen the gate early.
	clk.set(t0.Add(30 * time.Second))
	if g.admit() {
		t.Fatal("a clock stepping back reopened the gate")
	}
	clk.set(t0.Add(3*time.Minute + 5*time.Second))
	if n := admitted(g, 10); n != 3 {
		t.Fatalf("after a quiet minute admitted %d, want 3", n)
	}
}

func TestRefusalGateZeroAdmitsNothing(t *testing.T) {
	if newRefusalGate(0, func() time.Time { return t0 }).admit() {
		t.Fatal("a zero budget admitted a refusal")
	}
}

func TestRefusalGateUnderConcurrency(t *testing.T) {
	g := newRefusalGate(50, func() time.Time { return t0 })
	var n atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 100 {
				if g.admit() {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n.Load() != 50 {
		t.Fatalf("admitted %d of 1600 concurrent refusals, want 50", n.Load())
	}
}

// refusalOrders counts the refusals that reach storage; any other method
// of Orders would panic (nil embedded interface), and none is called.
type refusalOrders struct {
	Orders
	calls atomic.Int64
}

func (o *refusalOrders) RecordRefused(_ context.Context, _ PaymentRecord, _ int) (bool, error) {
	o.calls.Add(1)
	return true, nil
}

type refusalMonitor struct {
	Monitor
	rejected, unrecorded atomic.Int64
}

func (m *refusalMonitor) PaymentVerdict(_ string, v Verdict) {
	if v == VerdictRejected {
		m.rejected.Add(1)
	}
}
func (m *refusalMonitor) RefusalNotRecorded() { m.unrecorded.Add(1) }

// Past this process's share of the minute, a refusal reaches no storage
// at all; both notify_urls draw on the same share.
func TestRefusedPastTheGateReachesNoStorage(t *testing.T) {
	clk := &movingClock{at: t0}
	orders, monitor := &refusalOrders{}, &refusalMonitor{}
	c := NewConfirmPayment(orders, Merchant{}, clk.now, monitor, slog.New(slog.NewTextHandler(io.Discard, nil)), LedgerPolicy{RefusalsPerMinute: 4})
	ctx := context.Background()
	for i := range 20 {
		source := SourceNotification
		if i%2 == 1 {
			source = SourceRefundNotification
		}
		if err := c.Refused(ctx, source, "ev", "unverified"); err != nil {
			t.Fatal(err)
		}
	}
	if orders.calls.Load() != 4 || monitor.rejected.Load() != 20 || monitor.unrecorded.Load() != 16 {
		t.Fatalf("storage saw %d, rejected %d, unrecorded %d; want 4, 20, 16",
			orders.calls.Load(), monitor.rejected.Load(), monitor.unrecorded.Load())
	}
	clk.set(t0.Add(time.Minute))
	if err := c.Refused(ctx, SourceNotification, "ev", "unverified"); err != nil || orders.calls.Load() != 5 {
		t.Fatalf("a new minute: storage saw %d (err %v), want 5", orders.calls.Load(), err)
	}
}
