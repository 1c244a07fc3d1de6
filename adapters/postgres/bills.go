package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// The daily bill's reconciliation (domain.BillChecks). A day's bill is
// staged in a temporary table with COPY, in batches, as it is downloaded,
// so that a bill of a million lines costs the service a batch of memory,
// not the bill; the comparison is then two queries that Postgres answers
// with joins against orders and refunds, streamed back to the domain's
// rules. The table lives for one transaction (ON COMMIT DROP): a bill that
// turns out not to be believed (its SHA1 is checked after the last line)
// rolls back with everything staged from it, and nothing of it remains.
// These statements are written out here because sqlc cannot see a
// temporary table.

const (
	createBillStage = `CREATE TEMPORARY TABLE bill_stage (
    line_no        integer NOT NULL,
    kind           text    NOT NULL,
    trade_state    text    NOT NULL,
    transaction_id text    NOT NULL,
    out_trade_no   text    NOT NULL,
    out_refund_no  text    NOT NULL,
    refund_id      text    NOT NULL,
    refund_status  text    NOT NULL,
    order_fen      bigint  NOT NULL,
    asked_fen      bigint  NOT NULL
) ON COMMIT DROP`

	// Every payment line with what our books hold under its out_trade_no,
	// then every refund line with what they hold under its out_refund_no,
	// each grouped by the number it shows, so that a line repeating the one
	// before it is a duplicate. Two queries, not one sorted on a CASE: each
	// sorts only its own columns (a payment line has no refund to carry),
	// which halves the bytes a day of a million lines sorts on disk. The
	// sort key is compared bytewise (COLLATE "C"): only equal numbers need
	// to be adjacent, and a linguistic collation costs several times more
	// per comparison.
	matchBillPayments = `SELECT s.line_no, s.kind, s.trade_state, s.transaction_id, s.out_trade_no, s.out_refund_no,
       s.refund_id, s.refund_status, s.order_fen, s.asked_fen,
       o.id, COALESCE(o.transaction_id, ''), COALESCE(o.total_fen, 0), COALESCE(o.status, '')
FROM bill_stage s
LEFT JOIN orders o ON o.out_trade_no = s.out_trade_no
WHERE s.kind = 'payment'
ORDER BY s.out_trade_no COLLATE "C", s.line_no`

	matchBillRefunds = `SELECT s.line_no, s.kind, s.trade_state, s.transaction_id, s.out_trade_no, s.out_refund_no,
       s.refund_id, s.refund_status, s.order_fen, s.asked_fen,
       o.id, COALESCE(o.transaction_id, ''), COALESCE(o.total_fen, 0), COALESCE(o.status, ''),
       r.out_refund_no, COALESCE(r.refund_id, ''), COALESCE(r.amount_fen, 0), COALESCE(r.status, ''), r.order_id, COALESCE(ro.out_trade_no, '')
FROM bill_stage s
LEFT JOIN orders o ON o.out_trade_no = s.out_trade_no
LEFT JOIN refunds r ON r.out_refund_no = s.out_refund_no
LEFT JOIN orders ro ON ro.id = r.order_id
WHERE s.kind = 'refund'
ORDER BY s.out_refund_no COLLATE "C", s.line_no`

	// Our payments of the day (by WeChat's success time) that no line shows.
	unbilledPayments = `SELECT o.id, o.out_trade_no, o.transaction_id, o.total_fen, o.status, o.paid_at
FROM orders o
WHERE o.paid_at >= $1 AND o.paid_at < $2
  AND NOT EXISTS (SELECT 1 FROM bill_stage s WHERE s.kind = 'payment' AND s.out_trade_no = o.out_trade_no)
ORDER BY o.paid_at, o.id`

	// Our refunds asked for that day and accepted by WeChat (it gave them a
	// refund_id) that no line shows.
	unbilledRefunds = `SELECT r.order_id, o.out_trade_no, r.out_refund_no, r.refund_id, r.amount_fen, r.status, r.created_at
FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE r.created_at >= $1 AND r.created_at < $2 AND r.refund_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM bill_stage s WHERE s.kind = 'refund' AND s.out_refund_no = r.out_refund_no)
ORDER BY r.created_at, r.id`
)

