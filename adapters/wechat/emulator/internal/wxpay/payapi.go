package wxpay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The merchant-facing WeChat Pay APIv3 endpoints for JSAPI: prepay, query
// by out_trade_no, close. Faults come first (an injected SYSTEM_ERROR does
// not depend on who asks), then the merchant's signature, then the work.
// Messages mimic WeChat's Chinese wording; clients must go by HTTP status
// and code, never by message.

// Transaction JSON as query answers it and notifications carry it (§6).
type wechatTransaction struct {
	AppID          string     `json:"appid"`
	MchID          string     `json:"mchid"`
	OutTradeNo     string     `json:"out_trade_no"`
	TransactionID  string     `json:"transaction_id,omitempty"`
	TradeType      string     `json:"trade_type"`
	TradeState     string     `json:"trade_state"`
	TradeStateDesc string     `json:"trade_state_desc"`
	BankType       string     `json:"bank_type,omitempty"`
	Attach         string     `json:"attach"`
	SuccessTime    string     `json:"success_time,omitempty"`
	Payer          payerJSON  `json:"payer"`
	Amount         amountJSON `json:"amount"`
}

type payerJSON struct {
	OpenID string `json:"openid"`
}

type amountJSON struct {
	Total         int64  `json:"total"`
	PayerTotal    *int64 `json:"payer_total,omitempty"` // only once paid, like WeChat
	Currency      string `json:"currency"`
	PayerCurrency string `json:"payer_currency"`
}

// wire is the transaction as WeChat reports it. transaction_id, bank_type,
// payer_total and success_time only exist once paid, and stay after a
// refund (REFUND).
func (t *transaction) wire() wechatTransaction {
	w := wechatTransaction{
		AppID:          t.appID,
		MchID:          t.mchID,
		OutTradeNo:     t.outTradeNo,
		TransactionID:  t.transactionID,
		TradeType:      "JSAPI",
		TradeState:     t.state,
		TradeStateDesc: tradeStateDesc[t.state],
		Attach:         t.attach,
		Payer:          payerJSON{OpenID: t.payerOpenID},
		Amount:         amountJSON{Total: t.total, Currency: t.currency, PayerCurrency: t.currency},
	}
	if !t.successTime.IsZero() {
		paid := t.total
		w.BankType = "OTHERS"
		w.Amount.PayerTotal = &paid
		w.SuccessTime = t.successTime.In(wxshared.CST).Format(time.RFC3339)
	}
	return w
}

// prepayRequest is the JSAPI prepay body. Fields WeChat knows but the
// emulator has no use for (detail, scene_info, settle_info, goods_tag...)
// are accepted and ignored, as WeChat accepts them.
type prepayRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire"`
	Attach      string `json:"attach"`
	NotifyURL   string `json:"notify_url"`
	Amount      *struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

type prepayResponse struct {
	PrepayID string `json:"prepay_id"`
}

// JSAPI: POST /v3/pay/transactions/jsapi
func (e *Server) JSAPI(w http.ResponseWriter, r *http.Request) {
	body, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	o, expire, f := e.parsePrepay(body)
	var prepayID string
	if f == nil {
		prepayID, f = e.prepay(o, expire)
	}
	if f != nil {
		e.writeFailure(w, f)
		return
	}
	e.writeSigned(w, http.StatusOK, prepayResponse{PrepayID: prepayID})
}

// PrepayIDValidity is how long WeChat keeps a prepay_id (§8). A repeat
// prepay after that gets a new one; paying with the old one fails.
const PrepayIDValidity = 2 * time.Hour

// prepay creates the transaction, or finds it for an identical repeat.
// time_expire can only be set by the first call: a repeat may leave it out
// or give the same instant. A repeat answers the current prepay_id while it
// is valid, and a new one, which replaces it, once it has lapsed.
func (e *Server) prepay(o order, expire time.Time) (string, *payFailure) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if t, ok := e.txns[o.outTradeNo]; ok {
		switch {
		case t.state == tradeSuccess || t.state == tradeRefund:
			return "", &payFailure{http.StatusBadRequest, "ORDERPAID", "该订单已支付"}
		case t.state == tradeClosed || t.state == tradeRevoked || t.state == tradePayError:
			// Final without a payment. WeChat's answer for REVOKED and
			// PAYERROR is not documented; ORDER_CLOSED says what matters:
			// this out_trade_no will never be paid.
			return "", &payFailure{http.StatusBadRequest, "ORDER_CLOSED", tradeStateDesc[t.state]}
		case t.order != o || (!expire.IsZero() && !expire.Equal(t.timeExpire)):
			return "", &payFailure{http.StatusBadRequest, "INVALID_REQUEST", "201 商户订单号重复"}
		}
		if !now.Before(t.prepayIssuedAt.Add(e.prepayValidity)) {
			// The old id stays in byPrepay, so that paying with it is
			// refused as expired rather than as unknown.
			t.prepayID, t.prepayIssuedAt = newPrepayID(now), now
			e.byPrepay[t.prepayID] = t
		}
		return t.prepayID, nil
	}
	if !expire.IsZero() && !expire.After(now) {
		return "", paramError(invalidField("time_expire", "交易结束时间早于当前时间"))
	}
	t := &transaction{
		order:          o,
		timeExpire:     expire,
		prepayID:       newPrepayID(now),
		prepayIssuedAt: now,
		payableUntil:   expire,
		state:          tradeNotPay,
	}
	if expire.IsZero() {
		t.payableUntil = now.Add(unpaidLifetime)
	}
	e.txns[o.outTradeNo] = t
	e.byPrepay[t.prepayID] = t
	return t.prepayID, nil
}

