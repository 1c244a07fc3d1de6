package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Reconciling a day (README: "The daily bill"): every line of WeChat Pay's
// trade bill is compared with our books, and every payment and refund of
// ours the day should show is looked for in it. The bill finds; the signed
// query decides: each difference is asked about at WeChat, the verified
// answer goes through the paths every notification takes, and what it does
// not explain goes to a person, one attention item per difference.

// BillDiffKind says how a bill and our books differ.
type BillDiffKind string

const (
	// DiffMissingHere: the bill shows a payment (or refund) our books do
	// not have: no order with the number, an order we never saw paid, a
	// refund we never asked for.
	DiffMissingHere BillDiffKind = "missing_here"
	// DiffMissingAtWeChat: our books have a payment (or an accepted refund)
	// of the day that the bill does not show.
	DiffMissingAtWeChat BillDiffKind = "missing_at_wechat"
	// DiffAmount: the amounts differ.
	DiffAmount BillDiffKind = "amount"
	// DiffTransaction: the transaction_id (or refund_id, or the order a
	// refund belongs to) differs.
	DiffTransaction BillDiffKind = "transaction"
	// DiffState: the bill's state contradicts ours (a refund SUCCESS we
	// have as CLOSED, a payment REVOKED we have as paid).
	DiffState BillDiffKind = "state"
	// DiffDuplicate: the bill shows one payment (or refund) on two lines.
	DiffDuplicate BillDiffKind = "duplicate"
)

// BillDiffKinds lists every kind, for metrics and reports.
var BillDiffKinds = []BillDiffKind{DiffMissingHere, DiffMissingAtWeChat, DiffAmount, DiffTransaction, DiffState, DiffDuplicate}

// BillSubject says what a difference is about.
type BillSubject string

const (
	SubjectPayment BillSubject = "payment"
	SubjectRefund  BillSubject = "refund"
)

// DiffOutcome is what became of a difference.
type DiffOutcome string

const (
	// OutcomePending: not acted on yet, or WeChat Pay did not answer; the
	// next run of the day acts on it.
	OutcomePending DiffOutcome = "pending"
	// OutcomeApplied: WeChat's signed answer changed our books (a late
	// payment found and being refunded, a refund that had succeeded).
	OutcomeApplied DiffOutcome = "applied"
	// OutcomeExplained: WeChat's signed answer agrees with our books; the
	// bill cut the day elsewhere (a refund accepted after midnight).
	OutcomeExplained DiffOutcome = "explained"
	// OutcomeAttention: a person must look; AttentionKind names the item.
	OutcomeAttention DiffOutcome = "attention"
)

// BillDayStatus is where a day's reconciliation stands.
type BillDayStatus string

const (
	// BillWaiting: WeChat Pay has not made the day's bill yet.
	BillWaiting BillDayStatus = "waiting"
	// BillFailed: the bill could not be believed (its SHA1, a malformed or
	// cut line); nothing of it was applied.
	BillFailed BillDayStatus = "failed"
	// BillBalanced: every difference is explained, applied, or resolved by
	// a person: the books are proven for the day.
	BillBalanced BillDayStatus = "balanced"
	// BillUnbalanced: some difference waits for a person (or for WeChat Pay
	// to answer).
	BillUnbalanced BillDayStatus = "unbalanced"
)

// BillDay is one day's reconciliation.
type BillDay struct {
	Day               string // yyyy-MM-dd, Beijing
	Status            BillDayStatus
	Lines             int // detail lines of the bill
	Payments, Refunds int // of them
	WeChatPaidFen     int64
	WeChatRefundedFen int64
	OursPaidFen       int64 // our payments of the day (by success time)
	OursRefundedFen   int64 // our successful refunds asked for that day
	Differences       int
	OpenDifferences   int    // waiting for a person or for WeChat Pay
	Failure           string // why the bill was not believed
	FailedLine        int    // its line, 0 for the file as a whole
	Runs              int
	CheckedAt         time.Time
}

// BillDifference is one difference between a day's bill and our books,
// with what was done about it.
type BillDifference struct {
	ID            int64
	Day           string
	Kind          BillDiffKind
	Subject       BillSubject
	OutTradeNo    string
	OutRefundNo   string // for a refund
	TransactionID string // WeChat's, or ours when the bill has none
	LineNo        int    // the bill's line; 0 when the bill lacks it
	OrderID       uuid.UUID
	// Ours and WeChat say what each side has where they differ (a status,
	// a transaction id); "" when a side has nothing.
	Ours, WeChat       string
	OursFen, WeChatFen int64
	FoundAt            time.Time
	Outcome            DiffOutcome
	Action             string // what was done, in English
	AttentionKind      AttentionKind
	ActedAt            time.Time
}