var billStageColumns = []string{"line_no", "kind", "trade_state", "transaction_id", "out_trade_no", "out_refund_no",
	"refund_id", "refund_status", "order_fen", "asked_fen"}

// stageBatch is how many lines are held before they are copied.
const stageBatch = 4096

// diffBatch is how many differences are held before they are written.
const diffBatch = 512

func (s *Store) CheckDay(ctx context.Context, day string, at time.Time, fetch func(put func(domain.BillLine) error) (domain.BillSummary, error),
	compare func(domain.BillMatch) (domain.BillDifference, bool)) error {
	start, err := domain.BillDayStart(day)
	if err != nil {
		return err
	}
	date := dateOf(start)
	return s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		if _, err := tx.Exec(ctx, createBillStage); err != nil {
			return fmt.Errorf("stage the bill: %w", err)
		}
		st := &stager{ctx: ctx, tx: tx}
		summary, err := fetch(st.put)
		if err == nil {
			err = st.flush()
		}
		if err != nil {
			return err
		}
		// The planner needs to know how big the staged bill is.
		if _, err := tx.Exec(ctx, "ANALYZE bill_stage"); err != nil {
			return fmt.Errorf("analyze the staged bill: %w", err)
		}
		if err := q.OpenBillDay(ctx, dbsqlc.OpenBillDayParams{Day: date, CheckedAt: at}); err != nil {
			return fmt.Errorf("open bill day: %w", err)
		}
		w := &diffWriter{ctx: ctx, q: q, day: date, at: at}
		if err := matchLines(ctx, tx, func(m domain.BillMatch) error { return w.judge(m, compare) }); err != nil {
			return err
		}
		if err := matchUnbilled(ctx, tx, start, func(m domain.BillMatch) error { return w.judge(m, compare) }); err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
		return q.CountBillDay(ctx, dbsqlc.CountBillDayParams{
			Day: date, Lines: int32(st.lines), Payments: int32(st.payments), Refunds: int32(st.lines - st.payments),
			WechatPaidFen: summary.OrderFen, WechatRefundedFen: summary.RefundFen,
		})
	})
}

// stager copies the bill's lines into bill_stage a batch at a time.
type stager struct {
	ctx             context.Context
	tx              pgx.Tx
	batch           []domain.BillLine
	lines, payments int
}

func (s *stager) put(l domain.BillLine) error {
	s.lines++
	if l.Kind == domain.BillPayment {
		s.payments++
	}
	s.batch = append(s.batch, l)
	if len(s.batch) == stageBatch {
		return s.flush()
	}
	return nil
}

func (s *stager) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	if _, err := s.tx.CopyFrom(s.ctx, pgx.Identifier{"bill_stage"}, billStageColumns, &stageRows{lines: s.batch, at: -1}); err != nil {
		return fmt.Errorf("stage bill lines: %w", err)
	}
	s.batch = s.batch[:0]
	return nil
}

// stageRows feeds a batch to COPY, one reused row of values at a time.
type stageRows struct {
	lines []domain.BillLine
	at    int
	row   [10]any
}

func (r *stageRows) Next() bool { r.at++; return r.at < len(r.lines) }
func (r *stageRows) Err() error { return nil }
func (r *stageRows) Values() ([]any, error) {
	l := &r.lines[r.at]
	r.row = [10]any{int32(l.LineNo), string(l.Kind), l.TradeState, l.TransactionID, l.OutTradeNo, l.OutRefundNo,
		l.RefundID, l.RefundStatus, l.OrderFen, l.AskedFen}
	return r.row[:], nil
}

// matchLines streams the payment lines' matches, then the refund lines'.
func matchLines(ctx context.Context, tx pgx.Tx, each func(domain.BillMatch) error) error {
	var prevKind, prevKey string // carried across both: a repeat follows its first
	for _, query := range []string{matchBillPayments, matchBillRefunds} {
		if err := matchQuery(ctx, tx, query, query == matchBillRefunds, &prevKind, &prevKey, each); err != nil {
			return err
		}
	}
	return nil
}

