package domain

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Subscribe messages (订阅消息, README: "The buyer's side"): a buyer's
// "accept" in wx.requestSubscribeMessage grants one send of that template;
// they add up, and no WeChat API says what is left, so the shop counts.

// SubscribeEvent is what a message tells the buyer.
type SubscribeEvent string

const (
	MessagePaid          SubscribeEvent = "paid"
	MessageShipped       SubscribeEvent = "shipped"
	MessageRefunded      SubscribeEvent = "refunded"
	MessageRefundRequest SubscribeEvent = "refund_request"
)

// SubscribeTemplate is one configured template: which event it tells and
// its id in the admin console.
type SubscribeTemplate struct {
	Event SubscribeEvent
	ID    string
}

// SubscribePolicy is the configured templates.
type SubscribePolicy struct{ Templates []SubscribeTemplate }

// Subscriptions counts the sends each buyer granted.
type Subscriptions interface {
	// Grant adds n sends of each template to the buyer's count.
	Grant(ctx context.Context, userID uuid.UUID, n map[string]int) error
	// Remaining is the buyer's count per template (absent: none).
	Remaining(ctx context.Context, userID uuid.UUID) (map[string]int, error)
}

// Subscription is one template with the buyer's count.
type Subscription struct {
	SubscribeTemplate
	Remaining int
}

// Subscribe is the buyer's side of subscribe messages.
type Subscribe struct {
	store  Subscriptions
	policy SubscribePolicy
}

func NewSubscribe(store Subscriptions, policy SubscribePolicy) *Subscribe {
	return &Subscribe{store: store, policy: policy}
}

// List is the configured templates with the buyer's counts.
func (u *Subscribe) List(ctx context.Context, s Session) ([]Subscription, error) {
	left, err := u.store.Remaining(ctx, s.User().ID())
	if err != nil {
		return nil, err
	}
	out := make([]Subscription, len(u.policy.Templates))
	for i, t := range u.policy.Templates {
		out[i] = Subscription{SubscribeTemplate: t, Remaining: left[t.ID]}
	}
	return out, nil
}

// Record counts the accepts of a wx.requestSubscribeMessage result: one
// send per accept of a configured template; other answers and templates
// we do not send grant nothing.
func (u *Subscribe) Record(ctx context.Context, s Session, results map[string]string) ([]Subscription, error) {
	known := map[string]bool{}
	for _, t := range u.policy.Templates {
		known[t.ID] = true
	}
	grant := map[string]int{}
	for id, answer := range results {
		switch answer {
		case "accept", "acceptWithAudio":
			if known[id] {
				grant[id]++
			}
		case "reject", "ban", "filter":
		default:
			return nil, &InvalidError{What: "subscription", Reason: fmt.Sprintf("%q is not an answer of wx.requestSubscribeMessage", answer)}
		}
	}
	if len(grant) > 0 {
		if err := u.store.Grant(ctx, s.User().ID(), grant); err != nil {
			return nil, err
		}
	}
	return u.List(ctx, s)
}
