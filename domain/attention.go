package domain

import "fmt"

// AttentionReason says precisely why an item was raised. With the item's
// other facts (Why) a console says it in its reader's language; Detail is
// its English, for logs and SQL.
type AttentionReason string

const (
	// ReasonLatePaymentRefunding (late_payment): paid after the order ended;
	// being refunded automatically. AmountFen, TransactionID.
	ReasonLatePaymentRefunding AttentionReason = "late_payment_refunding"
	// ReasonLateRefundClosed (refund_failed): the late payment's automatic
	// refunds were closed Count times. AmountFen (left), OutRefundNo (the
	// last), Cause.
	ReasonLateRefundClosed AttentionReason = "late_refund_closed"
	// ReasonRefundClosed (refund_failed): a refund ended CLOSED; no money
	// moved. AmountFen, OutRefundNo, Cause (WeChat's refusal; "" when WeChat
	// closed it).
	ReasonRefundClosed AttentionReason = "refund_closed"
	// ReasonRefundAbnormal (refund_abnormal): AmountFen, OutRefundNo.
	ReasonRefundAbnormal AttentionReason = "refund_abnormal"
	// ReasonRefundNotSubmitted (refund_unresolved): the submit job used its
	// attempts. AmountFen, OutRefundNo, Cause.
	ReasonRefundNotSubmitted AttentionReason = "refund_not_submitted"
	// ReasonRefundChecksExhausted (refund_unresolved): still PROCESSING
	// after Count checks. AmountFen, OutRefundNo, Count.
	ReasonRefundChecksExhausted AttentionReason = "refund_checks_exhausted"
	// ReasonTradeStateRefund (refund_reported): WeChat reports the
	// transaction REFUND and no refund of ours explains it.
	ReasonTradeStateRefund AttentionReason = "trade_state_refund"
	// ReasonRefundReportUnexplained (refund_reported): a verified refund
	// report no refund of ours explains. OutRefundNo (WeChat's), Cause.
	ReasonRefundReportUnexplained AttentionReason = "refund_report_unexplained"
	// ReasonPaymentMismatch (suspicious_payment): a verified payment that
	// does not match the order. TransactionID, Cause.
	ReasonPaymentMismatch AttentionReason = "payment_mismatch"
	// ReasonOrderUnsettled (unresolved_order): Count settle attempts, still
	// Cause (the order's status).
	ReasonOrderUnsettled AttentionReason = "order_unsettled"
	// ReasonBillDifference (bill_difference): the day's bill differs from
	// our books and WeChat's query did not explain it. AmountFen (the
	// bill's, or ours when the bill lacks the line), TransactionID,
	// OutRefundNo, Cause (the difference and what the query said).
	ReasonBillDifference AttentionReason = "bill_difference"
	// ReasonShippingRefused (shipping_refused): TransactionID, Cause
	// (WeChat's refusal).
	ReasonShippingRefused AttentionReason = "shipping_refused"
)

// Why is what an attention item says: its reason and the facts a person
// needs to act on it. Zero fields do not apply to the reason.
type Why struct {
	Reason        AttentionReason
	AmountFen     int64
	OutRefundNo   string
	TransactionID string
	Count         int
	Cause         string // WeChat's words, or the check that failed
}

// English says it, for logs and for whoever reads attention_items in SQL.
func (w Why) English() string {
	switch w.Reason {
	case ReasonLatePaymentRefunding:
		return fmt.Sprintf("paid %s (transaction %s) after the order had ended: it is being refunded automatically, and this item resolves itself when the refund succeeds",
			Yuan(w.AmountFen), w.TransactionID)
	case ReasonLateRefundClosed:
		return fmt.Sprintf("the automatic refund of this late payment was closed %d times (last, %s: %s): refund %s by hand",
			w.Count, w.OutRefundNo, w.cause("WeChat Pay closed it"), Yuan(w.AmountFen))
	case ReasonRefundClosed:
		return fmt.Sprintf("refund %s of %s ended CLOSED (%s): no money moved; refund again", w.OutRefundNo, Yuan(w.AmountFen), w.cause("WeChat Pay closed it"))
	case ReasonRefundAbnormal:
		return fmt.Sprintf("refund %s of %s could not reach the buyer (ABNORMAL): resolve it on the merchant platform", w.OutRefundNo, Yuan(w.AmountFen))
	case ReasonRefundNotSubmitted:
		return fmt.Sprintf("refund %s of %s could not be submitted to WeChat Pay: %s", w.OutRefundNo, Yuan(w.AmountFen), w.Cause)
	case ReasonRefundChecksExhausted:
		return fmt.Sprintf("refund %s of %s still PROCESSING after %d checks; WeChat Pay is still asked once a day", w.OutRefundNo, Yuan(w.AmountFen), w.Count)
	case ReasonTradeStateRefund:
		return "WeChat Pay reports trade_state REFUND for this order"
	case ReasonShippingRefused:
		return "WeChat's shipping management refused the shipment: " + w.Cause + "; the buyer's money stays frozen until it is uploaded"
	case ReasonOrderUnsettled:
		return fmt.Sprintf("still %s after %d attempts to settle it with WeChat Pay", w.Cause, w.Count)
	}
	return w.Cause // the unexplained report or mismatch, in the check's words
}

func (w Why) cause(otherwise string) string {
	if w.Cause == "" {
		return otherwise
	}
	return w.Cause
}

// Yuan writes fen as yuan, the way a person reads money: ¥12.80.
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}
