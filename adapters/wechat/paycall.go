package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"

	"github.com/wxmp/wxmp/domain"
)

// WeChat Pay APIv3 error codes that change how we answer.
const (
	codeOrderNotExist      = "ORDER_NOT_EXIST"
	codeOrderPaid          = "ORDERPAID"
	codeSystemError        = "SYSTEM_ERROR"
	codeFrequencyLimited   = "FREQUENCY_LIMITED"
	codeBankError          = "BANK_ERROR"
	codeBankErrorV2        = "BANKERROR"   // the APIv2 spelling, still seen in APIv3 documentation
	codeSystemErrorV2      = "SYSTEMERROR" // likewise
	codeSignError          = "SIGN_ERROR"
	codeNoAuth             = "NO_AUTH"
	codeAppIDMchIDNotMatch = "APPID_MCHID_NOT_MATCH"
	codeMchNotExists       = "MCH_NOT_EXISTS"
	codeResourceNotExists  = "RESOURCE_NOT_EXISTS" // the refund API's "no such refund" (or order)
	codeNotEnough          = "NOT_ENOUGH"          // the merchant's balance cannot pay a refund now
)

// call sends one signed request with its own timeout and, on a verified 2xx,
// decodes the body into out (nil: none expected). Its errors are final:
// they wrap a domain error and hold nothing of WeChat's answer but its
// status, code and (clipped) message.
func (p *Pay) call(ctx context.Context, op, method, u string, body, out any) error {
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var (
		res *core.APIResult
		err error
	)
	if method == http.MethodGet {
		res, err = p.client.Get(actx, u)
	} else {
		res, err = p.client.Post(actx, u, body)
	}
	if res != nil && res.Response != nil {
		defer res.Response.Body.Close()
	}
	var apiErr *core.APIError
	switch {
	case errors.As(err, &apiErr):
		return p.apiError(ctx, op, apiErr)
	case err != nil && res != nil && res.Response != nil && res.Response.StatusCode/100 == 2:
		return p.forged(ctx, op, res.Response, err)
	case err != nil:
		return p.transportError(ctx, actx, op, err)
	case out == nil:
		return nil
	}
	if err := core.UnMarshalResponse(res.Response, out); err != nil {
		p.log.ErrorContext(ctx, "WeChat Pay answer is not the JSON expected", "op", op, "request_id", res.Response.Header.Get("Request-Id"))
		return fmt.Errorf("wechat pay %s: undecodable answer: %w", op, domain.ErrPaymentUnavailable)
	}
	return nil
}

// apiError maps a non-2xx answer. WeChat's code goes into the error: an
// operator needs it to act.
func (p *Pay) apiError(ctx context.Context, op string, e *core.APIError) error {
	// The code is WeChat's text too (error answers are not signed):
	// it is compared as sent, and shown only cleaned.
	code, msg := p.clean(e.Code), p.clean(e.Message)
	fail := func(sentinel error) error {
		return fmt.Errorf("wechat pay %s: HTTP %d %s (%s): %w", op, e.StatusCode, code, msg, sentinel)
	}
	attrs := []any{"op", op, "status", e.StatusCode, "code", code, "message", msg, "request_id", e.Header.Get("Request-Id")}
	switch {
	case e.Code == codeStatementCreating && e.StatusCode/100 == 4 && op == opTradeBill:
		p.log.InfoContext(ctx, "WeChat Pay is still making the bill: ask again later", attrs...)
		return fail(domain.ErrBillNotReady)
	case e.Code == codeNoStatementExist && e.StatusCode/100 == 4 && op == opTradeBill:
		return fail(domain.ErrNoBill)
	case e.Code == codeOrderNotExist && e.StatusCode/100 == 4 && (op == "query" || op == "close"),
		e.Code == codeResourceNotExists && e.StatusCode/100 == 4 && op == "refund_query":
		// Only a lookup can say "not found"; to a create it is a refusal.
		return fail(domain.ErrNotFound)
	case e.Code == codeOrderPaid && e.StatusCode/100 == 4:
		// Not a failure of ours: the user paid. The caller must believe it.
		return fail(domain.ErrOrderPaidAtWeChat)
	case e.Code == codeNotEnough:
		// Retrying works once someone has topped up the merchant account.
		p.log.ErrorContext(ctx, "WeChat Pay cannot pay a refund: the merchant's balance is too low (NOT_ENOUGH); top it up", attrs...)
		return fail(domain.ErrPaymentUnavailable)
	case e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests ||
		e.Code == codeSystemError || e.Code == codeFrequencyLimited || e.Code == codeBankError ||
		e.Code == codeBankErrorV2 || e.Code == codeSystemErrorV2:
		p.log.WarnContext(ctx, "WeChat Pay failing or throttling", attrs...)
		return fail(domain.ErrPaymentUnavailable)
	case e.StatusCode == http.StatusUnauthorized || e.Code == codeSignError:
		// Every call fails until an operator fixes our credentials.
		p.log.ErrorContext(ctx, "WeChat Pay refused our signature: check MchID, MchCertSerial and the merchant private key", attrs...)
		return fail(domain.ErrPaymentUnavailable)
	case e.StatusCode == http.StatusNotFound && e.Code == "":
		// Not WeChat's "no such order" but no API at all: most likely a
		// wrong BaseURL. Saying ErrNotFound would make reconciliation
		// believe WeChat never saw the order.
		p.log.ErrorContext(ctx, "WeChat Pay answered 404 without a code: check BaseURL", attrs...)
		return fail(domain.ErrPaymentUnavailable)
	case e.StatusCode/100 == 4:
		if e.Code == codeNoAuth || e.Code == codeAppIDMchIDNotMatch || e.Code == codeMchNotExists {
			p.log.ErrorContext(ctx, "WeChat Pay refused our merchant configuration: check AppID, MchID and the product's permissions", attrs...)
		} else {
			p.log.WarnContext(ctx, "WeChat Pay rejected a request", attrs...)
		}
		return fail(domain.ErrPaymentRejected)
	default:
		p.log.WarnContext(ctx, "WeChat Pay answered an unexpected HTTP status", attrs...)
		return fail(domain.ErrPaymentUnavailable)
	}
}

