package notify

import (
	"strings"
	"testing"
	"time"
)

// A load test seals tens of thousands of notifications within a second;
// WeChat never gives two of them one id, so neither may the emulator.
func TestEventIDsSealedInOneSecondAreDistinct(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	seen := make(map[string]bool, 20000)
	for range 20000 {
		id := NewEventID(at)
		if !strings.HasPrefix(id, "EV-20261201180000") {
			t.Fatalf("id %q: want EV- and the time in Beijing", id)
		}
		if seen[id] {
			t.Fatalf("id %q given twice within one second", id)
		}
		seen[id] = true
	}
}
