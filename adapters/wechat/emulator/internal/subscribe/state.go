package subscribe

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// State is what the subscribe side keeps across a restart: the templates
// declared at run time (Config's are Config's again, and win over a kept
// one with their id), every user's subscriptions and the messages
// delivered.
type State struct {
	Templates     []TemplateState     `json:"templates,omitempty"`
	Subscriptions []SubscriptionState `json:"subscriptions,omitempty"`
	Messages      []Message           `json:"messages,omitempty"` // oldest first
}

// TemplateState is one template.
type TemplateState struct {
	ID       string              `json:"id"`
	Title    string              `json:"title"`
	Fields   map[string]string   `json:"fields"`
	Enums    map[string][]string `json:"enums,omitempty"`
	LongTerm bool                `json:"long_term,omitempty"`
}

// SubscriptionState is one user's subscription to one template.
type SubscriptionState struct {
	User       string    `json:"user"`
	OpenID     string    `json:"openid"`
	TemplateID string    `json:"template_id"`
	Remaining  int       `json:"remaining"`
	Accepted   int       `json:"accepted"`
	Rejected   int       `json:"rejected,omitempty"`
	Sent       int       `json:"sent"`
	LastResult string    `json:"last_result"`
	LastAt     time.Time `json:"last_at"`
}

// State returns a copy of what the subscribe side knows.
func (e *Server) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	var s State
	for _, id := range slices.Sorted(maps.Keys(e.templates)) {
		if e.configIDs[id] {
			continue
		}
		t := e.templates[id].clone()
		s.Templates = append(s.Templates, TemplateState{ID: t.ID, Title: t.Title, Fields: t.Fields, Enums: t.Enums, LongTerm: t.LongTerm})
	}
	for _, name := range slices.Sorted(maps.Keys(e.subs)) {
		for _, id := range slices.Sorted(maps.Keys(e.subs[name])) {
			r := e.subs[name][id]
			s.Subscriptions = append(s.Subscriptions, SubscriptionState{User: name, OpenID: r.openID, TemplateID: id,
				Remaining: r.remaining, Accepted: r.accepted, Rejected: r.rejected, Sent: r.sent, LastResult: r.lastResult, LastAt: r.lastAt})
		}
	}
	for _, m := range e.messages {
		m.Fields = slices.Clone(m.Fields)
		s.Messages = append(s.Messages, m)
	}
	return s
}

// Restore makes the subscribe side know what s says, before it serves
// anything.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.subs) > 0 || len(e.messages) > 0 {
		return fmt.Errorf("restore: the subscribe side already holds subscriptions or messages")
	}
	for _, ts := range s.Templates {
		if e.configIDs[ts.ID] {
			continue // Config's wins
		}
		t := Template{ID: ts.ID, Title: ts.Title, Fields: ts.Fields, Enums: ts.Enums, LongTerm: ts.LongTerm}
		if err := validate(t); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		c := t.clone()
		e.templates[t.ID] = &c
	}
	for _, ss := range s.Subscriptions {
		if ss.User == "" || ss.TemplateID == "" || e.subs[ss.User][ss.TemplateID] != nil {
			return fmt.Errorf("restore: a subscription without a user or template, or twice")
		}
		if e.subs[ss.User] == nil {
			e.subs[ss.User] = make(map[string]*record)
		}
		e.subs[ss.User][ss.TemplateID] = &record{openID: ss.OpenID, remaining: ss.Remaining, accepted: ss.Accepted,
			rejected: ss.Rejected, sent: ss.Sent, lastResult: ss.LastResult, lastAt: ss.LastAt}
	}
	e.messages = append(e.messages, s.Messages...)
	return nil
}
