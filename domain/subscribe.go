package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

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
	// Keywords are the template's keywords and what each shows; none means
	// DefaultKeywords of the event.
	Keywords map[string]MessageSource
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

// tell asks for the buyer to be sent a message about the order (the job
// finds whether a template is configured and the buyer granted a send).
func (o *Order) tell(event SubscribeEvent, now time.Time) {
	o.jobs = append(o.jobs, Job{Kind: JobSendMessage, OrderID: o.id, Event: string(event), RunAt: now.UTC()})
}

// MessageSource is what a template's keyword shows.
type MessageSource string

const (
	SourceOrderNo MessageSource = "order"  // the out_trade_no
	SourceGoods   MessageSource = "goods"  // what was bought
	SourceTotal   MessageSource = "total"  // the order's total
	SourceRefund  MessageSource = "refund" // what has been refunded
	SourceTime    MessageSource = "time"   // when it happened
	SourceStatus  MessageSource = "status" // 已支付, 已发货, 已退款; a refund request's step
	SourceNote    MessageSource = "note"   // a refund request's rejection note, or its reason
)

// DefaultKeywords are the keywords a template is sent with when the
// configuration names none: pick templates with these keywords in the
// admin console, or name yours (SUBSCRIBE_TEMPLATES).
var DefaultKeywords = map[SubscribeEvent]map[string]MessageSource{
	MessagePaid:          {"character_string1": SourceOrderNo, "thing2": SourceGoods, "amount3": SourceTotal, "time4": SourceTime},
	MessageShipped:       {"character_string1": SourceOrderNo, "thing2": SourceGoods, "phrase3": SourceStatus, "time4": SourceTime},
	MessageRefunded:      {"character_string1": SourceOrderNo, "amount2": SourceRefund, "time3": SourceTime},
	MessageRefundRequest: {"character_string1": SourceOrderNo, "amount2": SourceRefund, "phrase3": SourceStatus, "thing4": SourceNote, "time5": SourceTime},
}

// ErrSubscriptionSpent: WeChat says the buyer has no send left (43101).
var ErrSubscriptionSpent = errors.New("no subscribe-message send left")

// MessagePage is where a message opens in the mini-program.
const MessagePage = "pages/order-detail/index"

// SubscribeMessage is one message to send.
type SubscribeMessage struct {
	OpenID     string
	TemplateID string
	Page       string
	Data       map[string]string // keyword → value, each valid for its type
}

// WeChatMessages is WeChat's subscribe/send. ErrSubscriptionSpent on 43101.
type WeChatMessages interface {
	SendSubscribeMessage(ctx context.Context, m SubscribeMessage) error
}

// SendMessages are the sends' storage: the buyer's counts.
type SendMessages interface {
	// UseSubscription takes one of the buyer's sends of the template (false
	// when none is left).
	UseSubscription(ctx context.Context, userID uuid.UUID, templateID string) (bool, error)
	// ClearSubscription sets the buyer's count of the template to zero
	// (WeChat said none is left).
	ClearSubscription(ctx context.Context, userID uuid.UUID, templateID string) error
	// ReturnSubscription gives a taken send back (WeChat did not answer).
	ReturnSubscription(ctx context.Context, userID uuid.UUID, templateID string) error
}

// SendMessage is the job that tells the buyer about their order.
type SendMessage struct {
	orders   Orders
	requests RefundApplications
	counts   SendMessages
	wechat   WeChatMessages
	policy   SubscribePolicy
	log      *slog.Logger
}

func NewSendMessage(orders Orders, requests RefundApplications, counts SendMessages, wechat WeChatMessages, policy SubscribePolicy, log *slog.Logger) *SendMessage {
	return &SendMessage{orders: orders, requests: requests, counts: counts, wechat: wechat, policy: policy, log: log}
}

