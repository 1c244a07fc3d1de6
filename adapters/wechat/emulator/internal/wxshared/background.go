package wxshared

import (
	"context"
	"sync"
)

// Background is the emulator's background work: notification deliveries
// and refunds ending on their own. Close cancels it through Stopped and
// waits for it.
type Background struct {
	mu         sync.Mutex // guards closed
	closed     bool       // Close was called: start no more background work
	stopped    context.Context
	stop       context.CancelFunc
	background sync.WaitGroup
}

// NewBackground returns a Background with no work yet.
func NewBackground() *Background {
	e := &Background{}
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

// Go runs f in a goroutine that Close waits for, unless the emulator is
// closed. Taking e.mu orders it before Close's Wait; callers may hold their
// own lock.
func (e *Background) Go(f func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
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