// forged explains a 2xx whose signature failed validation. Whatever it
// says, it did not provably come from WeChat, so it is not used.
func (p *Pay) forged(ctx context.Context, op string, resp *http.Response, err error) error {
	h := resp.Header
	why := "bad signature"
	ts, tsErr := strconv.ParseInt(h.Get("Wechatpay-Timestamp"), 10, 64)
	switch {
	case h.Get("Wechatpay-Signature") == "" || h.Get("Wechatpay-Serial") == "" || h.Get("Wechatpay-Nonce") == "" || tsErr != nil:
		why = "missing or malformed Wechatpay-* headers"
	case errors.Is(err, errUnknownSerial):
		why = "signed with a key we were not configured with (rotated platform certificate, or a public key not yet configured?)"
	case outsideWindow(ts, time.Now()):
		// The SDK checks answers against the system clock.
		why = "timestamp more than 5 minutes from the system clock"
	}
	p.log.ErrorContext(ctx, "WeChat Pay answer failed signature validation: treating it as forged",
		"op", op, "status", resp.StatusCode, "why", why, "serial", p.clean(h.Get("Wechatpay-Serial")), "request_id", p.clean(h.Get("Request-Id")))
	return fmt.Errorf("wechat pay %s: answer failed signature validation (%s): %w", op, why, domain.ErrPaymentUnavailable)
}

// transportError explains a request that got no answer. Go's *url.Error
// repeats the URL, which is noise here, so only its cause is kept.
func (p *Pay) transportError(ctx, actx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("wechat pay %s: %w: %w", op, ctx.Err(), domain.ErrPaymentUnavailable)
	}
	if actx.Err() != nil {
		p.log.WarnContext(ctx, "WeChat Pay did not answer in time", "op", op, "timeout", p.timeout)
		return fmt.Errorf("wechat pay %s: no answer within %s: %w", op, p.timeout, domain.ErrPaymentUnavailable)
	}
	msg := p.clean(stripURL(err).Error())
	p.log.WarnContext(ctx, "WeChat Pay unreachable", "op", op, "error", msg)
	return fmt.Errorf("wechat pay %s: %s: %w", op, msg, domain.ErrPaymentUnavailable)
}

// toTransaction reads WeChat's transaction, from a query or a decrypted
// notification. Amounts are integer fen; success_time is RFC3339.
func toTransaction(w payments.Transaction) (domain.Transaction, error) {
	s := deref
	t := domain.Transaction{
		AppID:         s(w.Appid),
		MchID:         s(w.Mchid),
		OutTradeNo:    s(w.OutTradeNo),
		TransactionID: s(w.TransactionId),
		State:         domain.TradeState(s(w.TradeState)),
	}
	if t.OutTradeNo == "" || t.State == "" {
		return domain.Transaction{}, errors.New("transaction without out_trade_no or trade_state")
	}
	if w.Amount != nil {
		t.Currency = s(w.Amount.Currency)
		if w.Amount.Total != nil {
			t.TotalFen = *w.Amount.Total
		}
	}
	if w.Payer != nil {
		t.PayerOpenID = s(w.Payer.Openid)
	}
	if st := s(w.SuccessTime); st != "" {
		var err error
		if t.SuccessTime, err = time.Parse(time.RFC3339, st); err != nil {
			return domain.Transaction{}, fmt.Errorf("success_time %q is not RFC3339", clip(st))
		}
	}
	return t, nil
}

// replayWindow is how far a WeChat Pay timestamp may be from our clock.
const replayWindow = 5 * time.Minute

// outsideWindow says whether a Wechatpay-Timestamp (Unix seconds) is
// replayWindow or more away from now. It compares seconds, so that absurd
// timestamps cannot overflow a time.Duration into a pass.
func outsideWindow(sec int64, now time.Time) bool {
	n, w := now.Unix(), int64(replayWindow/time.Second)
	return sec <= n-w || sec >= n+w
}

// clean makes text that came from elsewhere safe for an error or a log
// line: the APIv3 key never travels, but text echoed back is not ours to
// trust. It redacts before clipping so that no prefix of the key survives.
func (p *Pay) clean(s string) string {
	if p.apiV3Key != "" {
		s = strings.ReplaceAll(s, p.apiV3Key, "[redacted]")
	}
	return clip(s)
}

// clip bounds foreign text and drops control characters, so that it cannot
// forge log lines.
func clip(s string) string {
	if len(s) > 256 {
		s = strings.ToValidUTF8(s[:256], "") + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
