package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// Platform is the mini-program's server API at WeChat (api.weixin.qq.com,
// or whatever WECHAT_API_BASE names): one HTTP client with the platform's
// access_token attached and its errcodes mapped here, once, to domain
// errors (README: "The platform's access_token").
//
// The access_token is the stable_token of the appid, one for every
// instance, kept in the shared database (domain.PlatformTokens): an instance reads
// it, and only when it has less than RenewAhead left (or WeChat refused
// it) does one instance at a time ask stable_token for it, in normal mode,
// which hands every caller the same token, and a new one only in its last
// five minutes. The service never forces a refresh on its own: a forced
// refresh kills every holder's token and WeChat allows 20 a day, 30 s
// apart; it is an operator's command (Force).
type Platform struct {
	base    *url.URL
	appID   string
	secret  string
	timeout time.Duration
	backoff time.Duration
	ahead   time.Duration
	hc      *http.Client
	store   domain.PlatformTokens
	now     func() time.Time
	watch   PlatformMonitor
	log     *slog.Logger

	// mu guards this instance's copy of the shared token, which saves a
	// read of the database on every call while the token is fresh.
	mu     sync.Mutex
	cached domain.PlatformToken
}

// PlatformMonitor counts token fetches and WeChat's refusals.
type PlatformMonitor interface {
	TokenFetch(mode, result string) // mode normal|force; result ok|errcode|error
	PlatformError(api string, errcode int)
}

// PlatformConfig says where the server API lives and who we are.
type PlatformConfig struct {
	BaseURL       string
	AppID, Secret string
	Timeout       time.Duration // per attempt; zero means DefaultAuthTimeout
	RetryBackoff  time.Duration // before the one retry of errcode -1; zero means DefaultAuthRetryBackoff
	// RenewAhead is how long before its expiry the token is renewed: in
	// its last five minutes stable_token hands out the next one. Zero
	// means 5 minutes.
	RenewAhead time.Duration
	Now        func() time.Time
}

// WeChat's limits on forced refreshes (§11).
const (
	MaxForcesADay  = 20
	ForceSpacing   = 30 * time.Second
	stableTokenMin = 5 * time.Minute
)

// ErrForceLimited: a forced refresh now would break WeChat's limits.
var ErrForceLimited = domain.ErrTokenForceLimited

var _ domain.Platform = (*Platform)(nil)

func NewPlatform(cfg PlatformConfig, store domain.PlatformTokens, hc *http.Client, watch PlatformMonitor, log *slog.Logger) (*Platform, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" {
		return nil, fmt.Errorf("wechat platform: BaseURL %q must be an absolute http(s) URL without a query", cfg.BaseURL)
	}
	if cfg.AppID == "" || cfg.Secret == "" {
		return nil, errors.New("wechat platform: AppID and Secret are required")
	}
	p := &Platform{base: base, appID: cfg.AppID, secret: cfg.Secret, timeout: cfg.Timeout, backoff: cfg.RetryBackoff,
		ahead: cfg.RenewAhead, hc: hc, store: store, now: cfg.Now, watch: watch, log: log}
	if p.timeout <= 0 {
		p.timeout = DefaultAuthTimeout
	}
	if p.backoff <= 0 {
		p.backoff = DefaultAuthRetryBackoff
	}
	if p.ahead <= 0 {
		p.ahead = stableTokenMin
	}
	if p.hc == nil {
		p.hc = &http.Client{}
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.log = p.log.With("component", "wechat.platform")
	return p, nil
}

// errcodes of the server API that the client itself handles.
const (
	errTokenInvalid   = 40001
	errTokenBad       = 40014
	errTokenExpired   = 42001
	errTokenMissing   = 41001
	errDailyQuota     = 45009
	errIPWhitelist    = 40164
	errSecretFrozen   = 40243
	errIPConfirmation = 89503
)

// PlatformError is WeChat's refusal of a server API call that the caller
// may want to tell apart (shipping maps its own codes to domain errors).
type PlatformError struct {
	API     string
	Code    int
	Message string
}

func (e *PlatformError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d (%s)", e.API, e.Code, e.Message)
}

// Unwrap: every refusal is WeChat not doing what was asked.
func (e *PlatformError) Unwrap() error { return domain.ErrWeChatUnavailable }