// BookedPayment is a payment as our books hold it.
type BookedPayment struct {
	OrderID       uuid.UUID
	OutTradeNo    string
	TransactionID string // "" when we never saw the order paid
	TotalFen      int64
	Status        OrderStatus
	PaidAt        time.Time
}

// BookedRefund is a refund as our books hold it.
type BookedRefund struct {
	OrderID     uuid.UUID
	OutTradeNo  string
	OutRefundNo string
	RefundID    string
	AmountFen   int64
	Status      RefundStatus
	CreatedAt   time.Time
}

// BillMatch is one bill line with what our books hold under its numbers,
// or (Line nil) one of our day's payments or accepted refunds that no line
// of the bill shows.
type BillMatch struct {
	Line    *BillLine
	Repeat  bool      // the line shows a payment or refund an earlier line showed
	OrderID uuid.UUID // the order with the line's out_trade_no; zero if none
	Payment *BookedPayment
	Refund  *BookedRefund
}

// Compare says how the match differs, if it does.
func (m BillMatch) Compare() (BillDifference, bool) {
	if m.Line == nil {
		return m.missingAtWeChat()
	}
	l := m.Line
	d := BillDifference{OutTradeNo: l.OutTradeNo, TransactionID: l.TransactionID, LineNo: l.LineNo, OrderID: m.OrderID}
	if l.Kind == BillRefund {
		d.Subject, d.OutRefundNo, d.WeChatFen = SubjectRefund, l.OutRefundNo, l.AskedFen
		return m.compareRefund(d)
	}
	d.Subject, d.WeChatFen = SubjectPayment, l.OrderFen
	p := m.Payment
	if p != nil {
		d.OursFen = p.TotalFen
	}
	switch {
	case m.Repeat:
		d.Kind, d.WeChat = DiffDuplicate, "a second line"
	case p == nil:
		d.Kind, d.WeChat, d.Ours = DiffMissingHere, l.TradeState, "no order"
	case p.TransactionID == "":
		d.Kind, d.WeChat, d.Ours = DiffMissingHere, l.TradeState, string(p.Status)
	case p.TransactionID != l.TransactionID:
		d.Kind, d.WeChat, d.Ours = DiffTransaction, l.TransactionID, p.TransactionID
	case l.OrderFen != p.TotalFen:
		d.Kind = DiffAmount
	case l.TradeState != string(TradeSuccess):
		d.Kind, d.WeChat, d.Ours = DiffState, l.TradeState, string(p.Status)
	default:
		return BillDifference{}, false
	}
	return d, true
}

func (m BillMatch) compareRefund(d BillDifference) (BillDifference, bool) {
	l, r := m.Line, m.Refund
	if r != nil {
		d.OursFen = r.AmountFen
	}
	switch {
	case m.Repeat:
		d.Kind, d.WeChat = DiffDuplicate, "a second line"
	case r == nil:
		d.Kind, d.WeChat, d.Ours = DiffMissingHere, l.RefundStatus, "no refund"
	case r.OutTradeNo != l.OutTradeNo:
		d.Kind, d.WeChat, d.Ours = DiffTransaction, l.OutTradeNo, r.OutTradeNo
	case r.RefundID != "" && l.RefundID != "" && r.RefundID != l.RefundID:
		d.Kind, d.WeChat, d.Ours = DiffTransaction, l.RefundID, r.RefundID
	case l.AskedFen != r.AmountFen:
		d.Kind = DiffAmount
	// The bill's refund status is a snapshot taken when it was made: a
	// PROCESSING there says nothing; SUCCESS and CLOSED are final.
	case l.RefundStatus == string(RefundSuccess) && r.Status != RefundSuccess,
		l.RefundStatus == string(RefundClosed) && r.Status == RefundSuccess:
		d.Kind, d.WeChat, d.Ours = DiffState, l.RefundStatus, string(r.Status)
	default:
		return BillDifference{}, false
	}
	return d, true
}

