package token

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// State is what the access_token side knows, in a form that survives a
// restart of the emulator: every token still remembered (a service that
// kept its token across the restart can go on using it), which are
// current, and the daily quotas spent. Counters are not kept.
type State struct {
	Tokens       []TokenState `json:"tokens,omitempty"`
	Stable       string       `json:"stable,omitempty"`  // the current stable token
	Classic      string       `json:"classic,omitempty"` // the latest classic token
	ForceDay     string       `json:"force_day,omitempty"`
	ForceCount   int          `json:"force_count,omitempty"`
	LastForce    time.Time    `json:"last_force,omitzero"`
	ClassicDay   string       `json:"classic_day,omitempty"`
	ClassicCount int          `json:"classic_count,omitempty"`
}

// TokenState is one token.
type TokenState struct {
	Value      string    `json:"value"`
	Family     string    `json:"family"` // "stable" or "classic"
	IssuedAt   time.Time `json:"issued_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ValidUntil time.Time `json:"valid_until"`
}

// State returns a copy of what the access_token side knows, tokens by
// issue time (a stable file for a stable state).
func (e *Server) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := State{ForceDay: e.forceDay, ForceCount: e.forceCount, LastForce: e.lastForce, ClassicDay: e.classicDay, ClassicCount: e.classicCount}
	if e.stable != nil {
		s.Stable = e.stable.value
	}
	if e.classic != nil {
		s.Classic = e.classic.value
	}
	for _, v := range slices.Sorted(maps.Keys(e.tokens)) {
		r := e.tokens[v]
		s.Tokens = append(s.Tokens, TokenState{Value: r.value, Family: string(r.family), IssuedAt: r.issuedAt, ExpiresAt: r.expiresAt, ValidUntil: r.validUntil})
	}
	slices.SortStableFunc(s.Tokens, func(a, b TokenState) int { return cmp.Compare(a.IssuedAt.UnixNano(), b.IssuedAt.UnixNano()) })
	return s
}

// Restore makes the access_token side know what s says, before it serves
// anything.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.tokens) > 0 {
		return fmt.Errorf("restore: the access_token side already issued %d tokens", len(e.tokens))
	}
	for _, ts := range s.Tokens {
		f := family(ts.Family)
		if ts.Value == "" || (f != stableFamily && f != classicFamily) || e.tokens[ts.Value] != nil {
			return fmt.Errorf("restore: a token without a value or family, or twice")
		}
		e.tokens[ts.Value] = &record{value: ts.Value, family: f, issuedAt: ts.IssuedAt, expiresAt: ts.ExpiresAt, validUntil: ts.ValidUntil}
	}
	for name, cur := range map[string]struct {
		value string
		f     family
		dst   **record
	}{"stable": {s.Stable, stableFamily, &e.stable}, "classic": {s.Classic, classicFamily, &e.classic}} {
		if cur.value == "" {
			continue
		}
		r := e.tokens[cur.value]
		if r == nil || r.family != cur.f {
			return fmt.Errorf("restore: the current %s token is not a %s token the state holds", name, name)
		}
		*cur.dst = r
	}
	e.forceDay, e.forceCount, e.lastForce = s.ForceDay, s.ForceCount, s.LastForce
	e.classicDay, e.classicCount = s.ClassicDay, s.ClassicCount
	return nil
}

// RestoreLegacy takes the one stable token an emulator kept before this
// package existed (the login side's state), as the current stable token.
func (e *Server) RestoreLegacy(value string, expiresAt time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if value == "" || e.tokens[value] != nil {
		return
	}
	r := &record{value: value, family: stableFamily, issuedAt: expiresAt.Add(-Lifetime), expiresAt: expiresAt, validUntil: expiresAt}
	e.tokens[value] = r
	e.stable = r
}
