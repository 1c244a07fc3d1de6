package domain

import (
	"sync"
	"time"
)

// refusalGate is this process's share of the refusal budget: at most
// perMinute refused notifications a clock minute go on to the database.
// The shared budget in the database (one row per minute that every
// instance increments) stays the cap across instances, but each attempt
// to use it is a write to that one hot row; without a gate in front, a
// flood of garbage costs a write per request long after the budget is
// spent. Past the gate a refusal is only counted, and no row is touched.
//
// Minutes are clock minutes (UTC truncated), the same ones the database
// budget counts, so a new minute reopens both together. A clock that
// steps back keeps the later minute's count: the gate never reopens early.
type refusalGate struct {
	perMinute int
	now       Clock

	mu     sync.Mutex
	minute time.Time // the minute admitted counts
	used   int
}

func newRefusalGate(perMinute int, now Clock) *refusalGate {
	return &refusalGate{perMinute: perMinute, now: now}
}

// admit takes one of this minute's places, or says there is none left.
func (g *refusalGate) admit() bool {
	minute := g.now().UTC().Truncate(time.Minute)
	g.mu.Lock()
	defer g.mu.Unlock()
	if minute.After(g.minute) {
		g.minute, g.used = minute, 0
	}
	if g.used >= g.perMinute {
		return false
	}
	g.used++
	return true
}
