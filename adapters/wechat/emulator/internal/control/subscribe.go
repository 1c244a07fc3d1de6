package control

import (
	"errors"
	"net/http"
	"slices"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/subscribe"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Subscribe messages (package subscribe): the mini-program's templates
// (GET and POST /emulator/subscribe-templates), the user's side of
// wx.requestSubscribeMessage (POST /emulator/subscriptions) and what it
// left (GET /emulator/subscriptions?user=), and the messages delivered,
// as the user's phone shows them (GET /emulator/messages?user=).

type templateRequest struct {
	ID       string              `json:"id"`
	Title    string              `json:"title"`
	Fields   map[string]string   `json:"fields"`
	Enums    map[string][]string `json:"enums"`
	LongTerm bool                `json:"long_term"`
}

type keywordJSON struct {
	Key    string   `json:"key"`
	Type   string   `json:"type"`
	Name   string   `json:"name"`
	Values []string `json:"values,omitempty"`
}

type templateJSON struct {
	ID       string              `json:"id"`
	Title    string              `json:"title"`
	LongTerm bool                `json:"long_term"`
	Fields   map[string]string   `json:"fields"`
	Enums    map[string][]string `json:"enums,omitempty"`
	// Keywords are the fields in the order the phone shows them.
	Keywords []keywordJSON `json:"keywords"`
}

func templateToJSON(t subscribe.Template) templateJSON {
	j := templateJSON{ID: t.ID, Title: t.Title, LongTerm: t.LongTerm, Fields: t.Fields, Enums: t.Enums, Keywords: []keywordJSON{}}
	for _, key := range subscribe.Keys(t) {
		typ, _ := subscribe.KeyType(key)
		j.Keywords = append(j.Keywords, keywordJSON{Key: key, Type: typ, Name: t.Fields[key], Values: t.Enums[key]})
	}
	return j
}

// GetSubscribeTemplates: GET /emulator/subscribe-templates, by id.
func (a *API) GetSubscribeTemplates(w http.ResponseWriter, _ *http.Request) {
	items := []templateJSON{}
	for _, t := range a.sub.Templates() {
		items = append(items, templateToJSON(t))
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}

// PostSubscribeTemplate: POST /emulator/subscribe-templates {"id","title",
// "fields","enums","long_term"}: 201 with the template, added or replacing
// the one with its id.
func (a *API) PostSubscribeTemplate(w http.ResponseWriter, r *http.Request) {
	var req templateRequest
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	t, err := a.sub.DeclareTemplate(subscribe.Template{ID: req.ID, Title: req.Title, Fields: req.Fields, Enums: req.Enums, LongTerm: req.LongTerm})
	if err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusCreated, wxshared.ContentTypeJSON, templateToJSON(t))
}

type subscriptionJSON struct {
	User       string `json:"user"`
	OpenID     string `json:"openid"`
	TemplateID string `json:"template_id"`
	Title      string `json:"title"`
	LongTerm   bool   `json:"long_term"`
	Remaining  int    `json:"remaining"`
	Accepted   int    `json:"accepted"`
	Rejected   int    `json:"rejected"`
	Sent       int    `json:"sent"`
	CanSend    bool   `json:"can_send"`
	LastResult string `json:"last_result,omitempty"`
	LastAt     string `json:"last_at,omitempty"`
}

func subscriptionsToJSON(subs []subscribe.Subscription) []subscriptionJSON {
	out := make([]subscriptionJSON, 0, len(subs))
	for _, s := range subs {
		out = append(out, subscriptionJSON{User: s.User, OpenID: s.OpenID, TemplateID: s.TemplateID, Title: s.Title, LongTerm: s.LongTerm,
			Remaining: s.Remaining, Accepted: s.Accepted, Rejected: s.Rejected, Sent: s.Sent, CanSend: s.CanSend(),
			LastResult: s.LastResult, LastAt: stamp(s.LastAt)})
	}
	return out
}

// PostSubscriptions: POST /emulator/subscriptions {"user","results":{"<tmplId>":
// "accept"|"reject"|"ban"|"filter"}}: what wx.requestSubscribeMessage
// answered on the user's phone. 200 with that answer and the user's
// subscriptions to the templates named; 400 with the fail errCode (10001,
// 20001, 20002, 20003) when WeChat would fail the call, recording
// nothing.
func (a *API) PostSubscriptions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User    string            `json:"user"`
		Results map[string]string `json:"results"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	subs, err := a.sub.Subscribe(req.User, req.Results)
	var failed *subscribe.RequestError
	switch {
	case errors.As(err, &failed):
		wxshared.WriteJSON(w, http.StatusBadRequest, wxshared.ContentTypeJSON, struct {
			Error   string `json:"error"`
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
		}{err.Error(), failed.ErrCode, "requestSubscribeMessage:fail " + failed.Msg})
		return
	case err != nil:
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	result := map[string]string{"errMsg": "requestSubscribeMessage:ok"}
	for id, v := range req.Results {
		result[id] = v
	}
	u, _ := a.login.User(req.User)
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, struct {
		User   string             `json:"user"`
		OpenID string             `json:"openid"`
		Result map[string]string  `json:"result"`
		Items  []subscriptionJSON `json:"items"`
	}{u.Name, u.OpenID, result, subscriptionsToJSON(subs)})
}

// GetSubscriptions: GET /emulator/subscriptions?user=alice: the user's
// subscription to every template (none for an unknown user); without
// user, every subscription recorded.
func (a *API) GetSubscriptions(w http.ResponseWriter, r *http.Request) {
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON,
		map[string]any{"items": subscriptionsToJSON(a.sub.Subscriptions(r.URL.Query().Get("user")))})
}

type messageJSON struct {
	ID               string            `json:"id"`
	User             string            `json:"user"`
	OpenID           string            `json:"openid"`
	TemplateID       string            `json:"template_id"`
	Title            string            `json:"title"`
	Fields           []subscribe.Field `json:"fields"`
	Page             string            `json:"page,omitempty"`
	MiniprogramState string            `json:"miniprogram_state"`
	Lang             string            `json:"lang"`
	SentAt           string            `json:"sent_at"`
}

// GetMessages: GET /emulator/messages?user=alice: the subscribe messages
// delivered to the user (without user, to anyone), the latest first, at
// most 200: what the phone shows.
func (a *API) GetMessages(w http.ResponseWriter, r *http.Request) {
	items := []messageJSON{}
	for _, m := range a.sub.Messages(r.URL.Query().Get("user"), maxListed) {
		items = append(items, messageJSON{ID: m.ID, User: m.User, OpenID: m.OpenID, TemplateID: m.TemplateID, Title: m.Title,
			Fields: slices.Clone(m.Fields), Page: m.Page, MiniprogramState: m.MiniprogramState, Lang: m.Lang, SentAt: stamp(m.SentAt)})
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}
