package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"
)

// The control API stands in for the mini-program's side of WeChat (what
// wx.login does on a phone) and lets tests look at state. It is JSON in and
// out under /emulator/; the Go methods below do the same for in-process
// tests, so both paths share one implementation.

// LoginCode is what wx.login would give the mini-program for a user.
type LoginCode struct {
	Code      string
	User      string
	OpenID    string
	UnionID   string // empty unless Config.UnionID
	ExpiresAt time.Time
}

// TestUser is a user as WeChat sees it. The emulator is a fake, so it shows
// the session_key that the real WeChat would never reveal.
type TestUser struct {
	Name       string
	OpenID     string
	UnionID    string // empty unless Config.UnionID
	SessionKey string // base64 of the current key; empty before the first login
	Logins     int    // successful code2session calls
}

const maxUserNameLen = 64

// validUserName keeps names usable as one path segment of
// /emulator/users/{name} and printable in logs.
func validUserName(name string) error {
	if len(name) > maxUserNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("user name must be valid UTF-8 of at most %d bytes", maxUserNameLen)
	}
	for _, r := range name {
		if r == '/' || !unicode.IsPrint(r) {
			return fmt.Errorf("user name %q must be printable and contain no '/'", name)
		}
	}
	return nil
}

// MintCode does what wx.login does for the named test user, creating the
// user on first use; "" means a fresh random user.
func (e *Emulator) MintCode(name string) (LoginCode, error) {
	if err := validUserName(name); err != nil {
		return LoginCode{}, fmt.Errorf("emulator: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for name == "" {
		candidate := "user-" + randomHex(6)
		if _, taken := e.users[candidate]; !taken {
			name = candidate
		}
	}
	now := e.now()
	e.pruneLocked(now)
	u := e.userLocked(name)
	code := randomHex(16) // real codes are 32 characters too
	c := &loginCode{user: u, expiresAt: now.Add(e.codeTTL)}
	e.codes[code] = c
	return LoginCode{Code: code, User: u.name, OpenID: u.openID, UnionID: u.unionID, ExpiresAt: c.expiresAt}, nil
}

// User returns the named test user, if a code was ever minted for it.
func (e *Emulator) User(name string) (TestUser, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.users[name]
	if !ok {
		return TestUser{}, false
	}
	return u.view(), true
}

// view is the user as the control API shows it (the caller holds e.mu).
func (u *user) view() TestUser {
	t := TestUser{Name: u.name, OpenID: u.openID, UnionID: u.unionID, Logins: u.logins}
	if u.sessionKey != nil {
		t.SessionKey = base64.StdEncoding.EncodeToString(u.sessionKey)
	}
	return t
}

func (t TestUser) response() userResponse {
	return userResponse{User: t.Name, OpenID: t.OpenID, UnionID: t.UnionID, SessionKey: t.SessionKey, Logins: t.Logins}
}

type loginCodeRequest struct {
	User string `json:"user"`
}

type loginCodeResponse struct {
	Code      string `json:"code"`
	User      string `json:"user"`
	OpenID    string `json:"openid"`
	UnionID   string `json:"unionid,omitempty"`
	ExpiresAt string `json:"expires_at"`
}

// postLoginCode: POST /emulator/login-codes {"user":"alice"}; the body is
// optional.
func (e *Emulator) postLoginCode(w http.ResponseWriter, r *http.Request) {
	var req loginCodeRequest
	if err := decodeControlBody(w, r, &req); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := e.MintCode(req.User)
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, contentTypeJSON, loginCodeResponse{
		Code:      c.Code,
		User:      c.User,
		OpenID:    c.OpenID,
		UnionID:   c.UnionID,
		ExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339),
	})
}

type userResponse struct {
	User       string `json:"user"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid,omitempty"`
	SessionKey string `json:"session_key"`
	Logins     int    `json:"logins"`
}

// getUser: GET /emulator/users/{name}
func (e *Emulator) getUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	u, ok := e.User(name)
	if !ok {
		writeControlError(w, http.StatusNotFound, fmt.Sprintf("no test user %q", name))
		return
	}
	writeJSON(w, http.StatusOK, contentTypeJSON, u.response())
}

type faultJSON struct {
	Endpoint   Endpoint `json:"endpoint"`
	ErrCode    int      `json:"errcode"`
	Code       string   `json:"code,omitempty"`
	ErrMsg     string   `json:"errmsg,omitempty"`
	DelayMS    int64    `json:"delay_ms"`
	HTTPStatus int      `json:"http_status"`
	Duplicate  int      `json:"duplicate,omitempty"`
	Drop       int      `json:"drop,omitempty"`
	SignTest   bool     `json:"sign_test,omitempty"`
	AnswerLost bool     `json:"answer_lost,omitempty"`
	// RefundOutcome: "ABNORMAL" or "CLOSED" (endpoint refund).
	RefundOutcome string `json:"refund_outcome,omitempty"`
	Times         int    `json:"times"`
}

// postFault: POST /emulator/faults; answers the fault as queued.
func (e *Emulator) postFault(w http.ResponseWriter, r *http.Request) {
	var req faultJSON
	if err := decodeControlBody(w, r, &req); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Checked before converting so that a huge delay_ms cannot overflow
	// into an acceptable Duration.
	if req.DelayMS < 0 || req.DelayMS > MaxFaultDelay.Milliseconds() {
		writeControlError(w, http.StatusBadRequest, fmt.Sprintf("delay_ms must be between 0 and %d", MaxFaultDelay.Milliseconds()))
		return
	}
	f := Fault{
		Endpoint:   req.Endpoint,
		ErrCode:    req.ErrCode,
		ErrMsg:     req.ErrMsg,
		Delay:      time.Duration(req.DelayMS) * time.Millisecond,
		HTTPStatus: req.HTTPStatus,
		Code:       req.Code,
		Duplicate:  req.Duplicate,
		Drop:       req.Drop,
		SignTest:   req.SignTest,
		AnswerLost: req.AnswerLost,
		Times:      req.Times,

		RefundOutcome: req.RefundOutcome,
	}
	if err := e.InjectFault(f); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Times == 0 {
		req.Times = 1
	}
	writeJSON(w, http.StatusCreated, contentTypeJSON, req)
}

// deleteFaults: DELETE /emulator/faults
func (e *Emulator) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	e.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

const maxControlBody = 64 << 10

// decodeControlBody reads one JSON object into v. An empty body leaves v
// as it is; unknown fields are refused so that a typo in a test's fault
// does not silently become a different fault.
func decodeControlBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: more than one value")
	}
	return nil
}

type controlError struct {
	Error string `json:"error"`
}

func writeControlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, contentTypeJSON, controlError{Error: msg})
}
