package domain

import (
	"errors"
	"fmt"
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
)

// SuspiciousError says why a verified payment claim was not believed.
type SuspiciousError struct{ Reason string }

func (e *SuspiciousError) Error() string { return "suspicious payment: " + e.Reason }

func suspicious(format string, args ...any) error {
	return &SuspiciousError{Reason: fmt.Sprintf(format, args...)}
}

// errAlreadyApplied marks a repeat of the payment already on the order.
var errAlreadyApplied = errors.New("payment already applied")

// ConfirmPaid moves the order to paid on the strength of a verified
// transaction, after checking that it is about this order, from our
// merchant, for the full amount. It is idempotent: the same transaction
// again returns errAlreadyApplied, and nothing else can change a paid order.
func (o *Order) ConfirmPaid(t Transaction, m Merchant) error {
	switch {
	case t.AppID != m.AppID:
		return suspicious("appid %q is not ours", t.AppID)
	case t.MchID != m.MchID:
		return suspicious("mchid %q is not ours", t.MchID)
	case t.OutTradeNo != o.outTradeNo:
		return suspicious("out_trade_no %q is not this order's", t.OutTradeNo)
	case t.State != TradeSuccess:
		return suspicious("trade_state %s is not SUCCESS", t.State)
	case t.TotalFen != o.totalFen:
		return suspicious("amount %d fen, order total is %d fen", t.TotalFen, o.totalFen)
	case t.Currency != "" && t.Currency != Currency:
		return suspicious("currency %q is not %s", t.Currency, Currency)
	case t.TransactionID == "":
		return suspicious("no transaction_id")
	}
	switch o.status {
	case OrderPending:
		o.status = OrderPaid
		o.transactionID = t.TransactionID
		o.paidAt = t.SuccessTime.UTC()
		return nil
	case OrderPaid:
		if o.transactionID == t.TransactionID {
			return errAlreadyApplied
		}
		return suspicious("order already paid by transaction %s, now %s", o.transactionID, t.TransactionID)
	default:
		// Cancelling closes the transaction at WeChat first, so this means
		// money arrived for an order we gave up on: a person must look.
		return suspicious("payment for a %s order", o.status)
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
	case errors.As(err, &s):
		return VerdictSuspicious, s.Reason
	default:
		return "", err.Error()
	}
}
