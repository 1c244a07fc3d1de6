package domain

import (
	"context"
	"errors"
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

// ErrTokenForceLimited: a forced refresh now would break WeChat's limits
// (20 a day, 30 s apart).
var ErrTokenForceLimited = errors.New("forced refresh refused: WeChat allows 20 a day, 30 s apart")

// Platform is what the operator sees of WeChat's server API.
type Platform interface {
	// TokenStatus is the shared token without its value.
	TokenStatus(ctx context.Context) (PlatformToken, error)
	// ForceToken refreshes the token with force_refresh: every holder's
	// token dies. ErrTokenForceLimited beyond WeChat's limits.
	ForceToken(ctx context.Context) (PlatformToken, error)
	// TradeManaged says whether WeChat manages the mini-program's trades.
	TradeManaged(ctx context.Context) (bool, error)
}

// PlatformStatus is the operator's view of it.
type PlatformStatus struct {
	Token        PlatformToken
	TradeManaged *bool // nil when WeChat did not say
}

// PlatformStatus reads the token's state and asks WeChat whether it
// manages the trades.
func (op *Operate) PlatformStatus(ctx context.Context) (PlatformStatus, error) {
	t, err := op.platform.TokenStatus(ctx)
	if err != nil {
		return PlatformStatus{}, err
	}
	if BillDayOf(t.ForcedAt) != BillDayOf(op.now()) {
		t.Forces = 0 // WeChat's count starts again each (Beijing) day
	}
	st := PlatformStatus{Token: t}
	if managed, err := op.platform.TradeManaged(ctx); err == nil {
		st.TradeManaged = &managed
	}
	return st, nil
}

// ForceToken is the operator's forced refresh, audited.
func (op *Operate) ForceToken(ctx context.Context, keyID string) (PlatformToken, error) {
	t, err := op.platform.ForceToken(ctx)
	if err != nil {
		return PlatformToken{}, err
	}
	return t, op.store.RecordAudit(ctx, op.audit(keyID, "platform.token.force", "access_token", map[string]any{"forces_today": t.Forces}))
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