func (m BillMatch) missingAtWeChat() (BillDifference, bool) {
	switch {
	case m.Payment != nil:
		p := m.Payment
		return BillDifference{Kind: DiffMissingAtWeChat, Subject: SubjectPayment, OutTradeNo: p.OutTradeNo,
			TransactionID: p.TransactionID, OrderID: p.OrderID, Ours: string(p.Status), OursFen: p.TotalFen}, true
	case m.Refund != nil:
		r := m.Refund
		return BillDifference{Kind: DiffMissingAtWeChat, Subject: SubjectRefund, OutTradeNo: r.OutTradeNo,
			OutRefundNo: r.OutRefundNo, TransactionID: r.RefundID, OrderID: r.OrderID, Ours: string(r.Status), OursFen: r.AmountFen}, true
	}
	return BillDifference{}, false
}

// English says what the difference is, for the attention item and logs.
func (d BillDifference) English() string {
	what := "payment of out_trade_no " + d.OutTradeNo
	if d.Subject == SubjectRefund {
		what = "refund " + d.OutRefundNo + " of out_trade_no " + d.OutTradeNo
	}
	line := fmt.Sprintf("the bill of %s (line %d)", d.Day, d.LineNo)
	switch d.Kind {
	case DiffMissingHere:
		return fmt.Sprintf("%s shows a %s of %s (%s) that our books do not have (%s)", line, what, Yuan(d.WeChatFen), d.WeChat, d.Ours)
	case DiffMissingAtWeChat:
		return fmt.Sprintf("the bill of %s does not show our %s of %s (%s)", d.Day, what, Yuan(d.OursFen), d.Ours)
	case DiffAmount:
		return fmt.Sprintf("%s shows the %s as %s; our books have %s", line, what, Yuan(d.WeChatFen), Yuan(d.OursFen))
	case DiffTransaction:
		return fmt.Sprintf("%s shows the %s under %s; our books have %s", line, what, d.WeChat, d.Ours)
	case DiffState:
		return fmt.Sprintf("%s shows the %s as %s; our books have %s", line, what, d.WeChat, d.Ours)
	case DiffDuplicate:
		return fmt.Sprintf("%s shows the %s a second time", line, what)
	}
	return fmt.Sprintf("%s: %s differs (%s)", line, what, d.Kind)
}

// BillChecks stores each day's reconciliation.
type BillChecks interface {
	// CheckDay compares one day's bill with our books in one transaction:
	// fetch streams the bill's lines into put (staged, never held in
	// memory) and returns its summary; when it succeeds, every staged line
	// is matched with our books under its numbers, and each of our
	// payments (by success time in the day) and accepted refunds (asked for
	// in the day) that no line shows is matched with no line; compare
	// judges each match (the lines grouped by the payment or refund they
	// show, a repeat right after the first). The differences found are stored
	// once per day (one found again keeps its outcome), and the day's
	// counts and WeChat's totals, before the transaction commits. When fetch fails,
	// nothing is stored and its error is returned.
	CheckDay(ctx context.Context, day string, at time.Time, fetch func(put func(BillLine) error) (BillSummary, error),
		compare func(BillMatch) (BillDifference, bool)) error
	// MarkDay records that the day's bill could not be used (waiting or
	// failed, with why and the line) without touching its differences.
	MarkDay(ctx context.Context, day string, status BillDayStatus, failure string, line int, at time.Time) (BillDay, error)
	// PendingDifferences lists up to limit of the day's differences not yet
	// acted on, in the bill's order.
	PendingDifferences(ctx context.Context, day string, limit int) ([]BillDifference, error)
	// SettleDifference stores what became of a difference and, in the same
	// transaction, the attention item it raised (nil if none; an item
	// without an order is about the difference's numbers).
	SettleDifference(ctx context.Context, d BillDifference, item *Attention) error
	// FinishDay counts the day's open differences (pending, or raised an
	// item that is still open), sets its status from them, and returns it.
	FinishDay(ctx context.Context, day string, at time.Time) (BillDay, error)
	// BillDay returns the day with its differences, or ErrNotFound.
	BillDay(ctx context.Context, day string) (BillDay, []BillDifference, error)
	// BillDays lists days newest first, before (exclusive; "" for all).
	BillDays(ctx context.Context, before string, limit int) ([]BillDay, error)
}

// BillMonitor counts what reconciliation does (adapters/metrics).
type BillMonitor interface {
	Monitor
	BillDayChecked(status BillDayStatus)
	BillDifference(kind BillDiffKind, outcome DiffOutcome)
}

