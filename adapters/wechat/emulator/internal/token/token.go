package token

import (
	"encoding/base64"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// What WeChat grants and allows (§11).
const (
	// Lifetime is every new token's expires_in.
	Lifetime = 7200 * time.Second
	// RotateBefore: a normal stable_token call this close to the token's
	// expiry gets a new one; the old stays valid until its own expiry, so
	// that a returned token always has at least this long to live.
	RotateBefore = 5 * time.Minute
	// ForceQuota is how many force refreshes a Beijing day allows; the
	// next answers 45009 until midnight Beijing.
	ForceQuota = 20
	// ForceGap: a force_refresh within this of the last one that refreshed
	// refreshes nothing and returns the current token.
	ForceGap = 30 * time.Second
	// ClassicGrace is how long a classic token stays valid once the next
	// one is issued.
	ClassicGrace = 5 * time.Minute
	// ClassicQuota is how many /cgi-bin/token calls a Beijing day allows
	// (commonly 2000; UNCONFIRMED in §11).
	ClassicQuota = 2000
	// remembered is how long past its expiry a token is still known, to
	// answer 42001 (expired) rather than 40001 (never was).
	remembered = 24 * time.Hour
)

// WeChat's errcodes of the token endpoints and of Validate.
const (
	errSystem        = -1
	errInvalidToken  = 40001
	errInvalidGrant  = 40002
	errInvalidAppID  = 40013
	errInvalidSecret = 40125
	errTokenMissing  = 41001
	errAppIDMissing  = 41002
	errSecretMissing = 41004
	errTokenExpired  = 42001
	errRequirePOST   = 43002
	errDailyQuota    = 45009
	errDataFormat    = 47001
)

// Config is the mini-program whose tokens the server issues, as the
// emulator's Config has validated it.
type Config struct {
	AppID, Secret string
	Now           func() time.Time
}

type family string

const (
	stableFamily  family = "stable"
	classicFamily family = "classic"
)

// record is one token ever issued (and not yet forgotten).
type record struct {
	value     string
	family    family
	issuedAt  time.Time
	expiresAt time.Time
	// validUntil is expiresAt, or earlier once the token was killed (a
	// force refresh, Invalidate) or replaced (a classic token's grace).
	validUntil time.Time
}

func (r *record) liveAt(now time.Time) bool { return now.Before(r.validUntil) }

// Counters are the calls answered with a token or with the daily quota's
// 45009, by kind; calls refused for their credentials or format, and
// faulted calls, are not counted. They belong to the run: a restart
// starts them at zero.
type Counters struct {
	Stable      int // stable_token in normal mode
	StableForce int // stable_token with force_refresh, whether or not it refreshed
	Classic     int // GET /cgi-bin/token
}

// Server is the access_token side of an Emulator.
type Server struct {
	appID, secret string
	now           func() time.Time
	api           wxshared.ErrcodeAPI

	mu      sync.Mutex
	tokens  map[string]*record
	stable  *record // the current stable token; nil before the first or after Invalidate
	classic *record // the latest classic token
	// Force refreshes of the Beijing day forceDay, and when the last was.
	forceDay   string
	forceCount int
	lastForce  time.Time
	// Classic calls of the Beijing day classicDay.
	classicDay   string
	classicCount int
	counters     Counters
	lastPrune    time.Time
}

// New returns a server that has issued no token yet.
func New(cfg Config, faults *wxshared.Faults) *Server {
	return &Server{
		appID:  cfg.AppID,
		secret: cfg.Secret,
		now:    cfg.Now,
		api:    wxshared.ErrcodeAPI{Now: cfg.Now, Faults: faults, RIDSep: wxshared.RIDSpace},
		tokens: make(map[string]*record),
	}
}

// Validate says whether accessToken may call an API now: nil, or WeChat's
// answer: 41001 when it is missing, 40001 when WeChat never issued it or
// it was killed (force_refresh, Invalidate) or replaced (a classic token
// past its grace), 42001 once it has expired. Every route taking
// ?access_token= asks it first.
func (e *Server) Validate(accessToken string) *wxshared.WeChatError {
	if accessToken == "" {
		return e.api.Err(errTokenMissing, "access_token missing")
	}
	e.mu.Lock()
	rec, ok := e.tokens[accessToken]
	now := e.now()
	e.mu.Unlock()
	switch {
	case ok && rec.liveAt(now):
		return nil
	case !ok || rec.validUntil.Before(rec.expiresAt):
		return e.api.Err(errInvalidToken, wxshared.InvalidCredentialMsg)
	default:
		return e.api.Err(errTokenExpired, "access_token expired")
	}
}

// issueLocked makes a new token of f, valid Lifetime from now.
func (e *Server) issueLocked(f family, now time.Time) *record {
	e.pruneLocked(now)
	r := &record{value: newToken(), family: f, issuedAt: now, expiresAt: now.Add(Lifetime)}
	r.validUntil = r.expiresAt
	e.tokens[r.value] = r
	return r
}

// newToken looks like WeChat's: a short number, "_", then ~136 characters
// of letters, digits, - and _ (clients are told to keep room for 512).
func newToken() string {
	return strconv.Itoa(80+int(wxshared.RandomBytes(1)[0]%20)) + "_" + base64.RawURLEncoding.EncodeToString(wxshared.RandomBytes(102))
}

// pruneLocked forgets tokens a day past their expiry, at most once an hour.
func (e *Server) pruneLocked(now time.Time) {
	if now.Sub(e.lastPrune) < time.Hour {
		return
	}
	e.lastPrune = now
	for v, r := range e.tokens {
		if now.After(r.expiresAt.Add(remembered)) {
			delete(e.tokens, v)
		}
	}
}

// beijingDay is the day WeChat's daily quotas count in.
func beijingDay(t time.Time) string { return t.In(wxshared.CST).Format(time.DateOnly) }

// expiresIn is what is left of r at now in whole seconds, rounded down so
// that a client never keeps a token past its life.
func expiresIn(r *record, now time.Time) int { return int(r.expiresAt.Sub(now) / time.Second) }

// Info is a token as the control API shows it. The emulator is a fake, so
// it shows the token itself.
type Info struct {
	AccessToken string
	IssuedAt    time.Time
	ExpiresAt   time.Time
	ExpiresIn   int // seconds left, rounded down
}

// Status is the access_token side as a test or the console sees it.
type Status struct {
	// Stable is the current stable token while it is valid; nil before
	// the first, after Invalidate, or once it has expired.
	Stable *Info
	// StableOverlap lists the older stable tokens still valid: the ones a
	// rotation in their last five minutes left to run out.
	StableOverlap []Info
	// Classic is the latest classic token while it is valid.
	Classic             *Info
	Counters            Counters
	ForceRefreshesToday int // refreshes that counted against ForceQuota this Beijing day
}

// Status returns the tokens valid now and the counts of calls.
func (e *Server) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.statusLocked(e.now())
}

