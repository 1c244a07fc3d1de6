package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxmp/wxmp/domain"
)

// WeChat Pay's domestic refunds (境内退款, §9): create and query through the
// same signed, verified calls as payments (paycall.go), with the SDK's
// refunddomestic models on the wire.

// CreateRefund asks WeChat Pay for the refund, or, with an OutRefundNo
// WeChat has seen, gets that refund as it is now: the number is the
// idempotency key, so a retry after ErrPaymentUnavailable must reuse it.
// The refund usually comes back PROCESSING; its end arrives as a refund
// notification (ParseRefundNotification) or through QueryRefund.
func (p *Pay) CreateRefund(ctx context.Context, r domain.RefundRequest) (domain.RefundReport, error) {
	if err := checkRefund(r); err != nil {
		return domain.RefundReport{}, fmt.Errorf("wechat pay refund: %w: %w", err, domain.ErrPaymentRejected)
	}
	if p.refundNotifyURL == "" {
		// A configuration fault, not the request's: once it is fixed the
		// same request succeeds, so the caller should keep it for later.
		p.log.ErrorContext(ctx, "WeChat Pay refund not sent: PayConfig.RefundNotifyURL is not configured", "out_refund_no", r.OutRefundNo)
		return domain.RefundReport{}, fmt.Errorf("wechat pay refund: RefundNotifyURL is not configured: %w", domain.ErrPaymentUnavailable)
	}
	req := refunddomestic.CreateRequest{
		OutTradeNo:  core.String(r.OutTradeNo),
		OutRefundNo: core.String(r.OutRefundNo),
		NotifyUrl:   core.String(p.refundNotifyURL),
		Amount: &refunddomestic.AmountReq{
			Refund: core.Int64(r.RefundFen), Total: core.Int64(r.TotalFen), Currency: core.String("CNY"),
		},
	}
	if r.Reason != "" {
		req.Reason = core.String(r.Reason)
	}
	var w refunddomestic.Refund
	if err := p.call(ctx, "refund", http.MethodPost, p.base+"/v3/refund/domestic/refunds", req, &w); err != nil {
		return domain.RefundReport{}, err
	}
	rep, err := toRefundReport(w)
	switch {
	case err != nil:
	case rep.OutRefundNo != r.OutRefundNo:
		err = fmt.Errorf("answer is about out_refund_no %q", clip(rep.OutRefundNo))
	case rep.OutTradeNo != r.OutTradeNo:
		err = fmt.Errorf("answer refunds out_trade_no %q", clip(rep.OutTradeNo))
	}
	if err != nil {
		p.log.ErrorContext(ctx, "WeChat Pay refund answer unusable", "out_refund_no", r.OutRefundNo, "error", err.Error())
		return domain.RefundReport{}, fmt.Errorf("wechat pay refund: %w: %w", err, domain.ErrPaymentUnavailable)
	}
	return rep, nil
}

// QueryRefund asks WeChat for the refund of outRefundNo; the answer's
// signature is verified. domain.ErrNotFound if WeChat has none.
func (p *Pay) QueryRefund(ctx context.Context, outRefundNo string) (domain.RefundReport, error) {
	if err := checkOutRefundNo(outRefundNo); err != nil {
		return domain.RefundReport{}, fmt.Errorf("wechat pay refund query: %w: %w", err, domain.ErrPaymentRejected)
	}
	var w refunddomestic.Refund
	if err := p.call(ctx, "refund_query", http.MethodGet, p.base+"/v3/refund/domestic/refunds/"+url.PathEscape(outRefundNo), nil, &w); err != nil {
		return domain.RefundReport{}, err
	}
	rep, err := toRefundReport(w)
	if err == nil && rep.OutRefundNo != outRefundNo {
		err = fmt.Errorf("answer is about out_refund_no %q", clip(rep.OutRefundNo))
	}
	if err != nil {
		p.log.ErrorContext(ctx, "WeChat Pay refund query answer unusable", "out_refund_no", outRefundNo, "error", err.Error())
		return domain.RefundReport{}, fmt.Errorf("wechat pay refund query: %w: %w", err, domain.ErrPaymentUnavailable)
	}
	return rep, nil
}

const maxRefundReason = 80 // characters, shown to the buyer

