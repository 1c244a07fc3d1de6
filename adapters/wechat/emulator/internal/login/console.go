package login

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// GET /emulator/users for the emulator's web console: test users, their
// logins and live codes.

type codeJSON struct {
	Code      string `json:"code"`
	ExpiresAt string `json:"expires_at"`
	Used      bool   `json:"used"`
}

type consoleUserJSON struct {
	userResponse
	Codes []codeJSON `json:"codes"`
}

// GetUsers: GET /emulator/users, by name, each with the codes minted for it
// that have not been forgotten yet (expired codes are pruned).
func (e *Server) GetUsers(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := make([]consoleUserJSON, 0, len(e.users))
	byUser := make(map[*user][]codeJSON)
	for code, c := range e.codes {
		byUser[c.user] = append(byUser[c.user], codeJSON{Code: code, ExpiresAt: c.expiresAt.UTC().Format(time.RFC3339), Used: c.used})
	}
	for _, u := range e.users {
		j := consoleUserJSON{userResponse: u.view().response()}
		j.Codes = byUser[u]
		if j.Codes == nil {
			j.Codes = []codeJSON{}
		}
		slices.SortFunc(j.Codes, func(a, b codeJSON) int { return cmp.Compare(b.ExpiresAt, a.ExpiresAt) })
		items = append(items, j)
	}
	e.mu.Unlock()
	slices.SortFunc(items, func(a, b consoleUserJSON) int { return cmp.Compare(a.User, b.User) })
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}