// BillPolicy bounds one run.
type BillPolicy struct {
	// ActLimit bounds how many differences one run asks WeChat about; a
	// day with more is left unbalanced and the rest wait for the next run
	// (a bill wholly unlike our books is a misconfiguration, not a reason
	// for a million queries).
	ActLimit int
}

// DefaultBillPolicy acts on up to 1000 differences a run.
func DefaultBillPolicy() BillPolicy { return BillPolicy{ActLimit: 1000} }

// CheckBill reconciles one Beijing day with WeChat Pay's trade bill.
type CheckBill struct {
	bills         WeChatBills
	store         BillChecks
	pay           WeChatPay
	refunds       WeChatRefunds
	confirm       *ConfirmPayment
	confirmRefund *ConfirmRefund
	now           Clock
	policy        BillPolicy
	monitor       BillMonitor
	log           *slog.Logger
}

func NewCheckBill(bills WeChatBills, store BillChecks, pay WeChatPay, refunds WeChatRefunds, confirm *ConfirmPayment,
	confirmRefund *ConfirmRefund, now Clock, policy BillPolicy, monitor BillMonitor, log *slog.Logger) *CheckBill {
	return &CheckBill{bills: bills, store: store, pay: pay, refunds: refunds, confirm: confirm, confirmRefund: confirmRefund,
		now: now, policy: policy, monitor: monitor, log: log}
}

// Execute reconciles day (yyyy-MM-dd, Beijing): compares the bill with the
// books, acts on every difference not yet acted on, and returns the day.
// A bill not made yet is ErrBillNotReady (ask again later); a bill that
// cannot be believed marks the day failed and applies nothing; WeChat Pay
// failing to answer leaves differences pending and returns the error, so
// that the run is retried.
func (u *CheckBill) Execute(ctx context.Context, day string) (BillDay, error) {
	if _, err := BillDayStart(day); err != nil {
		return BillDay{}, err
	}
	found := 0
	err := u.store.CheckDay(ctx, day, u.now().UTC(), func(put func(BillLine) error) (BillSummary, error) {
		s, err := u.bills.TradeBill(ctx, day, put)
		if errors.Is(err, ErrNoBill) {
			// No trade at WeChat that day: an empty bill, against which any
			// payment of ours that day is missing.
			return BillSummary{}, nil
		}
		return s, err
	}, func(m BillMatch) (BillDifference, bool) {
		d, ok := m.Compare()
		if ok {
			found++
		}
		return d, ok
	})
	var billErr *BillError
	switch {
	case errors.Is(err, ErrBillNotReady):
		if _, merr := u.store.MarkDay(ctx, day, BillWaiting, "", 0, u.now().UTC()); merr != nil {
			return BillDay{}, errors.Join(err, merr)
		}
		u.monitor.BillDayChecked(BillWaiting)
		return BillDay{}, err
	case errors.As(err, &billErr):
		d, merr := u.store.MarkDay(ctx, day, BillFailed, billErr.Reason, billErr.LineNo, u.now().UTC())
		if merr != nil {
			return BillDay{}, errors.Join(err, merr)
		}
		u.monitor.BillDayChecked(BillFailed)
		u.log.ErrorContext(ctx, "the day's bill cannot be believed: nothing of it was applied", "day", day, "line", billErr.LineNo, "reason", billErr.Reason)
		return d, nil
	case err != nil:
		return BillDay{}, err
	}
	pending, err := u.store.PendingDifferences(ctx, day, u.policy.ActLimit)
	if err != nil {
		return BillDay{}, err
	}
	var unanswered error
	for _, d := range pending {
		if err := u.act(ctx, d); err != nil {
			unanswered = err // left pending; the others still get their turn
		}
	}
	d, err := u.store.FinishDay(ctx, day, u.now().UTC())
	if err != nil {
		return BillDay{}, err
	}
	u.monitor.BillDayChecked(d.Status)
	u.log.InfoContext(ctx, "bill reconciled", "day", day, "status", d.Status, "lines", d.Lines, "new_differences", found,
		"differences", d.Differences, "open", d.OpenDifferences)
	if unanswered != nil {
		return d, fmt.Errorf("bill %s: some differences wait for WeChat Pay: %w", day, unanswered)
	}
	return d, nil
}

