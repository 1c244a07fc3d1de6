package wxpay

import (
	"bytes"
	"io"
	"net/http"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Faults of the WeChat Pay endpoints. WeChat Pay answers errors with an
// HTTP error status and {"code","message"}, unlike the login API's errcode
// with HTTP 200.

// wellKnownPayCodes are WeChat Pay's status and wording for the codes tests
// inject most.
var wellKnownPayCodes = map[string]struct {
	status  int
	message string
}{
	"SYSTEM_ERROR":          {http.StatusInternalServerError, "系统错误"},
	"SYSTEMERROR":           {http.StatusInternalServerError, "系统错误"},
	"BANK_ERROR":            {http.StatusInternalServerError, "银行系统异常"},
	"FREQUENCY_LIMITED":     {http.StatusTooManyRequests, "频率超限"},
	"PARAM_ERROR":           {http.StatusBadRequest, "参数错误"},
	"INVALID_REQUEST":       {http.StatusBadRequest, "无效请求"},
	"SIGN_ERROR":            {http.StatusUnauthorized, "签名错误"},
	"NO_AUTH":               {http.StatusForbidden, "商户无权限"},
	"RULE_LIMIT":            {http.StatusForbidden, "业务规则限制"},
	"TRADE_ERROR":           {http.StatusForbidden, "交易错误"},
	"APPID_MCHID_NOT_MATCH": {http.StatusForbidden, "AppID和mch_id不匹配"},
	"ORDER_NOT_EXIST":       {http.StatusNotFound, "订单不存在"},
	"ORDERPAID":             {http.StatusBadRequest, "该订单已支付"},
	"ORDER_CLOSED":          {http.StatusBadRequest, "订单已关闭"},
	"NOT_ENOUGH":            {http.StatusForbidden, "基本账户余额不足，请充值后重新发起"},
	"RESOURCE_NOT_EXISTS":   {http.StatusNotFound, "订单不存在"},
	"USER_ACCOUNT_ABNORMAL": {http.StatusForbidden, "退款请求失败"},
}

// PayRoute is a WeChat Pay endpoint with its faults played in front of it.
// A fault with AnswerLost lets the call do its work first (WeChat did it)
// and then answers the fault instead of the real answer.
func (e *Server) PayRoute(ep wxshared.Endpoint, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, ok := e.faults.Take(ep)
		switch {
		case !ok:
			h(w, r)
		case f.AnswerLost:
			h(discardWriter{header: http.Header{}}, r)
			e.playPayFault(w, r, f)
		case e.playPayFault(w, r, f):
			h(w, r)
		}
	}
}

// discardWriter swallows an answer nobody will hear.
type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

// playPayFault is applyFault for the WeChat Pay endpoints: it plays f and
// reports whether the handler should go on to answer normally.
func (e *Server) playPayFault(w http.ResponseWriter, r *http.Request, f wxshared.Fault) bool {

	if f.Delay > 0 {
		// Go's server notices a client that hung up only once the body has
		// been read to the end; read it first, so that a call the client gave
		// up on during the delay is dropped without effect, as Fault promises.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxPayBody+1))
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if !wxshared.Sleep(r.Context(), f.Delay) {
		return false // the client gave up; nobody is left to answer
	}
	if f.Code == "" {
		if f.HTTPStatus == 0 {
			return true // a pure delay: answer normally, only late
		}
		wxshared.WriteGatewayPage(w, f.HTTPStatus)
		return false
	}
	known, isKnown := wellKnownPayCodes[f.Code]
	status, msg := f.HTTPStatus, f.ErrMsg
	if status == 0 {
		status = http.StatusInternalServerError
		if isKnown {
			status = known.status
		}
	}
	if msg == "" {
		msg = "模拟故障"
		if isKnown {
			msg = known.message
		}
	}
	if status == http.StatusUnauthorized {
		// WeChat does not sign for a caller it could not authenticate.
		w.Header().Set("Request-ID", requestID())
		wxshared.WriteJSON(w, status, wxshared.ContentTypeJSON, payError{Code: f.Code, Message: msg})
		return false
	}
	e.writePayError(w, status, f.Code, msg)
	return false
}
