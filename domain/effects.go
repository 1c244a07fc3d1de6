package domain

import (
	"time"

	"github.com/google/uuid"
)

// JobKind names a piece of background work about one order. The adapter
// schedules each Job in the same transaction as the order change that
// asked for it (README: "Jobs"), so that no order exists without its jobs.
type JobKind string

const (
	// JobCheckOrder asks WeChat about a pending order while the user may be
	// paying and applies a verified SUCCESS (a lost notification).
	JobCheckOrder JobKind = "order_check"
	// JobSettleOrder settles an order for good once its window has passed
	// (or a close did not finish): paid, or closed and expired.
	JobSettleOrder JobKind = "order_settle"
	// JobLatePayment handles money that arrived for an order we had given
	// up on (cancelled or expired).
	JobLatePayment JobKind = "late_payment"
	// JobSubmitRefund asks WeChat for a refund (again, with the same
	// out_refund_no, while WeChat says "later").
	JobSubmitRefund JobKind = "refund_submit"
	// JobCheckRefund asks WeChat about a PROCESSING refund on a back-off
	// until it is final (its notification may be lost).
	JobCheckRefund JobKind = "refund_check"
	// JobCheckBill reconciles one day (Day) with WeChat Pay's trade bill.
	JobCheckBill JobKind = "bill_check"
	// JobUploadShipping tells WeChat's order shipping management how the
	// order was shipped (upload_shipping_info).
	JobUploadShipping JobKind = "shipping_upload"
	// JobSendMessage sends the buyer a subscribe message about the order
	// (Event), if they granted one.
	JobSendMessage JobKind = "message_send"
)

// Job is work to run at RunAt about one order (and, for refund jobs, one
// of its refunds), or about one day's bill.
type Job struct {
	Kind     JobKind
	OrderID  uuid.UUID
	RefundNo string
	Day      string // JobCheckBill: yyyy-MM-dd, Beijing
	Event    string // JobSendMessage: what the message tells
	RunAt    time.Time
}

// AttentionKind says why a person must look at an order.
type AttentionKind string

const (
	// AttentionLatePayment: money arrived for a cancelled or expired order
	// and must go back to the buyer.
	AttentionLatePayment AttentionKind = "late_payment"
	// AttentionSuspiciousPayment: WeChat (verified) reports a payment that
	// does not match the order: other amount, payer, currency...
	AttentionSuspiciousPayment AttentionKind = "suspicious_payment"
	// AttentionUnresolved: reconciliation could not settle the order within
	// its attempts and stopped trying.
	AttentionUnresolved AttentionKind = "unresolved_order"
	// AttentionRefundReported: WeChat says the payment was refunded, and
	// no refund of ours explains it.
	AttentionRefundReported AttentionKind = "refund_reported"
	// AttentionRefundAbnormal: a refund ended ABNORMAL (the buyer's card
	// was closed, say); WeChat's abnormal-refund flow must finish it.
	AttentionRefundAbnormal AttentionKind = "refund_abnormal"
	// AttentionRefundFailed: WeChat refused a refund outright; the money
	// is still with us.
	AttentionRefundFailed AttentionKind = "refund_failed"
	// AttentionRefundUnresolved: a refund stayed PROCESSING through all of
	// its checks.
	AttentionRefundUnresolved AttentionKind = "refund_unresolved"
	// AttentionBillDifference: the day's bill differs from our books and
	// WeChat's signed query did not explain it (README: "The daily bill").
	AttentionBillDifference AttentionKind = "bill_difference"
	// AttentionShippingRefused: WeChat's shipping management refused the
	// shipment (already re-shipped, not shippable, another payer, bad
	// data); the buyer's money stays frozen until it is fixed.
	AttentionShippingRefused AttentionKind = "shipping_refused"
)

// Attention is one item on the list a person works through. An item is
// about one subject: the order, or one of its refunds (OutRefundNo), or,
// for a bill line no order of ours explains, the line's numbers (OrderID
// zero). At most one open item of a kind exists per subject, however often
// it is flagged.
type Attention struct {
	ID          int64
	Kind        AttentionKind
	OrderID     uuid.UUID
	OutTradeNo  string
	OutRefundNo string // the refund the item is about; "" for the order
	Why         Why
	Detail      string // Why in English
	CreatedAt   time.Time
}

// SystemActor is who the service itself is in audits and resolutions: a
// late payment's refund is requested by it, and the item a refund settles
// is resolved by it.
const SystemActor = "system"

// Resolution closes the open item of Kind about a subject, because what it
// asked a person to do has been done (by the service, or by WeChat).
type Resolution struct {
	Kind        AttentionKind
	OrderID     uuid.UUID
	OutRefundNo string
	Note        string
	At          time.Time
}