func checkRefund(r domain.RefundRequest) error {
	if err := checkOutTradeNo(r.OutTradeNo); err != nil {
		return err
	}
	if err := checkOutRefundNo(r.OutRefundNo); err != nil {
		return err
	}
	switch n := utf8.RuneCountInString(r.Reason); {
	case !utf8.ValidString(r.Reason) || n > maxRefundReason:
		return fmt.Errorf("reason must be at most %d characters of UTF-8, got %d", maxRefundReason, n)
	case r.TotalFen <= 0:
		return fmt.Errorf("order total must be positive, got %d fen", r.TotalFen)
	case r.RefundFen <= 0:
		return fmt.Errorf("refund must be positive, got %d fen", r.RefundFen)
	case r.RefundFen > r.TotalFen:
		return fmt.Errorf("refund of %d fen exceeds the order total of %d fen", r.RefundFen, r.TotalFen)
	}
	return nil
}

// checkOutRefundNo enforces WeChat's format (1 to 64 of [0-9A-Za-z_-|*@]),
// so that a bad number is refused here and its path segment is safe.
func checkOutRefundNo(no string) error {
	if len(no) == 0 || len(no) > 64 {
		return fmt.Errorf("out_refund_no must be 1 to 64 characters, got %d", len(no))
	}
	for _, c := range []byte(no) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-' || c == '|' || c == '*' || c == '@') {
			return fmt.Errorf("out_refund_no %q may hold only 0-9, A-Z, a-z and _-|*@", clip(no))
		}
	}
	return nil
}

// toRefundReport reads WeChat's refund, from an answer or (through
// refundNotice) a decrypted notification. Amounts are integer fen; the
// SDK's model has parsed success_time as RFC3339 already.
func toRefundReport(w refunddomestic.Refund) (domain.RefundReport, error) {
	r := domain.RefundReport{
		OutTradeNo:          deref(w.OutTradeNo),
		TransactionID:       deref(w.TransactionId),
		OutRefundNo:         deref(w.OutRefundNo),
		RefundID:            deref(w.RefundId),
		UserReceivedAccount: deref(w.UserReceivedAccount),
	}
	if w.Status != nil {
		r.Status = domain.RefundStatus(*w.Status)
	}
	switch {
	case r.OutRefundNo == "":
		return domain.RefundReport{}, errors.New("refund without out_refund_no")
	case r.Status != domain.RefundProcessing && r.Status != domain.RefundSuccess && r.Status != domain.RefundClosed && r.Status != domain.RefundAbnormal:
		return domain.RefundReport{}, fmt.Errorf("refund status %q is none of PROCESSING, SUCCESS, CLOSED, ABNORMAL", clip(string(r.Status)))
	}
	if a := w.Amount; a != nil {
		r.Currency = deref(a.Currency)
		if a.Refund != nil {
			r.RefundFen = *a.Refund
		}
		if a.Total != nil {
			r.TotalFen = *a.Total
		}
	}
	if r.Status == domain.RefundSuccess && w.SuccessTime != nil {
		r.SuccessTime = *w.SuccessTime
	}
	return r, nil
}

// refundNotice is the decrypted resource of a refund notification (§9),
// which the SDK has no model for: the Refund's fields under other names
// (refund_status), plus mchid.
type refundNotice struct {
	MchID               *string                `json:"mchid"`
	OutTradeNo          *string                `json:"out_trade_no"`
	TransactionID       *string                `json:"transaction_id"`
	OutRefundNo         *string                `json:"out_refund_no"`
	RefundID            *string                `json:"refund_id"`
	RefundStatus        *refunddomestic.Status `json:"refund_status"`
	SuccessTime         *string                `json:"success_time"`
	UserReceivedAccount *string                `json:"user_received_account"`
	Amount              *refunddomestic.Amount `json:"amount"`
}

func (n refundNotice) report() (domain.RefundReport, error) {
	w := refunddomestic.Refund{
		RefundId: n.RefundID, OutRefundNo: n.OutRefundNo, TransactionId: n.TransactionID, OutTradeNo: n.OutTradeNo,
		UserReceivedAccount: n.UserReceivedAccount, Status: n.RefundStatus, Amount: n.Amount,
	}
	if st := deref(n.SuccessTime); st != "" {
		t, err := time.Parse(time.RFC3339, st)
		if err != nil {
			return domain.RefundReport{}, fmt.Errorf("success_time %q is not RFC3339", clip(st))
		}
		w.SuccessTime = &t
	}
	r, err := toRefundReport(w)
	if err != nil {
		return domain.RefundReport{}, err
	}
	r.MchID = deref(n.MchID)
	return r, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