// call POSTs in as JSON to path with the shared access_token and decodes
// the answer into out. A token WeChat refuses (40001, 40014, 42001) is
// renewed once, without force, and the call made again; -1 is retried
// once. Other errcodes are a *PlatformError.
func (p *Platform) call(ctx context.Context, api, path string, in, out any) error {
	tok, err := p.token(ctx)
	if err != nil {
		return err
	}
	code, msg, err := p.post(ctx, api, path, tok.Value, in, out)
	if err == nil && code == errSystemBusy {
		if err := sleep(ctx, p.backoff); err != nil {
			return fmt.Errorf("wechat %s: %w: %w", api, err, domain.ErrWeChatUnavailable)
		}
		code, msg, err = p.post(ctx, api, path, tok.Value, in, out)
	}
	if err == nil && (code == errTokenInvalid || code == errTokenBad || code == errTokenExpired) {
		p.log.WarnContext(ctx, "WeChat refused the shared access_token; renewing it", "api", api, "errcode", code)
		if tok, err = p.renew(ctx, tok.Value); err != nil {
			return err
		}
		code, msg, err = p.post(ctx, api, path, tok.Value, in, out)
	}
	if err != nil {
		return err
	}
	if code != 0 {
		p.watch.PlatformError(api, code)
		return &PlatformError{API: api, Code: code, Message: msg}
	}
	return nil
}

// token is the shared token, renewed first when it is due.
func (p *Platform) token(ctx context.Context) (domain.PlatformToken, error) {
	p.mu.Lock()
	t := p.cached
	p.mu.Unlock()
	if p.fresh(t) {
		return t, nil
	}
	t, err := p.store.SharedToken(ctx, p.appID)
	if err != nil {
		return domain.PlatformToken{}, fmt.Errorf("wechat access_token: %w", err)
	}
	if p.fresh(t) {
		p.keep(t)
		return t, nil
	}
	return p.renew(ctx, "")
}

func (p *Platform) keep(t domain.PlatformToken) {
	p.mu.Lock()
	p.cached = t
	p.mu.Unlock()
}

func (p *Platform) fresh(t domain.PlatformToken) bool {
	return t.Value != "" && t.ExpiresAt.Sub(p.now()) > p.ahead
}

// renew asks stable_token (normal mode) for the token, one instance at a
// time: unless the stored one is fresh and is not the one WeChat refused
// (refused; "" when none was), which another instance renewed meanwhile.
func (p *Platform) renew(ctx context.Context, refused string) (domain.PlatformToken, error) {
	t, err := p.store.RenewToken(ctx, p.appID, func(ctx context.Context, stored domain.PlatformToken) (domain.PlatformToken, error) {
		if p.fresh(stored) && stored.Value != refused {
			return stored, nil
		}
		return p.fetch(ctx, stored, false)
	})
	if err != nil {
		return domain.PlatformToken{}, fmt.Errorf("wechat access_token: %w", err)
	}
	p.keep(t)
	return t, nil
}

// Force is the operator's forced refresh: every holder's token dies at
// once, so it is refused beyond WeChat's 20 a day, 30 s apart.
func (p *Platform) ForceToken(ctx context.Context) (domain.PlatformToken, error) {
	t, err := p.store.RenewToken(ctx, p.appID, func(ctx context.Context, stored domain.PlatformToken) (domain.PlatformToken, error) {
		now := p.now()
		sameDay := domain.BillDayOf(stored.ForcedAt) == domain.BillDayOf(now)
		if !stored.ForcedAt.IsZero() && (now.Sub(stored.ForcedAt) < ForceSpacing || (sameDay && stored.Forces >= MaxForcesADay)) {
			return domain.PlatformToken{}, ErrForceLimited
		}
		t, err := p.fetch(ctx, stored, true)
		if err != nil {
			return domain.PlatformToken{}, err
		}
		t.ForcedAt, t.Forces = now, 1
		if sameDay {
			t.Forces = stored.Forces + 1
		}
		return t, nil
	})
	if err == nil {
		p.keep(t)
	}
	return t, err
}

// TokenStatus is the shared token as it stands, without its value.
func (p *Platform) TokenStatus(ctx context.Context) (domain.PlatformToken, error) {
	t, err := p.store.SharedToken(ctx, p.appID)
	t.Value = ""
	return t, err
}

