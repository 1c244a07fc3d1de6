package subscribe

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// WeChat's errcodes of subscribe/send (§13).
const (
	errInvalidOpenID   = 40003
	errInvalidTemplate = 40037
	errInvalidPage     = 41030
	errRefused         = 43101
	errArgument        = 47003
)

var (
	states = map[string]bool{"developer": true, "trial": true, "formal": true}
	langs  = map[string]bool{"zh_CN": true, "en_US": true, "zh_HK": true, "zh_TW": true}
)

// Send: POST /cgi-bin/message/subscribe/send?access_token= {"touser",
// "template_id","page","data":{"thing1":{"value"}},"miniprogram_state",
// "lang"}. Checked in this order: touser (40003), template_id (40037),
// miniprogram_state and lang (47001), page (41030, with Config.Pages),
// every field of the template in its order (47003 naming the first one
// empty or breaking its type's rule; data keys the template lacks are
// ignored), then the user's acceptance (43101), one of which a one-time
// template's send spends. The order of 47003 and 43101 is UNCONFIRMED: a
// refused send spends nothing either way.
func (e *Server) Send(w http.ResponseWriter, r *http.Request) {
	e.api.ServePlatform(wxshared.SubscribeSend, e.checkToken, e.send)(w, r)
}

func (e *Server) send(body []byte, now time.Time) (any, *wxshared.WeChatError) {
	var req struct {
		ToUser           string                     `json:"touser"`
		TemplateID       string                     `json:"template_id"`
		Page             string                     `json:"page"`
		Data             map[string]json.RawMessage `json:"data"`
		MiniprogramState string                     `json:"miniprogram_state"`
		Lang             string                     `json:"lang"`
	}
	if bad := e.api.DecodeInto(body, &req); bad != nil {
		return nil, bad
	}
	u, ok := e.users.UserByOpenID(req.ToUser)
	if !ok {
		return nil, e.api.Err(errInvalidOpenID, "invalid openid")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.templates[req.TemplateID]
	if t == nil {
		return nil, e.api.Err(errInvalidTemplate, "invalid template_id")
	}
	if req.MiniprogramState == "" {
		req.MiniprogramState = "formal"
	}
	if req.Lang == "" {
		req.Lang = "zh_CN"
	}
	switch {
	case !states[req.MiniprogramState]:
		return nil, e.api.FormatErr("miniprogram_state is developer, trial or formal")
	case !langs[req.Lang]:
		return nil, e.api.FormatErr("lang is zh_CN, en_US, zh_HK or zh_TW")
	case len(req.Page) > 1024:
		return nil, e.api.FormatErr("page is at most 1024 bytes")
	case req.Page != "" && req.MiniprogramState == "formal" && e.pages != nil && !e.pages[pagePath(req.Page)]:
		return nil, e.api.Err(errInvalidPage, "invalid page")
	}
	fields := make([]Field, 0, len(t.Fields))
	for _, key := range t.keys() {
		v, isString, present := fieldValue(req.Data[key])
		typ, _ := KeyType(key)
		switch {
		case !present || (isString && v == ""):
			return nil, e.api.Err(errArgument, "argument invalid! data."+key+".value is empty")
		case !isString || !Valid(typ, v, t.Enums[key]):
			return nil, e.api.Err(errArgument, "argument invalid! data."+key+".value invalid")
		}
		fields = append(fields, Field{Key: key, Name: t.Fields[key], Value: v})
	}
	rec := e.subs[u.Name][t.ID]
	if rec == nil || !e.viewLocked(u.Name, u.OpenID, t.ID, rec).CanSend() {
		return nil, e.api.Err(errRefused, "user refuse to accept the msg")
	}
	if !t.LongTerm {
		rec.remaining--
	}
	rec.sent++
	e.messages = append(e.messages, Message{
		ID: wxshared.RandomDigits(19), User: u.Name, OpenID: u.OpenID, TemplateID: t.ID, Title: t.Title, Fields: fields,
		Page: req.Page, MiniprogramState: req.MiniprogramState, Lang: req.Lang, SentAt: now,
	})
	if len(e.messages) > maxMessages {
		e.messages = append([]Message(nil), e.messages[len(e.messages)-maxMessages:]...)
	}
	return wxshared.OKAnswer, nil
}

// fieldValue reads {"value": "..."}: the value, whether it is a string,
// and whether there is one at all (a missing field, a field that is not an
// object, or a null or missing value has none).
func fieldValue(raw json.RawMessage) (value string, isString, present bool) {
	var f struct {
		Value json.RawMessage `json:"value"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || len(f.Value) == 0 || string(f.Value) == "null" {
		return "", false, false
	}
	if json.Unmarshal(f.Value, &value) != nil {
		return "", false, true
	}
	return value, true, true
}
