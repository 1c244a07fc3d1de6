package wxpay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The merchant-facing refund endpoints: create and query by out_refund_no.
// As in payapi.go, faults come first, then the merchant's signature, then
// the work; answers are signed like every WeChat Pay answer.

// wechatRefund is the Refund JSON that create and query answer (§9). The
// emulator knows no coupons: the payer paid, and gets back, the whole
// amount.
type wechatRefund struct {
	RefundID            string           `json:"refund_id"`
	OutRefundNo         string           `json:"out_refund_no"`
	TransactionID       string           `json:"transaction_id"`
	OutTradeNo          string           `json:"out_trade_no"`
	Channel             string           `json:"channel"`
	UserReceivedAccount string           `json:"user_received_account"`
	SuccessTime         string           `json:"success_time,omitempty"` // only once SUCCESS
	CreateTime          string           `json:"create_time"`
	Status              string           `json:"status"`
	FundsAccount        string           `json:"funds_account"`
	Amount              refundAmountJSON `json:"amount"`
	PromotionDetail     []struct{}       `json:"promotion_detail"`
}

type refundAmountJSON struct {
	Total            int64  `json:"total"`
	Refund           int64  `json:"refund"`
	PayerTotal       int64  `json:"payer_total"`
	PayerRefund      int64  `json:"payer_refund"`
	SettlementRefund int64  `json:"settlement_refund"`
	SettlementTotal  int64  `json:"settlement_total"`
	DiscountRefund   int64  `json:"discount_refund"`
	Currency         string `json:"currency"`
}

func (r *refund) wire() wechatRefund {
	w := wechatRefund{
		RefundID:            r.refundID,
		OutRefundNo:         r.outRefundNo,
		TransactionID:       r.txn.transactionID,
		OutTradeNo:          r.txn.outTradeNo,
		Channel:             "ORIGINAL",
		UserReceivedAccount: userReceivedAccount,
		CreateTime:          r.createTime.In(wxshared.CST).Format(time.RFC3339),
		Status:              r.status,
		FundsAccount:        "AVAILABLE",
		Amount: refundAmountJSON{
			Total: r.txn.total, Refund: r.amount, PayerTotal: r.txn.total, PayerRefund: r.amount,
			SettlementRefund: r.amount, SettlementTotal: r.txn.total, Currency: "CNY",
		},
		PromotionDetail: []struct{}{},
	}
	if !r.successTime.IsZero() {
		w.SuccessTime = r.successTime.In(wxshared.CST).Format(time.RFC3339)
	}
	return w
}

// refundRequest is the create-refund body. Fields the emulator has no use
// for (goods_detail, sub_mchid...) are accepted and ignored, as WeChat
// accepts them.
type refundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	FundsAccount  string `json:"funds_account"`
	Amount        *struct {
		Refund   *int64 `json:"refund"`
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

// DomesticRefund: POST /v3/refund/domestic/refunds
func (e *Server) DomesticRefund(w http.ResponseWriter, r *http.Request) {
	body, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	q, f := e.parseRefund(body)
	var resp wechatRefund
	if f == nil {
		resp, f = e.createRefund(q)
	}
	if f != nil {
		e.writeFailure(w, f)
		return
	}
	e.writeSigned(w, http.StatusOK, resp)
}

// QueryDomesticRefund: GET /v3/refund/domestic/refunds/{out_refund_no}
func (e *Server) QueryDomesticRefund(w http.ResponseWriter, r *http.Request) {
	if _, ok := e.authenticate(w, r); !ok {
		return
	}
	e.mu.Lock()
	rf, ok := e.refunds[r.PathValue("out_refund_no")]
	var resp wechatRefund
	if ok {
		resp = rf.wire()
	}
	e.mu.Unlock()
	if !ok {
		e.writePayError(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
		return
	}
	e.writeSigned(w, http.StatusOK, resp)
}

// parseRefund validates a create-refund body the way WeChat does, field by
// field, so that the first problem is the one reported. reason is counted
// in characters, as for description.
func (e *Server) parseRefund(body []byte) (refundParams, *payFailure) {
	var req refundRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return refundParams{}, decodeFailure(err)
	}
	fail := func(msg string) (refundParams, *payFailure) { return refundParams{}, paramError(msg) }
	switch {
	case req.TransactionID == "" && req.OutTradeNo == "":
		return fail("transaction_id 与 out_trade_no 须二选一，不能都为空")
	case len(req.TransactionID) > 32:
		return fail(invalidField("transaction_id", "长度不能超过 32"))
	case req.OutTradeNo != "" && !validOutTradeNo(req.OutTradeNo):
		return fail(invalidField("out_trade_no", fmt.Sprintf("须为 %d 到 %d 个数字、大小写字母、_ 或 -", minOutTradeNo, maxOutTradeNo)))
	case req.OutRefundNo == "":
		return fail(missingField("out_refund_no"))
	case !validOutRefundNo(req.OutRefundNo):
		return fail(invalidField("out_refund_no", fmt.Sprintf("须为 1 到 %d 个数字、大小写字母或 _-|*@", maxOutRefundNo)))
	case !utf8.ValidString(req.Reason) || utf8.RuneCountInString(req.Reason) > maxRefundReason:
		return fail(invalidField("reason", fmt.Sprintf("字符数 %d，大于最大值 %d", utf8.RuneCountInString(req.Reason), maxRefundReason)))
	case req.FundsAccount != "" && req.FundsAccount != "AVAILABLE":
		return fail(invalidField("funds_account", "仅支持 AVAILABLE"))
	}
	if req.NotifyURL != "" {
		if msg := e.checkNotifyURL(req.NotifyURL); msg != "" {
			return fail(msg)
		}
	}
	a := req.Amount
	switch {
	case a == nil:
		return fail(missingField("amount"))
	case a.Refund == nil:
		return fail(missingField("amount/refund"))
	case *a.Refund <= 0:
		return fail(invalidField("amount/refund", "退款金额须为大于 0 的整数（单位：分）"))
	case a.Total == nil:
		return fail(missingField("amount/total"))
	case *a.Total <= 0:
		return fail(invalidField("amount/total", "原订单金额须为大于 0 的整数（单位：分）"))
	case *a.Refund > *a.Total:
		return fail(invalidField("amount/refund", "退款金额不能大于原订单金额"))
	case a.Currency == "":
		return fail(missingField("amount/currency"))
	case a.Currency != "CNY":
		return fail(invalidField("amount/currency", "境内商户仅支持 CNY"))
	}
	return refundParams{
		transactionID: req.TransactionID,
		outTradeNo:    req.OutTradeNo,
		outRefundNo:   req.OutRefundNo,
		reason:        req.Reason,
		notifyURL:     req.NotifyURL,
		amount:        *a.Refund,
		total:         *a.Total,
	}, nil
}

// validOutRefundNo: 1 to 64 of [0-9A-Za-z_-|*@].
func validOutRefundNo(s string) bool {
	if len(s) == 0 || len(s) > maxOutRefundNo {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c == '_', c == '-', c == '|', c == '*', c == '@':
		default:
			return false
		}
	}
	return true
}
