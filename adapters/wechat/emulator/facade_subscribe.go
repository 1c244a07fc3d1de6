package emulator

import (
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/subscribe"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Subscribe messages (订阅消息, package subscribe): their types, constants
// and methods.

type (
	// SubscribeConfig is Config.Subscribe: Templates, Pages.
	SubscribeConfig = subscribe.Config
	// SubscribeTemplate is a template of the mini-program: ID, Title,
	// Fields by key (thing1: 商品名称), Enums by enum key, LongTerm.
	SubscribeTemplate = subscribe.Template
	// Subscription is one user's subscription to one template: the sends
	// left (Remaining), the accepts, other results and sends counted, the
	// last result and when; CanSend() says whether a send would be taken.
	Subscription = subscribe.Subscription
	// SubscribeMessage is a delivered message, as the phone shows it:
	// the template's title, its fields in order with their names and
	// values, the page, the version and language, and when.
	SubscribeMessage = subscribe.Message
	// SubscribeField is one field of a SubscribeMessage.
	SubscribeField = subscribe.Field
	// SubscribeRequestError is wx.requestSubscribeMessage failing (ErrCode
	// 10001, 20001, 20002, 20003): nothing was recorded.
	SubscribeRequestError = subscribe.RequestError
)

const (
	// What wx.requestSubscribeMessage answers per template id.
	SubscribeAccept          = subscribe.Accept
	SubscribeAcceptWithAudio = subscribe.AcceptWithAudio
	SubscribeReject          = subscribe.Reject
	SubscribeBan             = subscribe.Ban
	SubscribeFilter          = subscribe.Filter
	// SubscribeMaxPerRequest is how many template ids one call takes (5).
	SubscribeMaxPerRequest = subscribe.MaxPerRequest
	// SubscribeSend is the fault endpoint of POST
	// /cgi-bin/message/subscribe/send.
	SubscribeSend = wxshared.SubscribeSend
)

var (
	// ErrSubscribeTemplate: a template DeclareSubscribeTemplate refuses.
	ErrSubscribeTemplate = subscribe.ErrBadTemplate
	// ErrSubscribeResult: a result other than accept, acceptWithAudio,
	// reject, ban or filter.
	ErrSubscribeResult = subscribe.ErrBadResult
)

// SubscribeKeyType is the type of a template key, its prefix (thing1 →
// thing), or false for a key WeChat would not make.
func SubscribeKeyType(key string) (string, bool) { return subscribe.KeyType(key) }

// SubscribeValueValid says whether a non-empty value passes the rule of a
// key type (§13's table), as subscribe/send checks it; enum values must be
// one of enum.
func SubscribeValueValid(keyType, value string, enum []string) bool {
	return subscribe.Valid(keyType, value, enum)
}

// DeclareSubscribeTemplate adds a template to the mini-program's, or
// replaces the one with its ID; an empty ID gets a fresh one like
// WeChat's. It is what POST /emulator/subscribe-templates does.
func (e *Emulator) DeclareSubscribeTemplate(t SubscribeTemplate) (SubscribeTemplate, error) {
	return e.sub.DeclareTemplate(t)
}

// SubscribeTemplates returns the mini-program's templates by id.
func (e *Emulator) SubscribeTemplates() []SubscribeTemplate { return e.sub.Templates() }

// Subscribe records what wx.requestSubscribeMessage answered on the named
// test user's phone (created on first use): results by template id, each
// accept allowing one more send of a one-time template, accepts
// accumulating. A call WeChat would fail returns a *SubscribeRequestError
// and records nothing. It is what POST /emulator/subscriptions does, and
// returns the user's subscriptions to the templates named.
func (e *Emulator) Subscribe(user string, results map[string]string) ([]Subscription, error) {
	return e.sub.Subscribe(user, results)
}

// Subscriptions returns the named user's subscription to every template,
// or with user "" every subscription recorded, as GET
// /emulator/subscriptions does.
func (e *Emulator) Subscriptions(user string) []Subscription { return e.sub.Subscriptions(user) }

// SubscribeMessages returns the messages delivered to the named user
// ("" anyone), the latest first: what the phone shows, as GET
// /emulator/messages lists them.
func (e *Emulator) SubscribeMessages(user string) []SubscribeMessage { return e.sub.Messages(user, 0) }