// matchQuery streams one of them; refunds' rows carry the refund's
// columns too, payments' end after the order's.
func matchQuery(ctx context.Context, tx pgx.Tx, query string, refunds bool, prevKind, prevKey *string, each func(domain.BillMatch) error) error {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("match bill lines: %w", err)
	}
	defer rows.Close()
	var (
		l                                   domain.BillLine
		kind                                string
		orderID, refundOrderID              *uuid.UUID
		p                                   domain.BookedPayment
		r                                   domain.BookedRefund
		orderStatus, refundStatus, refundNo string
		refundOutRefundNo                   *string
	)
	dest := []any{&l.LineNo, &kind, &l.TradeState, &l.TransactionID, &l.OutTradeNo, &l.OutRefundNo,
		&l.RefundID, &l.RefundStatus, &l.OrderFen, &l.AskedFen,
		&orderID, &p.TransactionID, &p.TotalFen, &orderStatus,
		&refundOutRefundNo, &r.RefundID, &r.AmountFen, &refundStatus, &refundOrderID, &r.OutTradeNo}
	if !refunds {
		dest = dest[:14]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read matched bill line: %w", err)
		}
		l.Kind = domain.BillLineKind(kind)
		key := l.OutTradeNo
		if l.Kind == domain.BillRefund {
			key = l.OutRefundNo
		}
		m := domain.BillMatch{Line: &l, Repeat: kind == *prevKind && key == *prevKey}
		*prevKind, *prevKey = kind, key
		if orderID != nil {
			m.OrderID = *orderID
		}
		switch {
		case l.Kind == domain.BillPayment && orderID != nil:
			p.OrderID, p.OutTradeNo, p.Status = *orderID, l.OutTradeNo, domain.OrderStatus(orderStatus)
			m.Payment = &p
		case l.Kind == domain.BillRefund && refundOutRefundNo != nil:
			refundNo = *refundOutRefundNo
			r.OrderID, r.OutRefundNo, r.Status = deref(refundOrderID), refundNo, domain.RefundStatus(refundStatus)
			m.Refund = &r
		}
		if err := each(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

func matchUnbilled(ctx context.Context, tx pgx.Tx, start time.Time, each func(domain.BillMatch) error) error {
	stop := start.AddDate(0, 0, 1)
	rows, err := tx.Query(ctx, unbilledPayments, start, stop)
	if err != nil {
		return fmt.Errorf("payments the bill lacks: %w", err)
	}
	var p domain.BookedPayment
	var status string
	_, err = pgx.ForEachRow(rows, []any{&p.OrderID, &p.OutTradeNo, &p.TransactionID, &p.TotalFen, &status, &p.PaidAt}, func() error {
		p.Status = domain.OrderStatus(status)
		return each(domain.BillMatch{OrderID: p.OrderID, Payment: &p})
	})
	if err != nil {
		return fmt.Errorf("payments the bill lacks: %w", err)
	}
	rows, err = tx.Query(ctx, unbilledRefunds, start, stop)
	if err != nil {
		return fmt.Errorf("refunds the bill lacks: %w", err)
	}
	var r domain.BookedRefund
	_, err = pgx.ForEachRow(rows, []any{&r.OrderID, &r.OutTradeNo, &r.OutRefundNo, &r.RefundID, &r.AmountFen, &status, &r.CreatedAt}, func() error {
		r.Status = domain.RefundStatus(status)
		return each(domain.BillMatch{OrderID: r.OrderID, Refund: &r})
	})
	if err != nil {
		return fmt.Errorf("refunds the bill lacks: %w", err)
	}
	return nil
}

// diffWriter stores the differences the domain finds, a batch at a time.
type diffWriter struct {
	ctx   context.Context
	q     *dbsqlc.Queries
	day   pgtype.Date
	at    time.Time
	batch []dbsqlc.InsertBillDifferenceParams
}

func (w *diffWriter) judge(m domain.BillMatch, compare func(domain.BillMatch) (domain.BillDifference, bool)) error {
	d, ok := compare(m)
	if !ok {
		return nil
	}
	w.batch = append(w.batch, dbsqlc.InsertBillDifferenceParams{
		Day: w.day, Kind: string(d.Kind), Subject: string(d.Subject), OutTradeNo: d.OutTradeNo, OutRefundNo: d.OutRefundNo,
		TransactionID: d.TransactionID, LineNo: int32(d.LineNo), OrderID: orderRef(d.OrderID), Ours: d.Ours, Wechat: d.WeChat,
		OursFen: d.OursFen, WechatFen: d.WeChatFen, FoundAt: w.at,
	})
	if len(w.batch) == diffBatch {
		return w.flush()
	}
	return nil
}

func (w *diffWriter) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	var err error
	w.q.InsertBillDifference(w.ctx, w.batch).Exec(func(_ int, e error) { err = errors.Join(err, e) })
	w.batch = w.batch[:0]
	if err != nil {
		return fmt.Errorf("store bill differences: %w", err)
	}
	return nil
}