// act asks WeChat about one difference, applies the verified answer
// through the paths notifications take, and stores the outcome.
func (u *CheckBill) act(ctx context.Context, d BillDifference) error {
	var (
		o   judgement
		err error
	)
	if d.Subject == SubjectRefund {
		o, err = u.askRefund(ctx, d)
	} else {
		o, err = u.askPayment(ctx, d)
	}
	if err != nil {
		u.log.WarnContext(ctx, "a bill difference could not be asked about", "day", d.Day, "out_trade_no", d.OutTradeNo,
			"out_refund_no", d.OutRefundNo, "error", err)
		return err
	}
	now := u.now().UTC()
	d.Outcome, d.Action, d.ActedAt = o.outcome, o.action, now
	var item *Attention
	switch {
	case o.outcome != OutcomeAttention:
	case o.raisedBy != "":
		d.AttentionKind = o.raisedBy // the path that applied the answer raised it
	default:
		d.AttentionKind = AttentionBillDifference
		item = d.attention(o.action, now)
	}
	if err := u.store.SettleDifference(ctx, d, item); err != nil {
		return err
	}
	u.monitor.BillDifference(d.Kind, d.Outcome)
	if d.AttentionKind != "" {
		u.monitor.NeedsAttention(d.AttentionKind)
		u.log.ErrorContext(ctx, "a bill difference needs a person", "day", d.Day, "kind", d.Kind, "difference", d.English(), "action", d.Action)
	}
	return nil
}

// judgement is what one signed answer made of a difference.
type judgement struct {
	outcome  DiffOutcome
	action   string
	raisedBy AttentionKind // the item the applying path raised, if any
}

func toPerson(action string) judgement { return judgement{outcome: OutcomeAttention, action: action} }

// askPayment queries the transaction and applies it, as the per-order
// checks do (a payment found for an ended order is a late payment,
// refunded automatically).
func (u *CheckBill) askPayment(ctx context.Context, d BillDifference) (judgement, error) {
	t, v, err := settleFromQuery(ctx, u.pay, u.confirm, d.OutTradeNo)
	switch {
	case errors.Is(err, ErrNotFound):
		return toPerson("WeChat Pay's query has no transaction with this out_trade_no"), nil
	case err != nil:
		return judgement{}, err
	case v == "":
		return toPerson(fmt.Sprintf("WeChat Pay's query says %s: no payment", t.State)), nil
	}
	said := fmt.Sprintf("WeChat Pay's query says %s, %s, transaction %s", t.State, Yuan(t.TotalFen), t.TransactionID)
	switch v {
	case VerdictApplied:
		return judgement{outcome: OutcomeApplied, action: said + ": applied, the order is paid"}, nil
	case VerdictLate:
		return judgement{outcome: OutcomeApplied, action: said + ": a late payment, being refunded automatically"}, nil
	case VerdictSuspicious:
		if d.OrderID != uuid.Nil {
			return judgement{outcome: OutcomeAttention, action: said + ": not believed for the order", raisedBy: AttentionSuspiciousPayment}, nil
		}
		return toPerson(said + ": no order of ours has this number"), nil
	}
	// Our books already agreed with the answer.
	if d.Kind == DiffMissingAtWeChat && !d.inDay(t.SuccessTime) {
		return judgement{outcome: OutcomeExplained, action: said + fmt.Sprintf(" at %s: another day's bill", t.SuccessTime.In(Beijing).Format(time.DateTime))}, nil
	}
	return toPerson(said + ", as our books: the bill disagrees with both"), nil
}

// askRefund queries the refund and applies the report, as the refund
// checks do (a refund nobody here asked for is a refund_reported item).
func (u *CheckBill) askRefund(ctx context.Context, d BillDifference) (judgement, error) {
	rep, err := u.refunds.QueryRefund(ctx, d.OutRefundNo)
	switch {
	case errors.Is(err, ErrNotFound):
		return toPerson("WeChat Pay's query has no refund with this out_refund_no"), nil
	case err != nil:
		return judgement{}, err
	}
	said := fmt.Sprintf("WeChat Pay's query says %s, %s", rep.Status, Yuan(rep.RefundFen))
	v, err := u.confirmRefund.Execute(ctx, SourceRefundQuery, reportEvent(rep))
	switch {
	case err != nil:
		return judgement{}, err
	case v == VerdictApplied:
		return judgement{outcome: OutcomeApplied, action: said + ": applied to our refund"}, nil
	case v == VerdictSuspicious && d.OrderID != uuid.Nil:
		return judgement{outcome: OutcomeAttention, action: said + ": no refund of ours explains it", raisedBy: AttentionRefundReported}, nil
	case v == VerdictSuspicious:
		return toPerson(said + ": no order of ours has its out_trade_no"), nil
	case d.Kind == DiffMissingAtWeChat:
		// We date a refund by when we asked; WeChat's bill by when it
		// accepted it, which can be the next day.
		return judgement{outcome: OutcomeExplained, action: said + ", as our books: another day's bill"}, nil
	}
	return toPerson(said + ", as our books: the bill disagrees with both"), nil
}

