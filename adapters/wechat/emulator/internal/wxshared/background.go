package wxshared

import (
	"context"
	"sync"
)

// Background is the emulator's background work: notification deliveries
// and refunds ending on their own. Close cancels it through Stopped and
// waits for it. mu is the emulator's; it guards closed.
type Background struct {
	mu         *sync.Mutex
	closed     bool // Close was called: start no more background work
	stopped    context.Context
	stop       context.CancelFunc
	background sync.WaitGroup
}

// NewBackground returns a Background whose closed flag mu guards.
func NewBackground(mu *sync.Mutex) *Background {
	e := &Background{mu: mu}
	e.stopped, e.stop = context.WithCancel(context.Background())
	return e
}

// Stopped is done once Close is called.
func (e *Background) Stopped() context.Context { return e.stopped }

// Close cancels the background work and waits until it has returned.
func (e *Background) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stop()
	e.background.Wait()
}

// GoLocked runs f in a goroutine that Close waits for, unless the emulator
// is closed. The caller holds e.mu, which orders it before Close's Wait.
func (e *Background) GoLocked(f func()) bool {
	if e.closed {
		return false
	}
	e.background.Add(1)
	go func() {
		defer e.background.Done()
		f()
	}()
	return true
}
