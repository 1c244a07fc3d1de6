package postgres

import (
	"bytes"
	"context"
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

func (s *Store) CreateOrder(ctx context.Context, spec domain.NewOrderSpec, build func([]domain.OrderLine) (*domain.Order, error)) (order *domain.Order, created bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		if spec.IdempotencyKey != "" {
			// Claim the key before anything else, stock included: requests
			// with the same key wait here, and all but the first find its
			// order, even when it took the last unit in stock.
			if err := q.ClaimIdempotencyKey(ctx, spec.UserID.String()+"/"+spec.IdempotencyKey); err != nil {
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
		if err := insertOrder(ctx, q, o, spec); err != nil {
			return err
		}
		if err := s.saveEffects(ctx, tx, q, o); err != nil {
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
	lines := make([]dbsqlc.InsertOrderLinesParams, len(snap.Lines))
	for i, l := range snap.Lines {
		lines[i] = dbsqlc.InsertOrderLinesParams{
			OrderID: snap.ID, LineNo: int32(i + 1), ProductID: l.ProductID, Name: l.Name,
			UnitPriceFen: l.UnitPriceFen, Quantity: int32(l.Quantity), Kind: string(l.Kind),
		}
	}
	if _, err := q.InsertOrderLines(ctx, lines); err != nil {
		return fmt.Errorf("insert order lines: %w", err)
	}
	return nil
}

func (s *Store) FindOrder(ctx context.Context, userID, orderID uuid.UUID) (*domain.Order, error) {
	return s.readOrder(ctx, func(q *dbsqlc.Queries) (dbsqlc.Order, error) {
		return q.GetUserOrder(ctx, dbsqlc.GetUserOrderParams{ID: orderID, UserID: userID})
	})
}

func (s *Store) loadOrder(ctx context.Context, q *dbsqlc.Queries, orderID, userID uuid.UUID) (*domain.Order, error) {
	row, err := q.GetUserOrder(ctx, dbsqlc.GetUserOrderParams{ID: orderID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load order: %w", err)
	}
	return withRefunds(ctx, q, row, true)
}

// readOrder reads an order with its lines and refunds as one consistent
// picture. The row and its refunds are separate statements, and a refund
// committing between them would show a SUCCESS refund on an order whose
// refunded_fen does not count it yet: an order that was ever paid (the
// only kind with refunds) is read again in one read-only snapshot.
func (s *Store) readOrder(ctx context.Context, get func(*dbsqlc.Queries) (dbsqlc.Order, error)) (*domain.Order, error) {
	row, err := get(s.q)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load order: %w", err)
	}
	if !everPaid(row) {
		return withRefunds(ctx, s.q, row, true) // lines never change; no refunds
	}
	var o *domain.Order
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		row, err := get(q)
		if err != nil {
			return fmt.Errorf("load order: %w", err)
		}
		o, err = withRefunds(ctx, q, row, true)
		return err
	})
	return o, err
}

func (s *Store) ListOrders(ctx context.Context, userID uuid.UUID, after *domain.OrderCursor, limit int) ([]*domain.Order, error) {
	p := dbsqlc.ListUserOrdersParams{UserID: userID, MaxRows: int32(limit)}
	if after != nil {
		p.AfterCreatedAt, p.AfterID = &after.CreatedAt, after.ID
	}
	rows, err := s.q.ListUserOrders(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return withLines(ctx, s.q, rows)
}

func (s *Store) GetOrder(ctx context.Context, orderID uuid.UUID) (*domain.Order, error) {
	return s.readOrder(ctx, func(q *dbsqlc.Queries) (dbsqlc.Order, error) { return q.GetOrder(ctx, orderID) })
}

func (s *Store) OrderByOutTradeNo(ctx context.Context, outTradeNo string) (*domain.Order, error) {
	return s.readOrder(ctx, func(q *dbsqlc.Queries) (dbsqlc.Order, error) { return q.GetOrderByOutTradeNo(ctx, outTradeNo) })
}

func (s *Store) DueOrders(ctx context.Context, now time.Time, limit int) ([]uuid.UUID, error) {
	ids, err := s.q.ListDueOrders(ctx, dbsqlc.ListDueOrdersParams{Now: &now, MaxRows: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("list due orders: %w", err)
	}
	return ids, nil
}

func (s *Store) UpdateOrder(ctx context.Context, orderID uuid.UUID, change func(*domain.Order) error) (*domain.Order, error) {
	var order *domain.Order
	err := s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		row, err := q.LockOrder(ctx, orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		o, err := withRefunds(ctx, q, row, true)
		if err != nil {
			return err
		}
		order = o
		before := order.Status()
		if err := change(order); err != nil {
			return err
		}
		if err := saveOrder(ctx, q, order, before); err != nil {
			return err
		}
		return s.saveEffects(ctx, tx, q, order)
	})
	return order, err
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
