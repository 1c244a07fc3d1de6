package wxshared

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// The platform APIs of api.weixin.qq.com that take ?access_token= and a
// JSON body (the phone number, subscribe messages) share their plumbing:
// the fault first, then POST only (43002), then the access_token (41001,
// 40001, 42001), then the body, which must be a JSON object (47001).
// Answers are HTTP 200 with errcode 0 and errmsg "ok" and the API's
// fields, or WeChat's error with the rid after a space.

// Errcodes of the plumbing.
const (
	ErrRequirePOST = 43002
	ErrDataFormat  = 47001
)

// maxPlatformBody bounds a request body: WeChat's are small.
const maxPlatformBody = 64 << 10

// OK opens every successful answer of a platform API.
type OK struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// OKAnswer is errcode 0, errmsg "ok".
var OKAnswer = OK{ErrCode: 0, ErrMsg: "ok"}

// PlatformHandler does one API's work on its JSON object body at now: its
// answer, or WeChat's error.
type PlatformHandler func(body []byte, now time.Time) (any, *WeChatError)

// ServePlatform serves one platform API: ep's faults, POST only, the
// access_token checked by checkToken, a JSON object body, then h.
func (a ErrcodeAPI) ServePlatform(ep Endpoint, checkToken TokenCheck, h PlatformHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.Fault(w, r, ep, ContentTypeJSON) {
			return
		}
		fail := func(bad *WeChatError) { WriteJSON(w, http.StatusOK, ContentTypeJSON, bad) }
		if r.Method != http.MethodPost {
			fail(a.Err(ErrRequirePOST, "require POST method"))
			return
		}
		if bad := checkToken(r.URL.Query().Get("access_token")); bad != nil {
			fail(bad)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlatformBody))
		var probe map[string]json.RawMessage
		if err != nil || json.Unmarshal(body, &probe) != nil || probe == nil {
			fail(a.FormatErr("the body must be a JSON object"))
			return
		}
		resp, bad := h(body, a.Now())
		if bad != nil {
			fail(bad)
			return
		}
		WriteJSON(w, http.StatusOK, ContentTypeJSON, resp)
	}
}

// FormatErr is 47001 with what is wrong, as WeChat hints.
func (a ErrcodeAPI) FormatErr(hint string) *WeChatError {
	return a.Err(ErrDataFormat, "data format error hint: ["+hint+"]")
}

// DecodeInto reads body into v: a field of the wrong type is a format
// error (47001).
func (a ErrcodeAPI) DecodeInto(body []byte, v any) *WeChatError {
	if err := json.Unmarshal(body, v); err != nil {
		return a.FormatErr(err.Error())
	}
	return nil
}
