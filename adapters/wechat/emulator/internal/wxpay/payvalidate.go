package wxpay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// Limits of the JSAPI prepay fields, from WeChat Pay's documentation.
const (
	maxDescription = 127 // characters
	minOutTradeNo  = 6
	maxOutTradeNo  = 32
	maxAttach      = 128
	maxNotifyURL   = 255
)

// parsePrepay validates a prepay body the way WeChat does, field by field
// in document order, so that the first problem is the one reported.
//
// description is counted in characters, as docs/wechat-protocol.md and the
// domain do; WeChat's documentation does not say whether it means bytes.
// The payer's openid is not checked against the emulator's test users: after
// a restart of `make run` the service still holds openids the new emulator
// never minted.
func (e *Server) parsePrepay(body []byte) (order, time.Time, *payFailure) {
	var req prepayRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return order{}, time.Time{}, decodeFailure(err)
	}
	var expire time.Time
	fail := func(msg string) (order, time.Time, *payFailure) { return order{}, time.Time{}, paramError(msg) }
	switch {
	case req.AppID == "":
		return fail(missingField("appid"))
	case req.MchID == "":
		return fail(missingField("mchid"))
	case req.Description == "":
		return fail(missingField("description"))
	case utf8.RuneCountInString(req.Description) > maxDescription:
		return fail(invalidField("description", fmt.Sprintf("字符数 %d，大于最大值 %d", utf8.RuneCountInString(req.Description), maxDescription)))
	case req.OutTradeNo == "":
		return fail(missingField("out_trade_no"))
	case !validOutTradeNo(req.OutTradeNo):
		return fail(invalidField("out_trade_no", fmt.Sprintf("须为 %d 到 %d 个数字、大小写字母、_ 或 -", minOutTradeNo, maxOutTradeNo)))
	case len(req.Attach) > maxAttach:
		return fail(invalidField("attach", fmt.Sprintf("字节数 %d，大于最大值 %d", len(req.Attach), maxAttach)))
	}
	if req.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, req.TimeExpire)
		if err != nil {
			return fail(invalidField("time_expire", "须为 RFC 3339 格式，如 2018-06-08T10:34:56+08:00"))
		}
		expire = t
	}
	if msg := e.checkNotifyURL(req.NotifyURL); msg != "" {
		return fail(msg)
	}
	switch {
	case req.Amount == nil:
		return fail(missingField("amount"))
	case req.Amount.Total == nil:
		return fail(missingField("amount/total"))
	case *req.Amount.Total <= 0:
		return fail(invalidField("amount/total", "总金额须为大于 0 的整数（单位：分）"))
	case req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		return fail(invalidField("amount/currency", "境内商户仅支持 CNY"))
	case req.Payer == nil:
		return fail(missingField("payer"))
	case req.Payer.OpenID == "":
		return fail(missingField("payer/openid"))
	case req.MchID != e.keys.MchID:
		return fail("mchid 与请求签名的商户号不一致")
	case req.AppID != e.appID:
		return order{}, time.Time{}, &payFailure{http.StatusForbidden, "APPID_MCHID_NOT_MATCH", "AppID和mch_id不匹配"}
	}
	return order{
		appID:       req.AppID,
		mchID:       req.MchID,
		description: req.Description,
		outTradeNo:  req.OutTradeNo,
		notifyURL:   req.NotifyURL,
		attach:      req.Attach,
		payerOpenID: req.Payer.OpenID,
		currency:    "CNY",
		total:       *req.Amount.Total,
	}, expire, nil
}

// validOutTradeNo: 6 to 32 of [0-9A-Za-z_-]. (WeChat's documentation also
// allows | and *; the service never uses them, so refusing them here
// catches a number that would not survive a URL path unescaped.)
func validOutTradeNo(s string) bool {
	if len(s) < minOutTradeNo || len(s) > maxOutTradeNo {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkNotifyURL explains what is wrong with a notify_url, or returns "".
// WeChat wants an absolute https URL it can POST to as is: no query string
// (parameters would be dropped) and no fragment.
func (e *Server) checkNotifyURL(s string) string {
	if s == "" {
		return missingField("notify_url")
	}
	if len(s) > maxNotifyURL {
		return invalidField("notify_url", fmt.Sprintf("字节数 %d，大于最大值 %d", len(s), maxNotifyURL))
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || u.User != nil:
		return invalidField("notify_url", "须为绝对 URL")
	case u.Scheme != "https" && !(u.Scheme == "http" && e.allowHTTP):
		return invalidField("notify_url", "须为 https 地址")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return invalidField("notify_url", "不能携带参数")
	}
	return ""
}
