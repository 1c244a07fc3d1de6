package domain

import (
	"context"
	"time"
)

// The mini-program platform's access_token (README: "The platform's
// access_token"): one per appid, shared by every instance through the
// database, renewed by one instance at a time. The WeChat server API
// adapter decides when; this is what it keeps.

// PlatformToken is the appid's access_token as the instances share it,
// with the record of forced refreshes that WeChat limits.
type PlatformToken struct {
	Value     string
	ExpiresAt time.Time
	FetchedAt time.Time
	ForcedAt  time.Time // the last forced refresh
	Forces    int       // forced refreshes on ForcedAt's Beijing day
}

// PlatformTokens keeps the shared token.
type PlatformTokens interface {
	// SharedToken reads the appid's token (zero if none yet).
	SharedToken(ctx context.Context, appID string) (PlatformToken, error)
	// RenewToken locks the appid's token across instances, lets renew
	// decide from the token as it then stands, stores what renew returns
	// (when it differs), and returns it. While one instance renews, the
	// others wait, then find the token it stored.
	RenewToken(ctx context.Context, appID string, renew func(ctx context.Context, stored PlatformToken) (PlatformToken, error)) (PlatformToken, error)
}

// PlatformEvent is a push from WeChat (消息推送) whose signature has been
// checked and which has been opened. Events are hints: what they say is
// confirmed with WeChat's API before anything moves.
type PlatformEvent struct {
	Event         string // e.g. trade_manage_order_settlement
	TransactionID string
	OutTradeNo    string // merchant_trade_no
	At            time.Time
}

// Events of WeChat's order shipping management.
const (
	EventOrderSettlement = "trade_manage_order_settlement" // shipped, receipt confirmed, or settled
	EventRemindShipping  = "trade_manage_remind_shipping"  // paid 48 h ago and not shipped
)