func (s *Store) MarkDay(ctx context.Context, day string, status domain.BillDayStatus, failure string, line int, at time.Time) (domain.BillDay, error) {
	start, err := domain.BillDayStart(day)
	if err != nil {
		return domain.BillDay{}, err
	}
	row, err := s.q.MarkBillDay(ctx, dbsqlc.MarkBillDayParams{Day: dateOf(start), Status: string(status), Failure: failure,
		FailedLine: int32(line), CheckedAt: at})
	if err != nil {
		return domain.BillDay{}, fmt.Errorf("mark bill day: %w", err)
	}
	return billDay(row), nil
}

func (s *Store) PendingDifferences(ctx context.Context, day string, limit int) ([]domain.BillDifference, error) {
	start, err := domain.BillDayStart(day)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.PendingBillDifferences(ctx, dbsqlc.PendingBillDifferencesParams{Day: dateOf(start), MaxRows: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("pending bill differences: %w", err)
	}
	return billDifferences(rows), nil
}

func (s *Store) SettleDifference(ctx context.Context, d domain.BillDifference, item *domain.Attention) error {
	return s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		n, err := q.SettleBillDifference(ctx, dbsqlc.SettleBillDifferenceParams{ID: d.ID, Outcome: string(d.Outcome),
			Action: d.Action, AttentionKind: string(d.AttentionKind), ActedAt: &d.ActedAt})
		switch {
		case err != nil:
			return fmt.Errorf("settle bill difference: %w", err)
		case n == 0 || item == nil:
			return nil // another run acted on it first
		case item.OrderID == uuid.Nil:
			err = q.FlagAttentionOrderless(ctx, dbsqlc.FlagAttentionOrderlessParams{Kind: string(item.Kind), OutTradeNo: item.OutTradeNo,
				OutRefundNo: item.OutRefundNo, Reason: string(item.Why.Reason), Facts: factsOf(item.Why), Detail: item.Detail, CreatedAt: item.CreatedAt})
		default:
			err = q.FlagAttention(ctx, dbsqlc.FlagAttentionParams{Kind: string(item.Kind), OrderID: item.OrderID, OutTradeNo: item.OutTradeNo,
				OutRefundNo: item.OutRefundNo, Reason: string(item.Why.Reason), Facts: factsOf(item.Why), Detail: item.Detail, CreatedAt: item.CreatedAt})
		}
		if err != nil {
			return fmt.Errorf("flag bill difference for a person: %w", err)
		}
		return nil
	})
}

func (s *Store) FinishDay(ctx context.Context, day string, at time.Time) (domain.BillDay, error) {
	start, err := domain.BillDayStart(day)
	if err != nil {
		return domain.BillDay{}, err
	}
	row, err := s.q.FinishBillDay(ctx, dbsqlc.FinishBillDayParams{Day: dateOf(start), CheckedAt: at,
		Start: start, Stop: start.AddDate(0, 0, 1)})
	if err != nil {
		return domain.BillDay{}, fmt.Errorf("finish bill day: %w", err)
	}
	return billDay(row), nil
}

// maxDayDifferences bounds the differences one day's report lists.
const maxDayDifferences = 1000

