package wxshared

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// WeChat's server APIs (api.weixin.qq.com: login, access_token, order
// shipping...) answer an error with HTTP 200 and {"errcode","errmsg"}, the
// errmsg ending with a request id for support tickets. The older APIs
// (jscode2session, checksession) write ", rid: "; the access_token and
// platform APIs of §11 to §17 write " rid: " with no comma ("access_token
// expired rid: 6603cba5-469df699-3597857e", "电子面单已存在 rid: ...").

// WeChatError is WeChat's error body. ErrMsg is whole: the rid included.
type WeChatError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (e *WeChatError) Error() string { return fmt.Sprintf("errcode %d: %s", e.ErrCode, e.ErrMsg) }

// How a family of APIs appends the rid to its errmsg.
const (
	RIDComma = ", rid: " // jscode2session, checksession
	RIDSpace = " rid: "  // stable_token, /cgi-bin/token, the order shipping APIs
)

// RID mimics WeChat's request ids ("6523a4b1-1c2d3e4f-5a6b7c8d"): the first
// group is the time in hex seconds, the rest random.
func RID(now time.Time) string {
	return fmt.Sprintf("%08x-%s-%s", now.Unix(), RandomHex(4), RandomHex(4))
}

// ErrcodeAPI answers as one family of WeChat's server APIs does.
type ErrcodeAPI struct {
	Now    func() time.Time
	Faults *Faults
	RIDSep string // RIDComma or RIDSpace
}

// Err builds the error body for code with msg and a fresh rid.
func (a ErrcodeAPI) Err(code int, msg string) *WeChatError {
	return &WeChatError{ErrCode: code, ErrMsg: msg + a.RIDSep + RID(a.Now())}
}

// WriteErr answers code and msg with HTTP 200, as WeChat does.
func (a ErrcodeAPI) WriteErr(w http.ResponseWriter, contentType string, code int, msg string) {
	WriteJSON(w, http.StatusOK, contentType, a.Err(code, msg))
}

// Fault plays the next fault queued for ep, if any, and reports whether the
// handler should go on to do the real work. It never holds a lock while
// waiting, so a delayed call does not stall the others; if the client goes
// away during the delay, nothing is answered and nothing done.
func (a ErrcodeAPI) Fault(w http.ResponseWriter, r *http.Request, ep Endpoint, contentType string) bool {
	f, ok := a.Faults.Take(ep)
	if !ok {
		return true
	}
	if !Sleep(r.Context(), f.Delay) {
		return false // the client gave up; nobody is left to answer
	}
	switch {
	case f.HTTPStatus != 0 && f.ErrCode == 0:
		WriteGatewayPage(w, f.HTTPStatus)
	case f.ErrCode != 0:
		status := http.StatusOK
		if f.HTTPStatus != 0 {
			status = f.HTTPStatus
		}
		msg := f.ErrMsg
		if msg == "" {
			msg = WellKnownErrMsg(f.ErrCode, r)
		}
		WriteJSON(w, status, contentType, a.Err(f.ErrCode, msg))
	default:
		return true // a pure delay: answer normally, only late
	}
	return false
}

// WellKnownErrMsg gives WeChat's wording (without the rid) for the errcodes
// tests inject most; r names the caller for 40164, whose message quotes its
// address.
func WellKnownErrMsg(code int, r *http.Request) string {
	switch code {
	case -1:
		return "system error"
	case 40164:
		ip := "127.0.0.1"
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ip = host
		}
		v6 := ip
		if parsed := net.ParseIP(ip); parsed != nil && parsed.To4() != nil {
			v6 = "::ffff:" + ip
		}
		return fmt.Sprintf("invalid ip %s ipv6 %s, not in whitelist", ip, v6)
	case 45009:
		return "reach max api daily quota limit"
	case 45011:
		return "api minute-quota reach limit"
	case 40226:
		return "high risk user"
	case 40029:
		return "invalid code"
	case 40163:
		return "code been used"
	case 40001:
		return InvalidCredentialMsg
	case 42001:
		return "access_token expired"
	case 87009:
		return "invalid signature"
	case 47001:
		return "data format error"
	case 48001:
		return "api unauthorized"
	case 40003:
		return "invalid openid"
	case 40037:
		return "invalid template_id"
	case 41030:
		return "invalid page"
	case 43101:
		return "user refuse to accept the msg"
	case 47003:
		return "argument invalid!"
	case 10060001:
		return "支付单不存在"
	case 10060003:
		return "支付单已使用重新发货机会"
	case 10060004:
		return "支付单处于不可发货的状态"
	case 10060031:
		return "该笔支付单不属于 openid 所指定的用户"
	}
	return "emulated fault"
}

// InvalidCredentialMsg is WeChat's 40001 wording, word for word (§11).
const InvalidCredentialMsg = "invalid credential, access_token is invalid or not latest, " +
	"could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r"

// TokenCheck says whether an access_token may call an API now: nil, or
// WeChat's 41001, 40001 or 42001 answer (package token's Validate). The
// parts that take ?access_token= are given one.
type TokenCheck func(accessToken string) *WeChatError

// PaidTransaction is a paid WeChat Pay transaction as the order shipping
// side sees it (package wxpay hands it out, package shipping reads it):
// paid, and perhaps refunded since.
type PaidTransaction struct {
	TransactionID, OutTradeNo, MchID, AppID string
	OpenID, Description                     string
	Total                                   int64     // fen
	CreateTime                              time.Time // the prepay that made it
	SuccessTime                             time.Time // when it was paid
	// Refunded: refunded in full (trade_state REFUND, or SUCCESS refunds
	// adding up to the total).
	Refunded bool
}
