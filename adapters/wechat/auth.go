// Package wechat talks to WeChat's servers: code2session for login (auth.go)
// and, later, the WeChat Pay APIv3 client. It translates WeChat's wire format
// and error codes into domain types and errors; nothing outside this package
// sees an errcode.
//
// The base URLs come from configuration so that tests and local development
// point them at the emulator in ./emulator.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// Defaults for AuthConfig.
const (
	DefaultAuthTimeout      = 5 * time.Second
	DefaultAuthRetryBackoff = 200 * time.Millisecond
)

// maxResponseBody bounds what we read from WeChat: a real answer is a few
// hundred bytes, and anything bigger is not an answer we can use.
const maxResponseBody = 64 << 10

// AuthConfig says where code2session lives and who we are.
type AuthConfig struct {
	BaseURL       string // e.g. https://api.weixin.qq.com, or the emulator's URL
	AppID, Secret string
	Timeout       time.Duration // per attempt; zero means DefaultAuthTimeout
	RetryBackoff  time.Duration // wait before the single retry on errcode -1; zero means DefaultAuthRetryBackoff
}

// Auth exchanges wx.login codes for identities with WeChat's code2session.
type Auth struct {
	endpoint *url.URL // BaseURL + /sns/jscode2session, without a query
	appID    string
	secret   string
	timeout  time.Duration
	backoff  time.Duration
	hc       *http.Client
	log      *slog.Logger
}

var _ domain.WeChatAuth = (*Auth)(nil)

// NewAuth validates cfg. A nil hc gets a client of its own (timeouts are set
// per attempt through the request context); a nil log discards.
func NewAuth(cfg AuthConfig, hc *http.Client, log *slog.Logger) (*Auth, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" {
		return nil, fmt.Errorf("wechat auth: BaseURL %q must be an absolute http(s) URL without a query", cfg.BaseURL)
	}
	switch {
	case cfg.AppID == "":
		return nil, errors.New("wechat auth: AppID is required")
	case cfg.Secret == "":
		return nil, errors.New("wechat auth: Secret is required")
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("wechat auth: Timeout must not be negative, got %s", cfg.Timeout)
	case cfg.RetryBackoff < 0:
		return nil, fmt.Errorf("wechat auth: RetryBackoff must not be negative, got %s", cfg.RetryBackoff)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Auth{
		endpoint: base.JoinPath("sns", "jscode2session"),
		appID:    cfg.AppID,
		secret:   cfg.Secret,
		timeout:  cfg.Timeout,
		backoff:  cfg.RetryBackoff,
		hc:       hc,
		log:      log.With("component", "wechat.code2session"),
	}
	if a.timeout == 0 {
		a.timeout = DefaultAuthTimeout
	}
	if a.backoff == 0 {
		a.backoff = DefaultAuthRetryBackoff
	}
	return a, nil
}

// code2sessionReply is WeChat's answer, success and error alike. WeChat
// omits errcode on success, which decodes as 0.
type code2sessionReply struct {
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid"`
	SessionKey string `json:"session_key"`
}

// errcodes that code2session answers with.
const (
	errSystemBusy    = -1
	errInvalidCode   = 40029
	errCodeUsed      = 40163
	errRateLimited   = 45011
	errHighRiskUser  = 40226
	errInvalidAppID  = 40013
	errInvalidSecret = 40125
	errAppIDMissing  = 41002
	errSecretMissing = 41004
	errCodeMissing   = 41008
)

// Code2Session asks WeChat who is behind a wx.login code.
//
// Errors wrap domain.ErrInvalidCode, ErrRateLimited, ErrUserBlocked or
// ErrWeChatUnavailable. When the caller's ctx ends first, the error wraps
// both ctx.Err() and ErrWeChatUnavailable, so the HTTP layer needs no
// special case while callers can still tell a cancellation apart. No error
// or log line carries the app secret or the session_key.
func (a *Auth) Code2Session(ctx context.Context, code string) (domain.WeChatIdentity, error) {
	if code == "" {
		// WeChat would answer 41008, which reads as our own misconfiguration.
		return domain.WeChatIdentity{}, fmt.Errorf("code2session: empty code: %w", domain.ErrInvalidCode)
	}
	reply, err := a.attempt(ctx, code)
	if err == nil && reply.ErrCode == errSystemBusy {
		// -1 is WeChat's "busy, try again": one retry after a pause absorbs
		// blips without making a user wait through a real outage. The code
		// is still unused, because WeChat did not process the call.
		a.log.WarnContext(ctx, "WeChat busy, retrying once", "errcode", reply.ErrCode, "errmsg", a.redact(reply.ErrMsg), "backoff", a.backoff)
		if err := sleep(ctx, a.backoff); err != nil {
			return domain.WeChatIdentity{}, fmt.Errorf("code2session: waiting to retry: %w: %w", err, domain.ErrWeChatUnavailable)
		}
		reply, err = a.attempt(ctx, code)
	}
	if err != nil {
		return domain.WeChatIdentity{}, err
	}
	return a.interpret(ctx, reply)
}

