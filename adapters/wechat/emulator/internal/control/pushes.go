package control

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Message push (package push): GET /emulator/pushes lists every attempt,
// like GET /emulator/deliveries does notifications; POST
// /emulator/push/verify checks the URL as the admin console does.

type pushAttemptJSON struct {
	seq           int    // position in the log: breaks ties of at
	PushID        string `json:"push_id"`
	Event         string `json:"event"`
	TransactionID string `json:"transaction_id,omitempty"`
	Message       string `json:"message"`
	Attempt       int    `json:"attempt"`
	At            string `json:"at"`
	at            time.Time
	Status        int    `json:"status"`
	Answer        string `json:"answer,omitempty"`
	Error         string `json:"error,omitempty"`
	Delivered     bool   `json:"delivered"`
	Final         bool   `json:"final"`
}

// GetPushes: GET /emulator/pushes, newest first, at most 200; configured
// says whether a push target is set (without one nothing is pushed).
func (a *API) GetPushes(w http.ResponseWriter, _ *http.Request) {
	items := []pushAttemptJSON{}
	if a.push != nil {
		for i, p := range a.push.Attempts() {
			items = append(items, pushAttemptJSON{seq: i, PushID: p.PushID, Event: p.Event, TransactionID: p.TransactionID,
				Message: p.Message, Attempt: p.Attempt, At: p.At.UTC().Format(time.RFC3339Nano), at: p.At, Status: p.Status,
				Answer: p.Answer, Error: p.Err, Delivered: p.Delivered, Final: p.Final})
		}
	}
	slices.SortFunc(items, func(a, b pushAttemptJSON) int { return cmp.Or(b.at.Compare(a.at), cmp.Compare(b.seq, a.seq)) })
	items = items[:min(len(items), maxListed)]
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, struct {
		Items      []pushAttemptJSON `json:"items"`
		Configured bool              `json:"configured"`
	}{items, a.push != nil})
}

// PostVerifyPush: POST /emulator/push/verify; 200 with what the server
// answered (ok or not), 409 without a push target.
func (a *API) PostVerifyPush(w http.ResponseWriter, r *http.Request) {
	if a.push == nil {
		wxshared.WriteControlError(w, http.StatusConflict, push.ErrNotConfigured.Error())
		return
	}
	v := a.push.VerifyURL(r.Context())
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, struct {
		push.Verification
		At string `json:"at"`
	}{v, v.At.UTC().Format(time.RFC3339)})
}
