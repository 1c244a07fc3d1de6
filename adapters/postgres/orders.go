package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

var (
	_ domain.Orders  = (*Store)(nil)
	_ domain.Catalog = (*Store)(nil)
)

func (s *Store) ListProducts(ctx context.Context) ([]domain.Product, error) {
	rows, err := s.q.ListActiveProducts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	out := make([]domain.Product, len(rows))
	for i, r := range rows {
		out[i] = domain.Product{ID: r.ID, Name: r.Name, Description: r.Description, PriceFen: r.PriceFen, Stock: int(r.Stock),
			Kind: domain.ProductKind(r.Kind)}
	}
	return out, nil
}

// CreateOrder is one pipelined transaction: BEGIN goes with the first
// statement (the idempotency key's lock and lookup, or the first line's
// reservation), the order, its lines and River's job insert go together,
// and COMMIT alone: three round trips for a one-line order.
func (s *Store) CreateOrder(ctx context.Context, spec domain.NewOrderSpec, build func([]domain.OrderLine) (*domain.Order, error)) (order *domain.Order, created bool, err error) {
	err = s.inPipe(ctx, func(tx *pipeTx, q, w *dbsqlc.Queries) error {
		if spec.IdempotencyKey != "" {
			// Claim the key before anything else, stock included: requests
			// with the same key wait here, and all but the first find its
			// order, even when it took the last unit in stock. (The claim is
			// queued: it runs just before the lookup, in its round trip.)
			if err := w.ClaimIdempotencyKey(ctx, spec.UserID.String()+"/"+spec.IdempotencyKey); err != nil {
				return fmt.Errorf("claim idempotency key: %w", err)
			}
			prior, err := q.FindIdempotentOrder(ctx, dbsqlc.FindIdempotentOrderParams{UserID: spec.UserID, IdempotencyKey: &spec.IdempotencyKey})
			if err == nil {
				if !bytes.Equal(prior.RequestHash, spec.RequestHash) {
					return domain.ErrIdempotencyConflict
				}
				order, err = s.loadOrder(ctx, q, prior.ID, spec.UserID)
				return err
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("find idempotent order: %w", err)
			}
		}
		// Lines arrive sorted by product id, so concurrent orders lock
		// product rows in one order and cannot deadlock.
		priced := make([]domain.OrderLine, 0, len(spec.Lines))
		for _, l := range spec.Lines {
			row, err := q.ReserveStock(ctx, dbsqlc.ReserveStockParams{ID: l.ProductID, Quantity: int32(l.Quantity)})
			if errors.Is(err, pgx.ErrNoRows) {
				return s.whyNotReserved(ctx, q, l.ProductID)
			}
			if err != nil {
				return fmt.Errorf("reserve stock: %w", err)
			}
			priced = append(priced, domain.OrderLine{ProductID: row.ID, Name: row.Name, UnitPriceFen: row.PriceFen, Quantity: l.Quantity,
				Kind: domain.ProductKind(row.Kind)})
		}
		o, err := build(priced)
		if err != nil {
			return err
		}
		if err := insertOrder(ctx, w, o, spec); err != nil {
			return err
		}
		if err := s.saveEffects(ctx, tx, w, o); err != nil {
			return err
		}
		order, created = o, true
		return nil
	})
	return order, created, err
}

func (s *Store) whyNotReserved(ctx context.Context, q *dbsqlc.Queries, id uuid.UUID) error {
	active, err := q.ProductIsActive(ctx, id)
	if err != nil {
		return fmt.Errorf("check product: %w", err)
	}
	if !active {
		return fmt.Errorf("product %s: %w", id, domain.ErrProductUnavailable)
	}
	return fmt.Errorf("product %s: %w", id, domain.ErrOutOfStock)
}