// attempt makes one call with its own timeout. Its errors are already
// final: wrapped in ErrWeChatUnavailable and free of the secret.
func (a *Auth) attempt(ctx context.Context, code string) (code2sessionReply, error) {
	actx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()

	u := *a.endpoint
	u.RawQuery = url.Values{
		"appid":      {a.appID},
		"secret":     {a.secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}.Encode()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return code2sessionReply{}, fmt.Errorf("code2session: build request: %s: %w", a.redact(stripURL(err).Error()), domain.ErrWeChatUnavailable)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return code2sessionReply{}, a.transportError(ctx, actx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return code2sessionReply{}, a.transportError(ctx, actx, err)
	}
	if resp.StatusCode != http.StatusOK {
		a.log.WarnContext(ctx, "WeChat answered with an HTTP error", "status", resp.StatusCode, "content_type", resp.Header.Get("Content-Type"))
		return code2sessionReply{}, fmt.Errorf("code2session: HTTP status %d: %w", resp.StatusCode, domain.ErrWeChatUnavailable)
	}
	if len(body) > maxResponseBody {
		a.log.WarnContext(ctx, "WeChat answer too large", "limit_bytes", maxResponseBody)
		return code2sessionReply{}, fmt.Errorf("code2session: answer larger than %d bytes: %w", maxResponseBody, domain.ErrWeChatUnavailable)
	}
	// WeChat sends JSON as text/plain, so the content type is not checked.
	// The body is never logged: on success it holds the session_key.
	var reply code2sessionReply
	if err := json.Unmarshal(body, &reply); err != nil {
		a.log.WarnContext(ctx, "WeChat answer is not JSON", "content_type", resp.Header.Get("Content-Type"), "bytes", len(body))
		return code2sessionReply{}, fmt.Errorf("code2session: undecodable answer: %w", domain.ErrWeChatUnavailable)
	}
	return reply, nil
}

// transportError explains a failed round trip. Go's *url.Error repeats the
// whole URL, query and secret included, so only its cause is kept.
func (a *Auth) transportError(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("code2session: %w: %w", ctx.Err(), domain.ErrWeChatUnavailable)
	}
	if actx.Err() != nil {
		a.log.WarnContext(ctx, "WeChat did not answer in time", "timeout", a.timeout)
		return fmt.Errorf("code2session: no answer within %s: %w", a.timeout, domain.ErrWeChatUnavailable)
	}
	msg := a.redact(stripURL(err).Error())
	a.log.WarnContext(ctx, "WeChat unreachable", "error", msg)
	return fmt.Errorf("code2session: %s: %w", msg, domain.ErrWeChatUnavailable)
}

// interpret maps WeChat's answer to an identity or a domain error.
func (a *Auth) interpret(ctx context.Context, r code2sessionReply) (domain.WeChatIdentity, error) {
	msg := a.redact(r.ErrMsg)
	fail := func(sentinel error) error {
		return fmt.Errorf("code2session: WeChat errcode %d (%s): %w", r.ErrCode, msg, sentinel)
	}
	switch r.ErrCode {
	case 0:
		return a.identity(ctx, r)
	case errInvalidCode, errCodeUsed:
		a.log.InfoContext(ctx, "login code refused", "errcode", r.ErrCode, "errmsg", msg)
		return domain.WeChatIdentity{}, fail(domain.ErrInvalidCode)
	case errRateLimited:
		a.log.WarnContext(ctx, "WeChat rate limited a login", "errcode", r.ErrCode, "errmsg", msg)
		return domain.WeChatIdentity{}, fail(domain.ErrRateLimited)
	case errHighRiskUser:
		a.log.InfoContext(ctx, "WeChat blocked a high-risk user", "errcode", r.ErrCode, "errmsg", msg)
		return domain.WeChatIdentity{}, fail(domain.ErrUserBlocked)
	case errInvalidAppID, errInvalidSecret, errAppIDMissing, errSecretMissing, errCodeMissing:
		// These mean our own request or configuration is wrong: every login
		// fails until an operator fixes it.
		a.log.ErrorContext(ctx, "WeChat rejected our credentials or request: check the app id and secret", "errcode", r.ErrCode, "errmsg", msg, "appid", a.appID)
		return domain.WeChatIdentity{}, fail(domain.ErrWeChatUnavailable)
	case errSystemBusy:
		a.log.ErrorContext(ctx, "WeChat still busy after a retry", "errcode", r.ErrCode, "errmsg", msg)
		return domain.WeChatIdentity{}, fail(domain.ErrWeChatUnavailable)
	default:
		a.log.WarnContext(ctx, "unexpected code2session errcode", "errcode", r.ErrCode, "errmsg", msg)
		return domain.WeChatIdentity{}, fail(domain.ErrWeChatUnavailable)
	}
}

func (a *Auth) identity(ctx context.Context, r code2sessionReply) (domain.WeChatIdentity, error) {
	if r.OpenID == "" || r.SessionKey == "" {
		a.log.ErrorContext(ctx, "code2session succeeded without openid or session_key", "has_openid", r.OpenID != "", "has_session_key", r.SessionKey != "")
		return domain.WeChatIdentity{}, fmt.Errorf("code2session: answer without openid or session_key: %w", domain.ErrWeChatUnavailable)
	}
	key, err := domain.ParseSessionKey(r.SessionKey)
	if err != nil {
		a.log.ErrorContext(ctx, "code2session returned a malformed session_key")
		return domain.WeChatIdentity{}, fmt.Errorf("code2session: %w: %w", err, domain.ErrWeChatUnavailable)
	}
	return domain.WeChatIdentity{OpenID: r.OpenID, UnionID: r.UnionID, SessionKey: key}, nil
}

func (a *Auth) redact(s string) string { return redact(s, a.secret) }

// redact removes the secret from text that came from elsewhere (WeChat's
// errmsg, a transport error) before it reaches an error or a log line.
// It redacts before truncating so that no prefix of the secret survives.
func redact(s, secret string) string {
	for _, form := range []string{secret, url.QueryEscape(secret)} {
		if form != "" { // ReplaceAll of "" would redact between every character
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	if len(s) > 256 {
		s = strings.ToValidUTF8(s[:256], "") + "..."
	}
	return s
}

// stripURL unwraps Go's *url.Error, whose message contains the request URL.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// sleep waits d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
