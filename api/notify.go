package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/wxmp/wxmp/domain"
)

// MaxNotifyBytes bounds a payment notification; real ones are about 1 KiB.
const MaxNotifyBytes = 64 << 10

// NotificationVerifier checks a WeChat Pay notification's signature over
// the raw bytes and decrypts its resource (adapters/wechat.Pay).
type NotificationVerifier interface {
	ParseNotification(ctx context.Context, h http.Header, body []byte) (domain.PaymentNotification, error)
}

// refusal is how a verifier's error says what to write in the ledger.
type refusal interface {
	LedgerEntry() (eventID, reason string)
}

// NotifyHandler is the notify_url. It is a plain handler, outside the
// strict server and its validator, because the signature covers the exact
// bytes WeChat sent. WeChat retries on any answer but 2xx, so it answers
// 204 for everything it has recorded (duplicates and refusals included),
// and a FAIL only when recording failed.
type NotifyHandler struct {
	verifier NotificationVerifier
	confirm  *domain.ConfirmPayment
	refusals refusals
	log      *slog.Logger
}

func NewNotifyHandler(verifier NotificationVerifier, confirm *domain.ConfirmPayment, log *slog.Logger) *NotifyHandler {
	log = log.With("component", "wechatpay.notify")
	return &NotifyHandler{verifier: verifier, confirm: confirm, refusals: refusals{confirm, domain.SourceNotification, log}, log: log}
}

func (h *NotifyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, ok := h.refusals.read(w, r)
	if !ok {
		return
	}
	n, err := h.verifier.ParseNotification(ctx, r.Header, body)
	if err != nil {
		h.refusals.unverified(w, r, err)
		return
	}
	verdict, err := h.confirm.Execute(ctx, domain.SourceNotification, n)
	if err != nil {
		h.log.ErrorContext(ctx, "payment notification not recorded; WeChat will retry", "id", n.ID, "err", err)
		notifyFail(w, http.StatusInternalServerError, "not recorded, retry")
		return
	}
	level := slog.LevelInfo
	if verdict == domain.VerdictSuspicious {
		level = slog.LevelWarn // a verified claim that does not match our order: someone should look
	}
	h.log.Log(ctx, level, "payment notification", "id", n.ID, "event", n.EventType,
		"out_trade_no", n.Transaction.OutTradeNo, "verdict", verdict)
	w.WriteHeader(http.StatusNoContent)
}

// refusals records the notifications one notify_url refuses, in the
// ledger under that endpoint's source (the minute's budget is shared).
type refusals struct {
	ledger *domain.ConfirmPayment
	source string
	log    *slog.Logger
}

// read reads the raw body, refusing an oversized one.
func (f refusals) read(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxNotifyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			f.log.WarnContext(r.Context(), "notification refused", "reason", "oversized")
			f.refuse(w, r, "", "oversized", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		notifyFail(w, http.StatusBadRequest, "unreadable body")
		return nil, false
	}
	return body, true
}

// unverified records a notification that failed verification. The
// verifier has logged its refusals with their detail; anything else is
// logged here.
func (f refusals) unverified(w http.ResponseWriter, r *http.Request, err error) {
	id, reason := "", "unverified"
	var ref refusal
	if errors.As(err, &ref) {
		id, reason = ref.LedgerEntry()
	} else {
		f.log.WarnContext(r.Context(), "notification refused", "reason", reason, "err", err)
	}
	f.refuse(w, r, id, reason, http.StatusUnauthorized)
}

// refuse records a refusal (within the ledger's budget) and answers with a
// FAIL, so that a genuine notification damaged in transit is retried.
func (f refusals) refuse(w http.ResponseWriter, r *http.Request, id, reason string, status int) {
	id, reason = clip(id, 64), clip(reason, 200) // both may come from an attacker
	if err := f.ledger.Refused(r.Context(), f.source, id, reason); err != nil {
		f.log.ErrorContext(r.Context(), "refused notification not recorded", "id", id, "reason", reason, "err", err)
		notifyFail(w, http.StatusInternalServerError, "not recorded, retry")
		return
	}
	notifyFail(w, status, reason)
}

// RefundNotificationVerifier checks and decrypts a refund notification
// exactly like a payment notification (adapters/wechat.Pay).
type RefundNotificationVerifier interface {
	ParseRefundNotification(ctx context.Context, h http.Header, body []byte) (domain.RefundNotification, error)
}

// RefundNotifyHandler is the refunds' notify_url, on the same raw-body
// rules as NotifyHandler.
type RefundNotifyHandler struct {
	verifier RefundNotificationVerifier
	confirm  *domain.ConfirmRefund
	refusals refusals
	log      *slog.Logger
}

// NewRefundNotifyHandler: ledger records the refusals (ConfirmPayment's,
// whose per-minute budget both notify_urls share), as refund ones.
func NewRefundNotifyHandler(verifier RefundNotificationVerifier, confirm *domain.ConfirmRefund, ledger *domain.ConfirmPayment, log *slog.Logger) *RefundNotifyHandler {
	log = log.With("component", "wechatpay.refund-notify")
	return &RefundNotifyHandler{verifier: verifier, confirm: confirm, refusals: refusals{ledger, domain.SourceRefundNotification, log}, log: log}
}

func (h *RefundNotifyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, ok := h.refusals.read(w, r)
	if !ok {
		return
	}
	n, err := h.verifier.ParseRefundNotification(ctx, r.Header, body)
	if err != nil {
		h.refusals.unverified(w, r, err)
		return
	}
	verdict, err := h.confirm.Execute(ctx, domain.SourceRefundNotification, n)
	if err != nil {
		h.log.ErrorContext(ctx, "refund notification not recorded; WeChat will retry", "id", n.ID, "err", err)
		notifyFail(w, http.StatusInternalServerError, "not recorded, retry")
		return
	}
	h.log.InfoContext(ctx, "refund notification", "id", n.ID, "event", n.EventType, "out_refund_no", n.Refund.OutRefundNo, "verdict", verdict)
	w.WriteHeader(http.StatusNoContent)
}

func notifyFail(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(notifyFailure{Code: "FAIL", Message: message})
}

// notifyFailure is openapi.yaml's NotifyFailure (not generated: the
// operation is excluded from the strict server).
type notifyFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