func insertOrder(ctx context.Context, q *dbsqlc.Queries, o *domain.Order, spec domain.NewOrderSpec) error {
	snap := o.Snapshot()
	err := q.InsertOrder(ctx, dbsqlc.InsertOrderParams{
		ID: snap.ID, UserID: snap.UserID, PayerOpenid: snap.PayerOpenID, OutTradeNo: snap.OutTradeNo, Status: string(snap.Status),
		Description: snap.Description, TotalFen: snap.TotalFen,
		IdempotencyKey: optional(spec.IdempotencyKey), RequestHash: spec.RequestHash,
		CreatedAt: snap.CreatedAt, ExpiresAt: snap.ExpiresAt, NextCheckAt: optionalTime(snap.NextCheckAt),
		Kind: string(snap.Kind), Address: addressJSON(snap.Address),
	})
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	lines := dbsqlc.InsertOrderLineArraysParams{OrderID: snap.ID}
	for i, l := range snap.Lines {
		lines.LineNos = append(lines.LineNos, int32(i+1))
		lines.ProductIds = append(lines.ProductIds, l.ProductID)
		lines.Names = append(lines.Names, l.Name)
		lines.UnitPrices = append(lines.UnitPrices, l.UnitPriceFen)
		lines.Quantities = append(lines.Quantities, int32(l.Quantity))
		lines.Kinds = append(lines.Kinds, string(l.Kind))
	}
	if err := q.InsertOrderLineArrays(ctx, lines); err != nil {
		return fmt.Errorf("insert order lines: %w", err)
	}
	return nil
}

func (s *Store) FindOrder(ctx context.Context, userID, orderID uuid.UUID) (*domain.Order, error) {
	return readOrder(ctx, s.q, dbsqlc.ReadOrderParams{ID: orderID, UserID: &userID})
}

func (s *Store) loadOrder(ctx context.Context, q *dbsqlc.Queries, orderID, userID uuid.UUID) (*domain.Order, error) {
	return readOrder(ctx, q, dbsqlc.ReadOrderParams{ID: orderID, UserID: &userID})
}

// readOrder reads an order with its lines and refunds in one statement,
// so as one consistent picture: a refund committing meanwhile is seen
// with the order's refunded_fen that counts it, or not at all.
func readOrder(ctx context.Context, q *dbsqlc.Queries, p dbsqlc.ReadOrderParams) (*domain.Order, error) {
	return orderRead(q.ReadOrder(ctx, p))
}

// orderRead restores what ReadOrder (or ReadOrderByOutTradeNo, the same
// columns) read; ErrNotFound for no row.
func orderRead(row dbsqlc.ReadOrderRow, err error) (*domain.Order, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load order: %w", err)
	}
	return orderFrom(row.Order, lineArrays{row.LineProductIds, row.LineNames, row.LineUnitPrices, row.LineQuantities, row.LineKinds}, row.Refunds)
}

func (s *Store) ListOrders(ctx context.Context, userID uuid.UUID, after *domain.OrderCursor, limit int) ([]*domain.Order, error) {
	p := dbsqlc.ListUserOrdersWithLinesParams{UserID: userID, MaxRows: int32(limit)}
	if after != nil {
		p.AfterCreatedAt, p.AfterID = &after.CreatedAt, after.ID
	}
	rows, err := s.q.ListUserOrdersWithLines(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]*domain.Order, len(rows))
	for i, r := range rows {
		// The list shows no refunds (the buyer opens an order for them).
		out[i] = restoreOrder(r.Order, lineArrays{r.LineProductIds, r.LineNames, r.LineUnitPrices, r.LineQuantities, r.LineKinds}.lines(), nil)
	}
	return out, nil
}

func (s *Store) GetOrder(ctx context.Context, orderID uuid.UUID) (*domain.Order, error) {
	return readOrder(ctx, s.q, dbsqlc.ReadOrderParams{ID: orderID})
}

func (s *Store) OrderByOutTradeNo(ctx context.Context, outTradeNo string) (*domain.Order, error) {
	row, err := s.q.ReadOrderByOutTradeNo(ctx, outTradeNo)
	return orderRead(dbsqlc.ReadOrderRow(row), err)
}