// inDay says whether t falls in the difference's Beijing day.
func (d BillDifference) inDay(t time.Time) bool {
	start, err := BillDayStart(d.Day)
	return err == nil && !t.Before(start) && t.Before(start.AddDate(0, 0, 1))
}

// attention is the item a difference the answer did not explain raises.
func (d BillDifference) attention(action string, now time.Time) *Attention {
	amount := d.WeChatFen
	if d.LineNo == 0 {
		amount = d.OursFen
	}
	why := Why{Reason: ReasonBillDifference, AmountFen: amount, OutRefundNo: d.OutRefundNo, TransactionID: d.TransactionID,
		Cause: d.English() + "; " + action}
	return &Attention{Kind: AttentionBillDifference, OrderID: d.OrderID, OutTradeNo: d.OutTradeNo, OutRefundNo: d.OutRefundNo,
		Why: why, Detail: why.English(), CreatedAt: now}
}

// DueDays are the days a daily run reconciles: yesterday (Beijing) unless
// it was reconciled already, and, of the catchUp days before it, those
// whose bill was not ready or not believed, or that were never run at all
// (the service was down at the hour) since the first day ever run. Days
// before the first run are left alone: their bill may hold another
// system's trades.
func (u *CheckBill) DueDays(ctx context.Context, catchUp int) ([]string, error) {
	today, _ := BillDayStart(BillDayOf(u.now()))
	known, err := u.store.BillDays(ctx, today.Format(time.DateOnly), catchUp+1)
	if err != nil {
		return nil, err
	}
	status := make(map[string]BillDayStatus, len(known))
	first := ""
	for _, d := range known {
		status[d.Day] = d.Status
		first = d.Day // newest first: the last is the oldest in the window
	}
	var due []string
	for back := catchUp + 1; back >= 1; back-- {
		day := today.AddDate(0, 0, -back).Format(time.DateOnly)
		st, ok := status[day]
		switch {
		case back == 1 && !ok:
		case ok && (st == BillWaiting || st == BillFailed):
		case !ok && first != "" && day > first:
		default:
			continue
		}
		due = append(due, day)
	}
	return due, nil
}

// BillDays lists the reconciled days, newest first, before a day ("" for
// the newest).
func (op *Operate) BillDays(ctx context.Context, before string, limit int) ([]BillDay, error) {
	if before != "" {
		if _, err := BillDayStart(before); err != nil {
			return nil, err
		}
	}
	return op.bills.BillDays(ctx, before, limit)
}

// BillDay is one day's reconciliation with its differences.
func (op *Operate) BillDay(ctx context.Context, day string) (BillDay, []BillDifference, error) {
	return op.bills.BillDay(ctx, day)
}

// RerunBillDay asks for the day to be reconciled again now (by a job: a
// busy day's bill takes a while), audited. A rerun acts only on
// differences never acted on, so it is safe at any time; after a person
// resolved a day's items it is what marks the day balanced.
func (op *Operate) RerunBillDay(ctx context.Context, keyID, day string) error {
	start, err := BillDayStart(day)
	if err != nil {
		return err
	}
	if start.After(op.now()) {
		// Today is allowed: WeChat Pay answers it as not ready, and the
		// emulator can make it ready, which is how make run shows a day.
		return &InvalidError{What: "day", Reason: day + " has not begun yet (Beijing time)"}
	}
	j := Job{Kind: JobCheckBill, Day: day, RunAt: op.now().UTC()}
	return op.store.QueueJob(ctx, j, op.audit(keyID, "bill.rerun", day, nil))
}

// BillDayStart is the first instant of a Beijing day (yyyy-MM-dd).
func BillDayStart(day string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, day, Beijing)
	if err != nil || t.Format(time.DateOnly) != day {
		return time.Time{}, &InvalidError{What: "day", Reason: fmt.Sprintf("%q is not a yyyy-MM-dd date", day)}
	}
	return t, nil
}

// BillDayOf is the Beijing day of an instant.
func BillDayOf(t time.Time) string { return t.In(Beijing).Format(time.DateOnly) }
