package phone

import (
	"cmp"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// What the control side does: the user taps the button (Mint), a test or
// the console looks at the codes (Codes) and sets a user's number
// (SetNumber) or how countryCode is written (SetCountryCodeType).

// Codes are kept, to be listed with whether they were used, until a day
// after their expiry, and at most maxCodes of them.
const (
	keepExpired = 24 * time.Hour
	maxCodes    = 1000
)

// MintRequest is a tap of the getPhoneNumber button.
type MintRequest struct {
	// User is the test user who taps (created on first use).
	User string
	// AppID is the mini-program whose button was tapped; "" means the
	// emulator's. Another appid's code answers 40029 here.
	AppID string
	// QuotaExhausted: the mini-program's quota is spent. No code is given
	// (ErrNoQuota): the callback gets errno 1400001.
	QuotaExhausted bool
}

// Code is a code the button gave, as the control API lists it.
type Code struct {
	Code      string
	User      string
	OpenID    string
	AppID     string
	Number    Number // what the exchange answers: the user's number at the tap
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// Used says whether the code was exchanged.
func (c Code) Used() bool { return !c.UsedAt.IsZero() }

func (c *code) view() Code {
	return Code{Code: c.value, User: c.user, OpenID: c.openID, AppID: c.appID, Number: c.number,
		IssuedAt: c.issuedAt, ExpiresAt: c.expiresAt, UsedAt: c.usedAt}
}

var appIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Mint does what tapping <button open-type="getPhoneNumber"> does for the
// user once they allow it: a code, single use, valid CodeTTL, for the
// user's number. WeChat charges the mini-program for it (Charged).
func (e *Server) Mint(req MintRequest) (Code, error) {
	appID := req.AppID
	if appID == "" {
		appID = e.appID
	}
	if !appIDPattern.MatchString(appID) {
		return Code{}, ErrBadAppID
	}
	u, err := e.users.EnsureUser(req.User)
	if err != nil {
		return Code{}, err
	}
	if req.QuotaExhausted {
		return Code{}, ErrNoQuota
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.trimLocked(now)
	c := &code{value: wxshared.RandomHex(32), user: u.Name, openID: u.OpenID, appID: appID,
		number: e.numberLocked(u.Name, u.OpenID), issuedAt: now, expiresAt: now.Add(CodeTTL)}
	e.codes[c.value] = c
	e.charged++
	return c.view(), nil
}

// trimLocked forgets codes a day past their expiry, and the oldest beyond
// maxCodes.
func (e *Server) trimLocked(now time.Time) {
	if now.Sub(e.lastTrim) >= CodeTTL {
		e.lastTrim = now
		for v, c := range e.codes {
			if now.After(c.expiresAt.Add(keepExpired)) {
				delete(e.codes, v)
			}
		}
	}
	if len(e.codes) < maxCodes {
		return
	}
	all := slices.Collect(maps.Values(e.codes))
	slices.SortFunc(all, func(a, b *code) int { return a.issuedAt.Compare(b.issuedAt) })
	for _, c := range all[:len(all)-maxCodes+1] {
		delete(e.codes, c.value)
	}
}

// Codes returns the codes given and not yet forgotten, the latest first,
// at most limit (0: all).
func (e *Server) Codes(limit int) []Code {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Code, 0, len(e.codes))
	for _, c := range e.codes {
		out = append(out, c.view())
	}
	slices.SortFunc(out, func(a, b Code) int { return cmp.Or(b.IssuedAt.Compare(a.IssuedAt), cmp.Compare(a.Code, b.Code)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Charged is how many codes the button gave: what WeChat charges the
// mini-program for (0.03 CNY each after the free 1000, §12).
func (e *Server) Charged() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.charged
}

// NumberOf returns the named test user's number, if the user exists.
func (e *Server) NumberOf(name string) (Number, bool) {
	u, ok := e.users.User(name)
	if !ok {
		return Number{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.numberLocked(u.Name, u.OpenID), true
}

var (
	digits4to15 = regexp.MustCompile(`^[0-9]{4,15}$`)
	digits1to4  = regexp.MustCompile(`^[0-9]{1,4}$`)
)

// SetNumber gives the named test user (created on first use) a number for
// the codes minted from now on: n.PurePhoneNumber (4 to 15 digits) and
// n.CountryCode (1 to 4 digits, "" means "86"); n.PhoneNumber "" means the
// pure number for 86 and "+<countryCode> <pure>" otherwise. A zero n
// goes back to the number derived from the openid.
func (e *Server) SetNumber(name string, n Number) (Number, error) {
	u, err := e.users.EnsureUser(name)
	if err != nil {
		return Number{}, err
	}
	if n == (Number{}) {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.numbers, u.Name)
		return e.numberLocked(u.Name, u.OpenID), nil
	}
	if n.CountryCode == "" {
		n.CountryCode = "86"
	}
	if !digits4to15.MatchString(n.PurePhoneNumber) || !digits1to4.MatchString(n.CountryCode) || len(n.PhoneNumber) > 32 {
		return Number{}, ErrBadNumber
	}
	if n.PhoneNumber == "" {
		n.PhoneNumber = n.PurePhoneNumber
		if n.CountryCode != "86" {
			n.PhoneNumber = "+" + n.CountryCode + " " + n.PurePhoneNumber
		}
	}
	n.Set = true
	e.mu.Lock()
	defer e.mu.Unlock()
	e.numbers[u.Name] = n
	return n, nil
}

// CountryCodeType says how countryCode is written now.
func (e *Server) CountryCodeType() CountryCodeType {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ccType
}

// SetCountryCodeType switches how countryCode is written from now on.
func (e *Server) SetCountryCodeType(t CountryCodeType) error {
	if t != CountryCodeString && t != CountryCodeNumber {
		return ErrBadCountryCodeType
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ccType = t
	return nil
}

// phoneInfo is getuserphonenumber's phone_info. CountryCode is a string or
// a number (CountryCodeType).
type phoneInfo struct {
	PhoneNumber     string `json:"phoneNumber"`
	PurePhoneNumber string `json:"purePhoneNumber"`
	CountryCode     any    `json:"countryCode"`
	Watermark       struct {
		Timestamp int64  `json:"timestamp"`
		AppID     string `json:"appid"`
	} `json:"watermark"`
}

// GetUserPhoneNumber: POST /wxa/business/getuserphonenumber?access_token=
// {"code"}: the code spent for the phone_info of the user who tapped.
func (e *Server) GetUserPhoneNumber(w http.ResponseWriter, r *http.Request) {
	e.api.ServePlatform(wxshared.GetUserPhoneNumber, e.checkToken, e.exchange)(w, r)
}

func (e *Server) exchange(body []byte, now time.Time) (any, *wxshared.WeChatError) {
	var req struct {
		Code   string `json:"code"`
		OpenID string `json:"openid"` // optional in older copies of the doc; ignored
	}
	if bad := e.api.DecodeInto(body, &req); bad != nil {
		return nil, bad
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.codes[req.Code]
	// Unknown (a wx.login code too), expired, used or another
	// mini-program's: WeChat does not say which.
	if !ok || !now.Before(c.expiresAt) || !c.usedAt.IsZero() || c.appID != e.appID {
		return nil, e.api.Err(errInvalidCode, "invalid code")
	}
	c.usedAt = now
	info := phoneInfo{PhoneNumber: c.number.PhoneNumber, PurePhoneNumber: c.number.PurePhoneNumber, CountryCode: c.number.CountryCode}
	if e.ccType == CountryCodeNumber {
		n, _ := strconv.Atoi(c.number.CountryCode) // digits, checked when set
		info.CountryCode = n
	}
	info.Watermark.Timestamp, info.Watermark.AppID = now.Unix(), e.appID
	return struct {
		wxshared.OK
		PhoneInfo phoneInfo `json:"phone_info"`
	}{wxshared.OKAnswer, info}, nil
}
