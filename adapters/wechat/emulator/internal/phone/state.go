package phone

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// State is what the phone side keeps across a restart: the codes not yet
// forgotten (a code tapped before the restart can still be exchanged once),
// the numbers set through control, and the codes charged. How countryCode
// is written is Config's again after a restart.
type State struct {
	Codes   []CodeState       `json:"codes,omitempty"`
	Numbers map[string]Number `json:"numbers,omitempty"` // by user name
	Charged int               `json:"charged,omitempty"`
}

// CodeState is one code.
type CodeState struct {
	Code      string    `json:"code"`
	User      string    `json:"user"`
	OpenID    string    `json:"openid"`
	AppID     string    `json:"appid"`
	Number    Number    `json:"number"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

// State returns a copy of what the phone side knows, codes by issue time.
func (e *Server) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := State{Charged: e.charged}
	if len(e.numbers) > 0 {
		s.Numbers = maps.Clone(e.numbers)
	}
	for _, c := range e.codes {
		s.Codes = append(s.Codes, CodeState{Code: c.value, User: c.user, OpenID: c.openID, AppID: c.appID, Number: c.number,
			IssuedAt: c.issuedAt, ExpiresAt: c.expiresAt, UsedAt: c.usedAt})
	}
	slices.SortFunc(s.Codes, func(a, b CodeState) int {
		if d := a.IssuedAt.Compare(b.IssuedAt); d != 0 {
			return d
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return s
}

// Restore makes the phone side know what s says, before it serves
// anything.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.codes) > 0 || len(e.numbers) > 0 {
		return fmt.Errorf("restore: the phone side already holds codes or numbers")
	}
	for _, c := range s.Codes {
		if c.Code == "" || c.User == "" || e.codes[c.Code] != nil {
			return fmt.Errorf("restore: a phone code without a value or user, or twice")
		}
		e.codes[c.Code] = &code{value: c.Code, user: c.User, openID: c.OpenID, appID: c.AppID, number: c.Number,
			issuedAt: c.IssuedAt, expiresAt: c.ExpiresAt, usedAt: c.UsedAt}
	}
	for name, n := range s.Numbers {
		if name == "" || n.PurePhoneNumber == "" {
			return fmt.Errorf("restore: a phone number without a user or number")
		}
		e.numbers[name] = n
	}
	e.charged = s.Charged
	return nil
}
