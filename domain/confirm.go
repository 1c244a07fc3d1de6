package domain

import (
	"errors"
	"fmt"
	"time"
)

// Merchant is who we are at WeChat Pay: a notification or query answer
// about anyone else's money is not about our orders.
type Merchant struct {
	AppID string
	MchID string
}

// Verdict is what became of one payment notification (or verified query).
type Verdict string

const (
	// VerdictApplied: the order went pending → paid because of it.
	VerdictApplied Verdict = "applied"
	// VerdictDuplicate: it repeats a payment already applied.
	VerdictDuplicate Verdict = "duplicate"
	// VerdictIgnored: verified, but not a payment success (e.g. a refund event).
	VerdictIgnored Verdict = "ignored"
	// VerdictSuspicious: verified, but it does not match our order.
	VerdictSuspicious Verdict = "suspicious"
	// VerdictRejected: it failed verification (signature, timestamp, decryption...).
	VerdictRejected Verdict = "rejected"
	// VerdictLate: a real payment for an order we had already cancelled or
	// expired; the order is late_paid and the money goes back by a job.
	VerdictLate Verdict = "late"
	// VerdictRefused: WeChat Pay refused our request (a refund it would not
	// create); what became of it is the next ledger row about it.
	VerdictRefused Verdict = "refused"
)

// SuspiciousError says why a verified payment claim was not believed.
type SuspiciousError struct{ Reason string }

func (e *SuspiciousError) Error() string { return "suspicious payment: " + e.Reason }

func suspicious(format string, args ...any) error {
	return &SuspiciousError{Reason: fmt.Sprintf(format, args...)}
}

// errAlreadyApplied marks a repeat of the payment already on the order.
var errAlreadyApplied = errors.New("payment already applied")

// errLatePayment marks a payment applied to an order we had given up on.
var errLatePayment = errors.New("late payment")

// ConfirmPaid moves the order to paid on the strength of a verified
// transaction, after checking that it is about this order, from our
// merchant, by the order's payer, for the full amount in CNY. It is
// idempotent: the same transaction again returns errAlreadyApplied, and
// nothing else can change a paid order. A payment for an order that was
// cancelled or expired is still money received: the order becomes
// late_paid (errLatePayment) and a job is scheduled to give it back.
//
// A REFUND state is accepted as proof of payment (WeChat reports a paid
// transaction whose money went back as REFUND). For an order already paid
// the caller flags it; an order we never saw paid ends refunded at once
// (paidThenRefunded).
func (o *Order) ConfirmPaid(t Transaction, m Merchant, now time.Time) error {
	switch {
	case t.AppID != m.AppID:
		return suspicious("appid %q is not ours", t.AppID)
	case t.MchID != m.MchID:
		return suspicious("mchid %q is not ours", t.MchID)
	case t.OutTradeNo != o.outTradeNo:
		return suspicious("out_trade_no %q is not this order's", t.OutTradeNo)
	case t.State != TradeSuccess && t.State != TradeRefund:
		return suspicious("trade_state %s is not SUCCESS", t.State)
	case t.TotalFen != o.totalFen:
		return suspicious("amount %d fen, order total is %d fen", t.TotalFen, o.totalFen)
	case t.Currency != Currency:
		return suspicious("currency %q is not %s", t.Currency, Currency)
	case o.payerOpenID == "" || t.PayerOpenID != o.payerOpenID:
		return suspicious("payer %q is not the order's buyer", t.PayerOpenID)
	case t.TransactionID == "":
		return suspicious("no transaction_id")
	case t.SuccessTime.IsZero():
		return suspicious("no success_time")
	}
	if t.State == TradeRefund && o.transactionID == "" {
		return o.paidThenRefunded(t, now)
	}
	switch o.status {
	case OrderPending, OrderClosing:
		o.status, o.closeTo = OrderPaid, ""
		o.transactionID, o.paidAt = t.TransactionID, t.SuccessTime.UTC()
		o.nextCheckAt = time.Time{}
		o.tell(MessagePaid, now)
		o.shipOnPayment(now)
		return nil
	case OrderPaid, OrderShipped, OrderReceived, OrderCompleted, OrderLatePaid, OrderRefunded:
		if o.transactionID == t.TransactionID {
			return errAlreadyApplied
		}
		return suspicious("order already paid by transaction %s, now %s", o.transactionID, t.TransactionID)
	case OrderCancelled, OrderExpired:
		// The user was on the payment sheet when the order ended (or WeChat
		// accepted it late). The money is real: record it and give it back.
		o.status = OrderLatePaid
		o.transactionID, o.paidAt = t.TransactionID, t.SuccessTime.UTC()
		o.schedule(JobLatePayment, now)
		// On the list from this moment, whatever becomes of the job, until
		// the refund succeeds (refundSucceeded resolves it).
		o.flag(AttentionLatePayment, Why{Reason: ReasonLatePaymentRefunding, AmountFen: o.totalFen, TransactionID: t.TransactionID}, now)
		return errLatePayment
	default:
		return fmt.Errorf("order %s in unknown status %q", o.id, o.status)
	}
}

// VerdictOf classifies the result of ConfirmPaid.
func VerdictOf(err error) (Verdict, string) {
	var s *SuspiciousError
	switch {
	case err == nil:
		return VerdictApplied, ""
	case errors.Is(err, errAlreadyApplied):
		return VerdictDuplicate, ""
	case errors.Is(err, errLatePayment):
		return VerdictLate, "payment for an order that had ended"
	case errors.As(err, &s):
		return VerdictSuspicious, s.Reason
	default:
		return "", err.Error()
	}
}

// paidThenRefunded records a payment WeChat already reports REFUND for an
// order we never saw paid (its notifications lost, someone refunded it on
// the merchant platform). The money came and (at least partly) went back:
// the order must never be payable again nor ship, so it ends refunded, with
// its transaction, its stock released if it held any, and a person asked
// to find out how much went back.
func (o *Order) paidThenRefunded(t Transaction, now time.Time) error {
	o.status, o.closeTo = OrderRefunded, ""
	o.transactionID, o.paidAt = t.TransactionID, t.SuccessTime.UTC()
	o.nextCheckAt = time.Time{}
	o.flagRefundReported(now)
	return nil
}
