package domain

import (
	"context"
	"errors"
	"fmt"
)

// Ledger event types for WeChat's answers that end an order unpaid.
const (
	EventTradeClosed   = "TRADE.CLOSED"    // a query says CLOSED, or our close succeeded
	EventTradeRevoked  = "TRADE.REVOKED"   // a query says REVOKED
	EventTradePayError = "TRADE.PAYERROR"  // a query says PAYERROR
	EventTradeNotFound = "TRADE.NOT_FOUND" // a query says WeChat has no transaction
)

// SourceClose is the ledger source of a close WeChat Pay accepted.
const SourceClose = "close"

// UnpaidAnswer is WeChat's word that no money moved for an order: the
// answer of a query (SourceQuery) or of a close (SourceClose).
type UnpaidAnswer struct {
	Source     string
	EventType  string
	OutTradeNo string
}

func (a UnpaidAnswer) eventID() string {
	if a.Source == SourceClose {
		return "close:" + a.OutTradeNo
	}
	return fmt.Sprintf("query:%s:%s", a.OutTradeNo, a.EventType)
}

// EndUnpaid applies end (expiry, or the end of a cancel's close) to the
// order on WeChat's word that no money moved, and ledgers that word in the
// same transaction: every answer that decides none moved is a ledger row,
// like the ones that say it did. An order that had already ended (or was
// paid meanwhile) is a duplicate.
func (c *ConfirmPayment) EndUnpaid(ctx context.Context, a UnpaidAnswer, end func(*Order) error) (Verdict, error) {
	rec := PaymentRecord{
		EventID: a.eventID(), Source: a.Source, EventType: a.EventType, ReceivedAt: c.now().UTC(),
		Transaction: Transaction{OutTradeNo: a.OutTradeNo},
	}
	verdict, err := c.orders.RecordPayment(ctx, rec, func(o *Order) (Verdict, string, error) {
		if o == nil {
			return "", "", fmt.Errorf("%w: order %s", ErrNotFound, a.OutTradeNo)
		}
		before := o.Status()
		err := end(o)
		switch {
		case errors.Is(err, errAlreadyEnded):
			return VerdictDuplicate, fmt.Sprintf("the order was already %s", before), nil
		case err != nil:
			return "", "", err
		}
		return VerdictApplied, fmt.Sprintf("%s → %s: no money moved", before, o.Status()), nil
	})
	if err != nil {
		return "", err
	}
	c.monitor.PaymentVerdict(a.Source, verdict)
	return verdict, nil
}
