package phone

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// CodeTTL is how long a phone code stays usable from the tap (§12).
const CodeTTL = 5 * time.Minute

// QuotaErrno is what the button's callback sees when the mini-program's
// quota of paid verifications is spent (e.detail.errno).
const QuotaErrno = 1400001

// QuotaErrMsg is the errMsg the emulator gives with QuotaErrno
// (UNCONFIRMED wording: only the errno is documented).
const QuotaErrMsg = "getPhoneNumber:fail no quota"

// CountryCodeType is how phone_info.countryCode is written.
type CountryCodeType string

const (
	// CountryCodeString writes "86", as the API's table says (the default).
	CountryCodeString CountryCodeType = "string"
	// CountryCodeNumber writes 86, as the official example shows.
	CountryCodeNumber CountryCodeType = "number"
)

// Config is how the emulator answers getuserphonenumber.
type Config struct {
	// CountryCode is how countryCode is written; "" means
	// CountryCodeString.
	CountryCode CountryCodeType
}

// errcodes of getuserphonenumber (§12).
const errInvalidCode = 40029

// Errors of the control side.
var (
	// ErrNoQuota: the tap found the quota spent; no code was given.
	ErrNoQuota            = errors.New("emulator: the mini-program's phone number quota is spent: the button's callback gets errno 1400001 and no code")
	ErrBadCountryCodeType = fmt.Errorf("emulator: the countryCode type must be %q or %q", CountryCodeString, CountryCodeNumber)
	ErrBadNumber          = errors.New("emulator: a phone number is 4 to 15 digits (purePhoneNumber) with a country code of 1 to 4 digits")
	ErrBadAppID           = errors.New("emulator: appid must be 1 to 32 letters, digits, - or _")
)

// Users is what the phone side reads of the test users (package login).
type Users interface {
	EnsureUser(name string) (login.TestUser, error)
	User(name string) (login.TestUser, bool)
}

// Number is a phone number as phone_info gives it.
type Number struct {
	PhoneNumber     string `json:"phone_number"`      // with the country code for numbers outside China
	PurePhoneNumber string `json:"pure_phone_number"` // without it
	CountryCode     string `json:"country_code"`      // "86"
	// Set says it was set through the control API (SetNumber) rather than
	// derived from the openid.
	Set bool `json:"set,omitempty"`
}

// code is a code the button gave.
type code struct {
	value     string
	user      string
	openID    string
	appID     string // the mini-program whose button gave it
	number    Number // the user's number at the tap
	issuedAt  time.Time
	expiresAt time.Time
	usedAt    time.Time // zero until exchanged
}

// Server is the phone number side of an Emulator.
type Server struct {
	appID      string
	now        func() time.Time
	api        wxshared.ErrcodeAPI
	checkToken wxshared.TokenCheck
	users      Users

	mu       sync.Mutex
	ccType   CountryCodeType
	codes    map[string]*code
	numbers  map[string]Number // set through control, by user name
	charged  int               // codes handed out: what WeChat charges for
	lastTrim time.Time
}

// New returns the phone side; it validates cfg.CountryCode.
func New(cfg Config, appID string, now func() time.Time, faults *wxshared.Faults, checkToken wxshared.TokenCheck, users Users) (*Server, error) {
	cc := cfg.CountryCode
	if cc == "" {
		cc = CountryCodeString
	}
	if cc != CountryCodeString && cc != CountryCodeNumber {
		return nil, ErrBadCountryCodeType
	}
	return &Server{
		appID: appID, now: now, checkToken: checkToken, users: users, ccType: cc,
		api:     wxshared.ErrcodeAPI{Now: now, Faults: faults, RIDSep: wxshared.RIDSpace},
		codes:   make(map[string]*code),
		numbers: make(map[string]Number),
	}, nil
}

// Now is the time by Config.Now.
func (e *Server) Now() time.Time { return e.now() }

// derive is the number a user has unless one was set: 138 and eight
// digits of an HMAC of the openid, so that it is stable across restarts
// and differs between users.
func derive(openID string) Number {
	m := hmac.New(sha256.New, []byte("wxmp-emulator-phone"))
	m.Write([]byte(openID))
	n := binary.BigEndian.Uint64(m.Sum(nil)) % 100_000_000
	pure := fmt.Sprintf("138%08d", n)
	return Number{PhoneNumber: pure, PurePhoneNumber: pure, CountryCode: "86"}
}

// numberLocked is the user's number now.
func (e *Server) numberLocked(name, openID string) Number {
	if n, ok := e.numbers[name]; ok {
		return n
	}
	return derive(openID)
}
