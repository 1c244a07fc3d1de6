package emulator

import (
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/token"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The access_token's types, constants and methods (package token).

type (
	// TokenStatus is the tokens valid now and the calls counted so far
	// (GET /emulator/token).
	TokenStatus = token.Status
	// TokenInfo is one token with what is left of its life.
	TokenInfo = token.Info
	// TokenCounters are the stable_token (normal, force) and
	// /cgi-bin/token calls answered with a token or with 45009.
	TokenCounters = token.Counters
)

const (
	TokenLifetime     = token.Lifetime     // every new token's expires_in (7200 s)
	TokenRotateBefore = token.RotateBefore // a stable token is rotated in its last 5 minutes
	TokenForceQuota   = token.ForceQuota   // force refreshes a Beijing day (20)
	TokenForceGap     = token.ForceGap     // a force within 30 s of the last refreshes nothing
	TokenClassicGrace = token.ClassicGrace // a classic token's life once the next is issued (5 minutes)
	TokenClassicQuota = token.ClassicQuota // /cgi-bin/token calls a Beijing day (2000)
	// Token is the fault endpoint of GET /cgi-bin/token (StableToken is
	// POST /cgi-bin/stable_token's).
	Token = wxshared.Token
)

// TokenStatus returns the access tokens valid now (the stable one, older
// stable ones still running out after a rotation, the latest classic one)
// and how many calls each endpoint served, as GET /emulator/token does.
func (e *Emulator) TokenStatus() TokenStatus { return e.token.Status() }

// TokenCounters returns how many stable_token calls (normal and
// force_refresh) and /cgi-bin/token calls were answered with a token or
// with 45009 since New: a test proves "one stable_token call per
// rotation" with it.
func (e *Emulator) TokenCounters() TokenCounters { return e.token.Counters() }

// InvalidateToken kills every valid stable token now, as a force refresh
// made by another service sharing the appid would: the next call of any
// API with it answers 40001, and the next stable_token call, normal or
// forced, issues a fresh one. It spends none of the daily force quota and
// leaves the classic token alone. It is what POST
// /emulator/token/invalidate does, and returns the status after.
func (e *Emulator) InvalidateToken() TokenStatus { return e.token.Invalidate() }