// Execute sends the message of event about the order, when a template is
// configured for it and the buyer granted a send. A message WeChat refuses
// for good is logged, never retried.
func (u *SendMessage) Execute(ctx context.Context, orderID uuid.UUID, event SubscribeEvent) error {
	t, ok := u.policy.template(event)
	if !ok {
		return nil
	}
	o, err := u.orders.GetOrder(ctx, orderID)
	if err != nil {
		return err
	}
	var request *RefundApplication // a refund_request message tells where the order's latest request stands
	if event == MessageRefundRequest {
		requests, err := u.requests.RefundApplicationsOf(ctx, o.UserID(), orderID)
		if err != nil || len(requests) == 0 {
			return err
		}
		request = requests[len(requests)-1]
	}
	used, err := u.counts.UseSubscription(ctx, o.UserID(), t.ID)
	if err != nil || !used {
		return err // the buyer granted no send: nothing to do
	}
	m := SubscribeMessage{OpenID: o.PayerOpenID(), TemplateID: t.ID, Page: MessagePage + "?id=" + o.ID().String(), Data: o.messageData(t, event, request)}
	err = u.wechat.SendSubscribeMessage(ctx, m)
	switch {
	case errors.Is(err, ErrSubscriptionSpent):
		u.log.InfoContext(ctx, "the buyer had no send left at WeChat", "template", t.ID, "order_id", orderID)
		return u.counts.ClearSubscription(ctx, o.UserID(), t.ID)
	case errors.As(err, new(*MessageRefusal)):
		u.log.ErrorContext(ctx, "WeChat refused a subscribe message", "template", t.ID, "order_id", orderID, "err", err)
	case err != nil:
		// WeChat did not answer: the send is given back and the job tries again.
		return errors.Join(err, u.counts.ReturnSubscription(ctx, o.UserID(), t.ID))
	}
	return nil
}

// MessageRefusal is WeChat refusing a message for good (a bad template or
// openid, a value it would not take): retrying would not help.
type MessageRefusal struct{ Reason string }

func (e *MessageRefusal) Error() string { return "WeChat refused the message: " + e.Reason }

func (p SubscribePolicy) template(event SubscribeEvent) (SubscribeTemplate, bool) {
	for _, t := range p.Templates {
		if t.Event == event {
			return t, true
		}
	}
	return SubscribeTemplate{}, false
}

// requestSteps are a refund request's statuses as a phrase (≤ 5 characters).
var requestSteps = map[ApplicationStatus]string{RequestRequested: "待处理", RequestRefunding: "已同意退款", RequestRefunded: "已退款",
	RequestRejected: "已拒绝", RequestWithdrawn: "已撤回"}

// messageData fills the template's keywords from the order (and, for a
// refund_request message, the request), each value made valid for its
// keyword's type (47003 must never happen).
func (o *Order) messageData(t SubscribeTemplate, event SubscribeEvent, request *RefundApplication) map[string]string {
	keywords := t.Keywords
	if len(keywords) == 0 {
		keywords = DefaultKeywords[event]
	}
	status := map[SubscribeEvent]string{MessagePaid: "已支付", MessageShipped: "已发货", MessageRefunded: "已退款"}[event]
	refunded, note := o.refundedFen, "-"
	at := o.paidAt
	switch event {
	case MessageRefundRequest:
		status, refunded, note, at = requestSteps[request.Status], request.AmountFen, request.Reason, request.UpdatedAt
		if request.Note != "" {
			note = request.Note
		}
	case MessageShipped:
		if o.shipment != nil {
			at = o.shipment.ShippedAt
		}
	case MessageRefunded:
		for _, r := range o.refunds {
			if r.succeededAt.After(at) {
				at = r.succeededAt
			}
		}
	}
	data := map[string]string{}
	for key, src := range keywords {
		var v string
		switch src {
		case SourceOrderNo:
			v = o.outTradeNo
		case SourceGoods:
			v = o.description
		case SourceTotal:
			v = Yuan(o.totalFen)
		case SourceRefund:
			v = Yuan(refunded)
		case SourceNote:
			v = note
		case SourceTime:
			v = at.In(Beijing).Format("2006-01-02 15:04")
		case SourceStatus:
			v = status
		}
		data[key] = KeywordValue(key, v)
	}
	return data
}

// KeywordValue makes v valid for the keyword's type (§13): too long
// things are cut with an ellipsis, amounts are yuan with a symbol.
func KeywordValue(key, v string) string {
	kind := strings.TrimRight(key, "0123456789")
	cut := func(n int) string {
		if utf8.RuneCountInString(v) <= n {
			return v
		}
		return string([]rune(v)[:n-1]) + "…"
	}
	switch kind {
	case "thing":
		return cut(20)
	case "phrase":
		return cut(5)
	case "name":
		return cut(10)
	case "character_string", "number", "letter":
		if len(v) > 32 {
			return v[:32]
		}
	case "amount":
		return strings.TrimPrefix(v, "-")
	}
	return v
}