func (s *Store) BillDay(ctx context.Context, day string) (domain.BillDay, []domain.BillDifference, error) {
	start, err := domain.BillDayStart(day)
	if err != nil {
		return domain.BillDay{}, nil, err
	}
	row, err := s.q.GetBillDay(ctx, dateOf(start))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.BillDay{}, nil, domain.ErrNotFound
	}
	if err != nil {
		return domain.BillDay{}, nil, fmt.Errorf("bill day: %w", err)
	}
	diffs, err := s.q.BillDifferencesOfDay(ctx, dbsqlc.BillDifferencesOfDayParams{Day: dateOf(start), MaxRows: maxDayDifferences})
	if err != nil {
		return domain.BillDay{}, nil, fmt.Errorf("bill differences: %w", err)
	}
	return billDay(row), billDifferences(diffs), nil
}

func (s *Store) BillDays(ctx context.Context, before string, limit int) ([]domain.BillDay, error) {
	var b pgtype.Date
	if before != "" {
		start, err := domain.BillDayStart(before)
		if err != nil {
			return nil, err
		}
		b = dateOf(start)
	}
	rows, err := s.q.ListBillDays(ctx, dbsqlc.ListBillDaysParams{Before: b, MaxRows: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("bill days: %w", err)
	}
	out := make([]domain.BillDay, len(rows))
	for i, r := range rows {
		out[i] = billDay(r)
	}
	return out, nil
}

// LastBalancedDay is the latest balanced day ("" when none), for metrics.
func (s *Store) LastBalancedDay(ctx context.Context) (string, error) {
	d, err := s.q.LastBalancedBillDay(ctx)
	if err != nil {
		return "", fmt.Errorf("last balanced bill day: %w", err)
	}
	return dayOf(d), nil
}

func billDay(r dbsqlc.BillDay) domain.BillDay {
	return domain.BillDay{Day: dayOf(r.Day), Status: domain.BillDayStatus(r.Status), Lines: int(r.Lines),
		Payments: int(r.Payments), Refunds: int(r.Refunds), WeChatPaidFen: r.WechatPaidFen, WeChatRefundedFen: r.WechatRefundedFen,
		OursPaidFen: r.OursPaidFen, OursRefundedFen: r.OursRefundedFen, Differences: int(r.Differences),
		OpenDifferences: int(r.OpenDifferences), Failure: r.Failure, FailedLine: int(r.FailedLine), Runs: int(r.Runs), CheckedAt: r.CheckedAt}
}

func billDifferences(rows []dbsqlc.BillDifference) []domain.BillDifference {
	out := make([]domain.BillDifference, len(rows))
	for i, r := range rows {
		out[i] = domain.BillDifference{ID: r.ID, Day: dayOf(r.Day), Kind: domain.BillDiffKind(r.Kind), Subject: domain.BillSubject(r.Subject),
			OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo, TransactionID: r.TransactionID, LineNo: int(r.LineNo),
			OrderID: deref(r.OrderID), Ours: r.Ours, WeChat: r.Wechat, OursFen: r.OursFen, WeChatFen: r.WechatFen, FoundAt: r.FoundAt,
			Outcome: domain.DiffOutcome(r.Outcome), Action: r.Action, AttentionKind: domain.AttentionKind(r.AttentionKind), ActedAt: deref(r.ActedAt)}
	}
	return out
}

func orderRef(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// dateOf is the date of a Beijing day's first instant, as Postgres stores it.
func dateOf(start time.Time) pgtype.Date {
	y, m, d := start.Date()
	return pgtype.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Valid: true}
}

func dayOf(d pgtype.Date) string {
	if !d.Valid {
		return ""
	}
	return d.Time.Format(time.DateOnly)
}

// QueueJob schedules an operator's job (a bill day's rerun) with its audit.
func (s *Store) QueueJob(ctx context.Context, j domain.Job, a domain.Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		if err := s.jobs.ScheduleTx(ctx, tx, []domain.Job{j}); err != nil {
			return fmt.Errorf("queue %s job: %w", j.Kind, err)
		}
		return insertAudit(ctx, q, a)
	})
}