// newPrepayID looks like WeChat's: "wx", the time to the second in
// Beijing, and random hex.
func newPrepayID(now time.Time) string {
	return "wx" + now.In(wxshared.CST).Format("20060102150405") + wxshared.RandomHex(10)
}

// QueryOrder: GET /v3/pay/transactions/out-trade-no/{no}?mchid=M
func (e *Server) QueryOrder(w http.ResponseWriter, r *http.Request) {
	if _, ok := e.authenticate(w, r); !ok {
		return
	}
	no := r.PathValue("no")
	e.countCall(e.queries, no)
	if f := e.checkMchID(r.URL.Query().Get("mchid"), "query"); f != nil {
		e.writeFailure(w, f)
		return
	}
	e.mu.Lock()
	t, ok := e.txns[no]
	var resp wechatTransaction
	if ok {
		resp = t.wire()
	}
	e.mu.Unlock()
	if !ok {
		e.writePayError(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
		return
	}
	e.writeSigned(w, http.StatusOK, resp)
}

// CloseOrder: POST /v3/pay/transactions/out-trade-no/{no}/close {"mchid":"M"}
//
// Closing an out_trade_no WeChat never saw answers 204 (WeChat has been
// reported to do so, and a merchant must be able to close an order whose
// prepay may or may not have arrived); it is not remembered. Closing twice
// is fine; closing a paid transaction (SUCCESS, or REFUND after it) is
// ORDERPAID. NOTPAY, USERPAYING and PAYERROR become CLOSED; REVOKED is
// final already and stays as it is.
func (e *Server) CloseOrder(w http.ResponseWriter, r *http.Request) {
	body, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	no := r.PathValue("no")
	e.countCall(e.closes, no)
	var req struct {
		MchID string `json:"mchid"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		e.writeFailure(w, decodeFailure(err))
		return
	}
	if f := e.checkMchID(req.MchID, "body"); f != nil {
		e.writeFailure(w, f)
		return
	}
	e.mu.Lock()
	var f *payFailure
	if t, ok := e.txns[no]; ok {
		switch t.state {
		case tradeSuccess, tradeRefund:
			f = &payFailure{http.StatusBadRequest, "ORDERPAID", "该订单已支付，不能关闭"}
		case tradeNotPay, tradeUserPaying, tradePayError:
			t.state = tradeClosed
		}
	}
	e.mu.Unlock()
	if f != nil {
		e.writeFailure(w, f)
		return
	}
	e.writeSigned(w, http.StatusNoContent, nil)
}

// checkMchID refuses a mchid (query parameter or body field) that is
// missing or not the merchant that signed the request.
func (e *Server) checkMchID(mchID, location string) *payFailure {
	switch {
	case mchID == "":
		return paramError(fmt.Sprintf("输入源“/%s/mchid”映射到字段“直连商户号”必填性规则校验失败，此字段为必填项", location))
	case mchID != e.keys.MchID:
		return paramError("mchid 与请求签名的商户号不一致")
	}
	return nil
}

// payFieldNames are WeChat's names for the prepay and refund fields, used
// in its validation messages.
var payFieldNames = map[string]string{
	"appid": "应用ID", "mchid": "直连商户号", "description": "商品描述",
	"out_trade_no": "商户订单号", "time_expire": "交易结束时间", "attach": "附加数据",
	"notify_url": "通知地址", "amount": "订单金额", "amount/total": "总金额",
	"amount/currency": "货币类型", "payer": "支付者", "payer/openid": "用户标识",
	// Refunds (refundapi.go).
	"transaction_id": "微信支付订单号", "out_refund_no": "商户退款单号", "reason": "退款原因",
	"funds_account": "退款资金来源", "amount/refund": "退款金额",
}

func missingField(field string) string {
	return fmt.Sprintf("输入源“/body/%s”映射到字段“%s”必填性规则校验失败，此字段为必填项", field, payFieldNames[field])
}

func invalidField(field, why string) string {
	return fmt.Sprintf("输入源“/body/%s”映射到值字段“%s”规则校验失败，%s", field, payFieldNames[field], why)
}

// decodeFailure turns a JSON error into WeChat's PARAM_ERROR wording.
func decodeFailure(err error) *payFailure {
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
		field := strings.ReplaceAll(te.Field, ".", "/")
		return paramError(invalidField(field, "类型错误，不能是 "+te.Value))
	}
	return paramError("请求体不是合法的 JSON: " + err.Error())
}