func (s *Store) DueOrders(ctx context.Context, now time.Time, limit int) ([]uuid.UUID, error) {
	ids, err := s.q.ListDueOrders(ctx, dbsqlc.ListDueOrdersParams{Now: &now, MaxRows: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("list due orders: %w", err)
	}
	return ids, nil
}

// UpdateOrder is one pipelined transaction: BEGIN and the locking read
// of the order with its lines and refunds in one round trip, River's job
// insert (when the change made jobs) carrying the order's writes, and
// COMMIT carrying whatever is still queued.
func (s *Store) UpdateOrder(ctx context.Context, orderID uuid.UUID, change func(*domain.Order) error) (*domain.Order, error) {
	var order *domain.Order
	err := s.inPipe(ctx, func(tx *pipeTx, q, w *dbsqlc.Queries) error {
		o, err := lockOrder(ctx, tx, &orderID, "")
		if err != nil {
			return err
		}
		order = o
		before := order.Status()
		if err := change(order); err != nil {
			return err
		}
		if err := saveOrder(ctx, w, order, before); err != nil {
			return err
		}
		return s.saveEffects(ctx, tx, w, order)
	})
	return order, err
}

// lockOrder reads an order (by id, with its lines; or by out_trade_no,
// without) under its row lock, and its refunds: two statements, in one
// round trip with BEGIN and what is queued. ErrNotFound.
func lockOrder(ctx context.Context, tx *pipeTx, id *uuid.UUID, outTradeNo string) (*domain.Order, error) {
	var (
		row     dbsqlc.Order
		lines   lineArrays
		refunds []dbsqlc.Refund
		lockErr error
	)
	lock := func(q *dbsqlc.Queries) error {
		if id == nil {
			row, lockErr = q.LockOrderByOutTradeNo(ctx, outTradeNo)
			return nil
		}
		var r dbsqlc.LockOrderWithLinesRow
		r, lockErr = q.LockOrderWithLines(ctx, *id)
		row, lines = r.Order, lineArrays{r.LineProductIds, r.LineNames, r.LineUnitPrices, r.LineQuantities, r.LineKinds}
		return nil
	}
	read := func(q *dbsqlc.Queries) (err error) {
		if id == nil {
			refunds, err = q.OrderRefundsByOutTradeNo(ctx, outTradeNo)
		} else {
			refunds, err = q.OrderRefunds(ctx, *id)
		}
		return err
	}
	err := tx.reads(ctx, lock, read)
	switch {
	case errors.Is(lockErr, pgx.ErrNoRows):
		return nil, domain.ErrNotFound
	case lockErr != nil && !errors.Is(lockErr, errCaptured):
		return nil, fmt.Errorf("lock order: %w", lockErr)
	case err != nil:
		return nil, fmt.Errorf("load refunds: %w", err)
	}
	var rs []*domain.Refund
	for _, r := range refunds {
		rs = append(rs, restoreRefund(r))
	}
	return restoreOrder(row, lines.lines(), rs), nil
}

// saveOrder writes the order's state, releasing reserved stock when the
// domain says the move gives it back.
func saveOrder(ctx context.Context, q *dbsqlc.Queries, o *domain.Order, before domain.OrderStatus) error {
	snap := o.Snapshot()
	err := q.SaveOrderState(ctx, dbsqlc.SaveOrderStateParams{
		ID: snap.ID, Status: string(snap.Status), CloseTo: optional(string(snap.CloseTo)),
		PrepayID: optional(snap.PrepayID), PrepayIssuedAt: optionalTime(snap.PrepayIssuedAt),
		TransactionID: optional(snap.TransactionID), PaidAt: optionalTime(snap.PaidAt),
		CheckAttempts: int32(snap.CheckAttempts), NextCheckAt: optionalTime(snap.NextCheckAt),
		LastQueryAt: optionalTime(snap.LastQueryAt), RefundedFen: snap.RefundedFen, UpdatedAt: time.Now().UTC(),
		Shipment: shipmentJSON(snap.Shipment), ReceivedAt: optionalTime(snap.ReceivedAt), CompletedAt: optionalTime(snap.CompletedAt),
	})
	if err != nil {
		return fmt.Errorf("save order: %w", err)
	}
	if domain.ReleasesStock(before, snap.Status) {
		if err := q.ReleaseStock(ctx, snap.ID); err != nil {
			return fmt.Errorf("release stock: %w", err)
		}
	}
	return nil
}

// saveEffects schedules the order's jobs and stores its attention items in
// the transaction that saved the order.
func (s *Store) saveEffects(ctx context.Context, tx pgx.Tx, q *dbsqlc.Queries, o *domain.Order) error {
	return s.saveEffectsKeyed(ctx, tx, q, o, nil, "", nil)
}

// saveEffectsKeyed is saveEffects where the refund keyed was just created
// with an Idempotency-Key, which is written with it.
func (s *Store) saveEffectsKeyed(ctx context.Context, tx pgx.Tx, q *dbsqlc.Queries, o *domain.Order, keyed *domain.Refund, key string, hash []byte) error {
	e := o.TakeEffects()
	for _, r := range e.Refunds {
		k, h := "", []byte(nil)
		if r == keyed {
			k, h = key, hash
		}
		if err := saveRefund(ctx, q, r, k, h); err != nil {
			return err
		}
	}
	if len(e.Jobs) > 0 {
		if err := s.jobs.ScheduleTx(ctx, tx, e.Jobs); err != nil {
			return fmt.Errorf("schedule jobs: %w", err)
		}
	}
	for _, a := range e.Attention {
		err := q.FlagAttention(ctx, dbsqlc.FlagAttentionParams{
			Kind: string(a.Kind), OrderID: a.OrderID, OutTradeNo: a.OutTradeNo, OutRefundNo: a.OutRefundNo,
			Reason: string(a.Why.Reason), Facts: factsOf(a.Why), Detail: a.Detail, CreatedAt: a.CreatedAt,
		})
		if err != nil {
			return fmt.Errorf("flag order for a person: %w", err)
		}
	}
	for _, r := range e.Resolved {
		err := q.ResolveAttentionAbout(ctx, dbsqlc.ResolveAttentionAboutParams{
			OrderID: r.OrderID, Kind: string(r.Kind), OutRefundNo: r.OutRefundNo, At: &r.At, ResolvedBy: optional(domain.SystemActor), Note: &r.Note,
		})
		if err != nil {
			return fmt.Errorf("resolve attention: %w", err)
		}
	}
	for _, a := range e.Audits {
		if err := insertAudit(ctx, q, a); err != nil {
			return err
		}
	}
	return nil
}

func withLines(ctx context.Context, q *dbsqlc.Queries, rows []dbsqlc.Order) ([]*domain.Order, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	lineRows, err := q.OrderLines(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load order lines: %w", err)
	}
	lines := map[uuid.UUID][]domain.OrderLine{}
	for _, l := range lineRows {
		lines[l.OrderID] = append(lines[l.OrderID], domain.OrderLine{
			ProductID: l.ProductID, Name: l.Name, UnitPriceFen: l.UnitPriceFen, Quantity: int(l.Quantity), Kind: domain.ProductKind(l.Kind),
		})
	}
	out := make([]*domain.Order, len(rows))
	for i, r := range rows {
		out[i] = restoreOrder(r, lines[r.ID], nil)
	}
	return out, nil
}

func restoreOrder(r dbsqlc.Order, lines []domain.OrderLine, refunds []*domain.Refund) *domain.Order {
	return domain.RestoreOrder(domain.OrderSnapshot{
		ID: r.ID, UserID: r.UserID, PayerOpenID: r.PayerOpenid, OutTradeNo: r.OutTradeNo,
		Status: domain.OrderStatus(r.Status), CloseTo: domain.OrderStatus(deref(r.CloseTo)),
		Lines: lines, TotalFen: r.TotalFen, Description: r.Description,
		PrepayID: deref(r.PrepayID), PrepayIssuedAt: deref(r.PrepayIssuedAt), TransactionID: deref(r.TransactionID),
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, PaidAt: deref(r.PaidAt),
		CheckAttempts: int(r.CheckAttempts), NextCheckAt: deref(r.NextCheckAt), LastQueryAt: deref(r.LastQueryAt),
		RefundedFen: r.RefundedFen, Refunds: refunds,
		Kind: domain.ProductKind(r.Kind), Address: addressOf(r.Address), Shipment: shipmentOf(r.Shipment),
		ReceivedAt: deref(r.ReceivedAt), CompletedAt: deref(r.CompletedAt),
	})
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// LatestPrepaidOrder is the out_trade_no of the newest order WeChat Pay was
// asked to prepay; ErrNotFound when there is none.
func (s *Store) LatestPrepaidOrder(ctx context.Context) (string, error) {
	no, err := s.q.LatestPrepaidOrder(ctx)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", domain.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("latest prepaid order: %w", err)
	}
	return no, nil
}

// lineArrays are an order's lines as one query aggregates them, column by
// column in line order.
type lineArrays struct {
	productIDs []uuid.UUID
	names      []string
	unitPrices []int64
	quantities []int32
	kinds      []string
}

func (a lineArrays) lines() []domain.OrderLine {
	n := len(a.productIDs)
	if len(a.names) != n || len(a.unitPrices) != n || len(a.quantities) != n || len(a.kinds) != n {
		return nil // lines not read (or none)
	}
	out := make([]domain.OrderLine, n)
	for i := range n {
		out[i] = domain.OrderLine{ProductID: a.productIDs[i], Name: a.names[i], UnitPriceFen: a.unitPrices[i],
			Quantity: int(a.quantities[i]), Kind: domain.ProductKind(a.kinds[i])}
	}
	return out
}

// refundJSON is a refunds row as ReadOrder and LockOrderWithRefunds
// aggregate it (jsonb_build_object).
type refundJSON struct {
	ID            uuid.UUID  `json:"id"`
	OrderID       uuid.UUID  `json:"order_id"`
	OutRefundNo   string     `json:"out_refund_no"`
	AmountFen     int64      `json:"amount_fen"`
	Reason        string     `json:"reason"`
	Status        string     `json:"status"`
	RefundID      *string    `json:"refund_id"`
	Failure       string     `json:"failure"`
	RequestedBy   string     `json:"requested_by"`
	CheckAttempts int32      `json:"check_attempts"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	SucceededAt   *time.Time `json:"succeeded_at"`
}

// orderFrom restores an order read with its lines and refunds.
func orderFrom(r dbsqlc.Order, lines lineArrays, refundsJSON json.RawMessage) (*domain.Order, error) {
	var refunds []*domain.Refund
	if len(refundsJSON) > 0 && string(refundsJSON) != "null" {
		var rows []refundJSON
		if err := json.Unmarshal(refundsJSON, &rows); err != nil {
			return nil, fmt.Errorf("load refunds: %w", err)
		}
		refunds = make([]*domain.Refund, len(rows))
		for i, x := range rows {
			refunds[i] = restoreRefund(dbsqlc.Refund{
				ID: x.ID, OrderID: x.OrderID, OutRefundNo: x.OutRefundNo, AmountFen: x.AmountFen, Reason: x.Reason,
				Status: x.Status, RefundID: x.RefundID, Failure: x.Failure, RequestedBy: x.RequestedBy,
				CheckAttempts: x.CheckAttempts, CreatedAt: x.CreatedAt.Local(), UpdatedAt: x.UpdatedAt.Local(),
				SucceededAt: localTime(x.SucceededAt),
			})
		}
	}
	return restoreOrder(r, lines.lines(), refunds), nil
}

// localTime is t as pgx decodes a timestamptz (in time.Local).
func localTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	l := t.Local()
	return &l
}
