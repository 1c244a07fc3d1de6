package wxshared

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Faults is the queue of injected faults, FIFO per endpoint. Its methods
// are safe for concurrent use; its lock is taken last, after any part's,
// and held only for the queue.
type Faults struct {
	mu     sync.Mutex
	faults map[Endpoint][]*Fault
}

// NewFaults returns an empty queue.
func NewFaults() *Faults {
	return &Faults{faults: make(map[Endpoint][]*Fault)}
}

// Inject queues f behind any faults already queued for its endpoint.
// It is what POST /emulator/faults does, and refuses the same faults.
func (e *Faults) Inject(f Fault) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if f.Times == 0 {
		f.Times = 1
	}
	queue := f.Endpoint
	if f.RefundOutcome != "" {
		queue = RefundOutcomes
	}
	if f.BillCorrupt != "" {
		queue = BillCorruptions
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[queue] = append(e.faults[queue], &f)
	return nil
}

// Clear drops every queued fault.
func (e *Faults) Clear() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.faults)
}

// List returns the queued faults in the order they will be used, by
// endpoint (so that the answer is stable), each with the calls it has left
// (Times).
func (e *Faults) List() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	var fs []Fault
	for _, ep := range slices.Sorted(maps.Keys(e.faults)) {
		for _, f := range e.faults[ep] {
			fs = append(fs, *f)
		}
	}
	return fs
}

// Take consumes one call's worth of the first fault queued for ep.
func (e *Faults) Take(ep Endpoint) (Fault, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	queue := e.faults[ep]
	if len(queue) == 0 {
		return Fault{}, false
	}
	f := queue[0]
	f.Times--
	if f.Times == 0 {
		e.faults[ep] = queue[1:]
	}
	return *f, true
}

// Sleep waits for d in real time and reports whether ctx outlived it.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// WriteGatewayPage answers like the nginx in front of an API does when the
// API is not there: HTML, which a JSON client cannot decode.
func WriteGatewayPage(w http.ResponseWriter, status int) {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", title, title)
}
