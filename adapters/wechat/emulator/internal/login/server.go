package login

import (
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Config is the mini-program whose logins the server plays, as the
// emulator's Config has validated it.
type Config struct {
	AppID, Secret string
	UnionID       bool
	CodeTTL       time.Duration
	Now           func() time.Time
}

// Server is the login side of an Emulator.
type Server struct {
	appID, secret string
	unionID       bool
	codeTTL       time.Duration
	now           func() time.Time
	api           wxshared.ErrcodeAPI
	// checkToken is the access_token side's Validate: checksession takes
	// ?access_token=.
	checkToken wxshared.TokenCheck

	mu        sync.Mutex
	users     map[string]*user // by test user name
	byOpenID  map[string]*user
	codes     map[string]*loginCode
	lastPrune time.Time
}

// New returns a server with no users or codes; checkToken validates the
// access_token of checksession.
func New(cfg Config, faults *wxshared.Faults, checkToken wxshared.TokenCheck) *Server {
	return &Server{
		appID:      cfg.AppID,
		secret:     cfg.Secret,
		unionID:    cfg.UnionID,
		codeTTL:    cfg.CodeTTL,
		now:        cfg.Now,
		api:        wxshared.ErrcodeAPI{Now: cfg.Now, Faults: faults, RIDSep: wxshared.RIDComma},
		checkToken: checkToken,
		users:      make(map[string]*user),
		byOpenID:   make(map[string]*user),
		codes:      make(map[string]*loginCode),
	}
}
