package domain

import "errors"

// Errors a use case can return. Adapters wrap or return these so that the
// HTTP layer can map each to one stable problem code without knowing which
// adapter produced it.
var (
	// ErrInvalidCode: the wx.login code is malformed, already used, expired,
	// or was issued for another appid.
	ErrInvalidCode = errors.New("login code is invalid, used or expired")
	// ErrRateLimited: WeChat throttled logins for this user.
	ErrRateLimited = errors.New("too many login attempts")
	// ErrUserBlocked: WeChat flagged the user as high risk.
	ErrUserBlocked = errors.New("user is blocked by WeChat")
	// ErrWeChatUnavailable: WeChat did not answer usefully (busy, timeout,
	// transport failure, or it rejected our own credentials).
	ErrWeChatUnavailable = errors.New("WeChat is unavailable")
	// ErrUnauthenticated: the bearer token is missing, malformed, unknown,
	// expired or revoked. Deliberately one error so callers cannot probe which.
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrNotFound: the thing asked for does not exist (or is not the caller's).
	ErrNotFound = errors.New("not found")
)

// InvalidError says what is wrong with a request: What names the thing
// (order, refund, product, resolution), Reason says it for people. The
// API answers it as a 400 invalid_request with Reason as the detail.
type InvalidError struct{ What, Reason string }

func (e *InvalidError) Error() string { return "invalid " + e.What + ": " + e.Reason }
