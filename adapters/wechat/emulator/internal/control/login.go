package control

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The user's side of login: POST /emulator/login-codes is what wx.login
// does on a phone; GET /emulator/users/{name} and GET /emulator/users show
// the test users as WeChat sees them (package login).

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

// PostLoginCode: POST /emulator/login-codes {"user":"alice"}; the body is
// optional.
func (a *API) PostLoginCode(w http.ResponseWriter, r *http.Request) {
	var req loginCodeRequest
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := a.login.MintCode(req.User)
	if err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusCreated, wxshared.ContentTypeJSON, loginCodeResponse{
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

func userToJSON(t login.TestUser) userResponse {
	return userResponse{User: t.Name, OpenID: t.OpenID, UnionID: t.UnionID, SessionKey: t.SessionKey, Logins: t.Logins}
}

// GetUser: GET /emulator/users/{name}
func (a *API) GetUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	u, ok := a.login.User(name)
	if !ok {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no test user %q", name))
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, userToJSON(u))
}

type codeJSON struct {
	Code      string `json:"code"`
	ExpiresAt string `json:"expires_at"`
	Used      bool   `json:"used"`
}

type consoleUserJSON struct {
	userResponse
	Codes []codeJSON       `json:"codes"`
	Phone *phoneNumberJSON `json:"phone,omitempty"`
}

// GetUsers: GET /emulator/users, by name, each with the codes minted for it
// that have not been forgotten yet (expired codes are pruned) and its
// phone number.
func (a *API) GetUsers(w http.ResponseWriter, _ *http.Request) {
	users := a.login.Users()
	items := make([]consoleUserJSON, 0, len(users))
	for _, u := range users {
		j := consoleUserJSON{userResponse: userToJSON(u.TestUser), Codes: []codeJSON{}}
		if n, ok := a.phone.NumberOf(u.Name); ok {
			p := phoneNumberToJSON(n)
			j.Phone = &p
		}
		for _, c := range u.Codes {
			j.Codes = append(j.Codes, codeJSON{Code: c.Code, ExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339), Used: c.Used})
		}
		slices.SortFunc(j.Codes, func(a, b codeJSON) int { return cmp.Compare(b.ExpiresAt, a.ExpiresAt) })
		items = append(items, j)
	}
	slices.SortFunc(items, func(a, b consoleUserJSON) int { return cmp.Compare(a.User, b.User) })
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}
