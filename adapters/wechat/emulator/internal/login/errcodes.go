package login

import (
	"fmt"
	"net/http"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// wechatError is WeChat's error body: always with HTTP 200.
type wechatError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// writeWeChatError answers the way WeChat does: HTTP 200, an errcode, and an
// errmsg that ends with a request id (", rid: ...") for support tickets.
func (e *Server) writeWeChatError(w http.ResponseWriter, contentType string, code int, msg string) {
	wxshared.WriteJSON(w, http.StatusOK, contentType, wechatError{ErrCode: code, ErrMsg: msg + ", rid: " + e.rid()})
}

// rid mimics WeChat's request ids ("6523a4b1-1c2d3e4f-5a6b7c8d"): the first
// group is the time in hex seconds, the rest random.
func (e *Server) rid() string {
	return fmt.Sprintf("%08x-%s-%s", e.now().Unix(), wxshared.RandomHex(4), wxshared.RandomHex(4))
}

// applyFault plays the next fault for ep, if any, and reports whether the
// handler should go on to do the real work. It never holds the lock while
// waiting, so a delayed call does not stall the others.
func (e *Server) applyFault(w http.ResponseWriter, r *http.Request, ep wxshared.Endpoint, contentType string) bool {
	f, ok := e.faults.Take(ep)
	if !ok {
		return true
	}
	if !wxshared.Sleep(r.Context(), f.Delay) {
		return false // the client gave up; nobody is left to answer
	}
	switch {
	case f.HTTPStatus != 0 && f.ErrCode == 0:
		wxshared.WriteGatewayPage(w, f.HTTPStatus)
	case f.ErrCode != 0:
		status := http.StatusOK
		if f.HTTPStatus != 0 {
			status = f.HTTPStatus
		}
		msg := f.ErrMsg
		if msg == "" {
			msg = wellKnownErrMsg(f.ErrCode)
		}
		wxshared.WriteJSON(w, status, contentType, wechatError{ErrCode: f.ErrCode, ErrMsg: msg + ", rid: " + e.rid()})
	default:
		return true // a pure delay: answer normally, only late
	}
	return false
}

// wellKnownErrMsg gives WeChat's wording for the errcodes tests inject most.
func wellKnownErrMsg(code int) string {
	switch code {
	case errSystem:
		return "system error"
	case errMinuteQuota:
		return "api minute-quota reach limit"
	case errHighRiskUser:
		return "high risk user"
	case errInvalidCode:
		return "invalid code"
	case errCodeUsed:
		return "code been used"
	case errInvalidToken:
		return "invalid credential"
	case errInvalidSig:
		return "invalid signature"
	}
	return "emulated fault"
}