type stableTokenReply struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch calls stable_token; stored carries the force record over.
func (p *Platform) fetch(ctx context.Context, stored domain.PlatformToken, force bool) (domain.PlatformToken, error) {
	mode := "normal"
	if force {
		mode = "force"
	}
	body := map[string]any{"grant_type": "client_credential", "appid": p.appID, "secret": p.secret, "force_refresh": force}
	var r stableTokenReply
	code, msg, err := p.postJSON(ctx, "stable_token", p.base.JoinPath("cgi-bin", "stable_token").String(), body, &r)
	if err == nil && code == errSystemBusy {
		if err := sleep(ctx, p.backoff); err != nil {
			return domain.PlatformToken{}, fmt.Errorf("wechat stable_token: %w: %w", err, domain.ErrWeChatUnavailable)
		}
		code, msg, err = p.postJSON(ctx, "stable_token", p.base.JoinPath("cgi-bin", "stable_token").String(), body, &r)
	}
	switch {
	case err != nil:
		p.watch.TokenFetch(mode, "error")
		return domain.PlatformToken{}, err
	case code != 0:
		p.watch.TokenFetch(mode, strconv.Itoa(code))
		p.watch.PlatformError("stable_token", code)
		level := slog.LevelWarn
		switch code {
		case errDailyQuota, errIPWhitelist, errInvalidSecret, errInvalidAppID, errSecretFrozen, errIPConfirmation:
			level = slog.LevelError // only a person can fix these; nothing here retries them in a loop
		}
		p.log.Log(ctx, level, "WeChat refused stable_token", "errcode", code, "errmsg", p.redact(msg), "appid", p.appID)
		return domain.PlatformToken{}, &PlatformError{API: "stable_token", Code: code, Message: p.redact(msg)}
	case r.AccessToken == "" || r.ExpiresIn <= 0:
		p.watch.TokenFetch(mode, "error")
		return domain.PlatformToken{}, fmt.Errorf("wechat stable_token: answer without a token: %w", domain.ErrWeChatUnavailable)
	}
	p.watch.TokenFetch(mode, "ok")
	now := p.now()
	p.log.InfoContext(ctx, "access_token renewed", "mode", mode, "expires_in", r.ExpiresIn)
	return domain.PlatformToken{Value: r.AccessToken, ExpiresAt: now.Add(time.Duration(r.ExpiresIn) * time.Second), FetchedAt: now,
		ForcedAt: stored.ForcedAt, Forces: stored.Forces}, nil
}

// post calls an API that takes ?access_token=.
func (p *Platform) post(ctx context.Context, api, path, token string, in, out any) (int, string, error) {
	u := p.base.JoinPath(path)
	u.RawQuery = url.Values{"access_token": {token}}.Encode()
	return p.postJSON(ctx, api, u.String(), in, out)
}

// postJSON makes one attempt and decodes errcode, errmsg and the rest of
// the answer. Its errors are final (ErrWeChatUnavailable) and never carry
// the URL, which holds the token, nor the secret.
func (p *Platform) postJSON(ctx context.Context, api, u string, in, out any) (int, string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return 0, "", fmt.Errorf("wechat %s: encode: %w", api, err)
	}
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return 0, "", fmt.Errorf("wechat %s: build request: %w", api, domain.ErrWeChatUnavailable)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("wechat %s: %s: %w", api, p.redact(stripURL(err).Error()), domain.ErrWeChatUnavailable)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	switch {
	case err != nil:
		return 0, "", fmt.Errorf("wechat %s: %s: %w", api, p.redact(stripURL(err).Error()), domain.ErrWeChatUnavailable)
	case resp.StatusCode != http.StatusOK:
		return 0, "", fmt.Errorf("wechat %s: HTTP status %d: %w", api, resp.StatusCode, domain.ErrWeChatUnavailable)
	case len(body) > maxResponseBody:
		return 0, "", fmt.Errorf("wechat %s: answer larger than %d bytes: %w", api, maxResponseBody, domain.ErrWeChatUnavailable)
	}
	var head struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return 0, "", fmt.Errorf("wechat %s: undecodable answer: %w", api, domain.ErrWeChatUnavailable)
	}
	if head.ErrCode == 0 && out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return 0, "", fmt.Errorf("wechat %s: undecodable answer: %w", api, domain.ErrWeChatUnavailable)
		}
	}
	return head.ErrCode, head.ErrMsg, nil
}

func (p *Platform) redact(s string) string { return redact(s, p.secret) }

// TradeManaged asks whether WeChat manages the mini-program's trades (its
// buyers' money waits for shipping and receipt).
func (p *Platform) TradeManaged(ctx context.Context) (bool, error) {
	var r struct {
		IsTradeManaged bool `json:"is_trade_managed"`
	}
	err := p.call(ctx, "is_trade_managed", "wxa/sec/order/is_trade_managed", map[string]string{"appid": p.appID}, &r)
	return r.IsTradeManaged, err
}

// SetMsgJumpPath says which page of the mini-program WeChat's shipping
// messages open; setting it again is harmless.
func (p *Platform) SetMsgJumpPath(ctx context.Context, path string) error {
	return p.call(ctx, "set_msg_jump_path", "wxa/sec/order/set_msg_jump_path", map[string]string{"path": path}, nil)
}
