package control

import (
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/token"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The access_token (package token): GET /emulator/token shows the tokens
// valid now and how many calls each endpoint served; POST
// /emulator/token/invalidate kills the stable token as a force refresh
// made elsewhere would.

type tokenInfoJSON struct {
	AccessToken string `json:"access_token"`
	IssuedAt    string `json:"issued_at"`
	ExpiresAt   string `json:"expires_at"`
	ExpiresIn   int    `json:"expires_in"`
}

type tokenStatusJSON struct {
	Stable        *tokenInfoJSON  `json:"stable,omitempty"`
	StableOverlap []tokenInfoJSON `json:"stable_overlap"`
	Classic       *tokenInfoJSON  `json:"classic,omitempty"`
	Calls         struct {
		Stable      int `json:"stable"`
		StableForce int `json:"stable_force"`
		Classic     int `json:"classic"`
	} `json:"calls"`
	ForceRefreshesToday int `json:"force_refreshes_today"`
	ForceQuota          int `json:"force_quota"`
}

func tokenInfoToJSON(i token.Info) tokenInfoJSON {
	return tokenInfoJSON{AccessToken: i.AccessToken, IssuedAt: i.IssuedAt.UTC().Format(time.RFC3339), ExpiresAt: i.ExpiresAt.UTC().Format(time.RFC3339), ExpiresIn: i.ExpiresIn}
}

func tokenStatusToJSON(s token.Status) tokenStatusJSON {
	j := tokenStatusJSON{StableOverlap: []tokenInfoJSON{}, ForceRefreshesToday: s.ForceRefreshesToday, ForceQuota: token.ForceQuota}
	if s.Stable != nil {
		i := tokenInfoToJSON(*s.Stable)
		j.Stable = &i
	}
	for _, o := range s.StableOverlap {
		j.StableOverlap = append(j.StableOverlap, tokenInfoToJSON(o))
	}
	if s.Classic != nil {
		i := tokenInfoToJSON(*s.Classic)
		j.Classic = &i
	}
	j.Calls.Stable, j.Calls.StableForce, j.Calls.Classic = s.Counters.Stable, s.Counters.StableForce, s.Counters.Classic
	return j
}

// GetToken: GET /emulator/token
func (a *API) GetToken(w http.ResponseWriter, _ *http.Request) {
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, tokenStatusToJSON(a.token.Status()))
}

// PostInvalidateToken: POST /emulator/token/invalidate; answers the status
// after (no stable token).
func (a *API) PostInvalidateToken(w http.ResponseWriter, _ *http.Request) {
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, tokenStatusToJSON(a.token.Invalidate()))
}