func (e *Server) statusLocked(now time.Time) Status {
	info := func(r *record) *Info {
		if r == nil || !r.liveAt(now) {
			return nil
		}
		return &Info{AccessToken: r.value, IssuedAt: r.issuedAt, ExpiresAt: r.expiresAt, ExpiresIn: expiresIn(r, now)}
	}
	s := Status{Stable: info(e.stable), Classic: info(e.classic), Counters: e.counters}
	for _, r := range e.tokens {
		if r.family == stableFamily && r != e.stable && r.liveAt(now) {
			s.StableOverlap = append(s.StableOverlap, *info(r))
		}
	}
	slices.SortFunc(s.StableOverlap, func(a, b Info) int { return a.IssuedAt.Compare(b.IssuedAt) })
	if e.forceDay == beijingDay(now) {
		s.ForceRefreshesToday = e.forceCount
	}
	return s
}

// Counters returns the calls counted so far.
func (e *Server) Counters() Counters {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counters
}

// Invalidate kills every valid stable token now, as a force refresh made
// elsewhere (another service sharing the appid) would: the next call of
// any API with one gets 40001, and the next stable_token call, normal or
// forced, issues a fresh token. It spends none of the daily force quota
// and leaves the classic family alone. It returns the status after.
func (e *Server) Invalidate() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.killStableLocked(now)
	e.stable = nil
	return e.statusLocked(now)
}

// killStableLocked ends every stable token still valid at now.
func (e *Server) killStableLocked(now time.Time) {
	for _, r := range e.tokens {
		if r.family == stableFamily && r.liveAt(now) {
			r.validUntil = now
		}
	}
}
