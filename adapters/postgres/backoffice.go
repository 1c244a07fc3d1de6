package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

var _ domain.Backoffice = (*Store)(nil)

func (s *Store) AdminListOrders(ctx context.Context, f domain.OrderFilter, after *domain.OrderCursor, limit int) ([]*domain.Order, error) {
	p := dbsqlc.AdminListOrdersParams{
		Status: optional(string(f.Status)), CreatedFrom: optionalTime(f.CreatedFrom), CreatedBefore: optionalTime(f.CreatedBefore),
		OutTradeNo: optional(f.OutTradeNo), PayerOpenid: optional(f.PayerOpenID), MaxRows: int32(limit),
	}
	if after != nil {
		p.AfterCreatedAt, p.AfterID = &after.CreatedAt, after.ID
	}
	rows, err := s.q.AdminListOrders(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return withLines(ctx, s.q, rows)
}

func (s *Store) AdminOrder(ctx context.Context, id uuid.UUID) (*domain.Order, []domain.LedgerRecord, []domain.AttentionRecord, error) {
	o, err := s.GetOrder(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, err := s.q.OrderLedger(ctx, o.OutTradeNo())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("order ledger: %w", err)
	}
	ledger := make([]domain.LedgerRecord, len(rows))
	for i, r := range rows {
		ledger[i] = domain.LedgerRecord{ID: r.ID, AmountFen: deref(r.AmountFen), PaymentRecord: domain.PaymentRecord{
			EventID: r.EventID, Source: r.Source, EventType: r.EventType, ReceivedAt: r.ReceivedAt,
			Verdict: domain.Verdict(r.Verdict), Reason: r.Reason, OutRefundNo: r.OutRefundNo,
			Transaction: domain.Transaction{OutTradeNo: r.OutTradeNo, TransactionID: r.TransactionID},
		}}
	}
	items, err := s.q.OrderAttention(ctx, id)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("order attention: %w", err)
	}
	return o, ledger, attentionRecords(items), nil
}

func attentionRecords(rows []dbsqlc.AttentionItem) []domain.AttentionRecord {
	out := make([]domain.AttentionRecord, len(rows))
	for i, r := range rows {
		out[i] = attentionRecord(r)
	}
	return out
}

func attentionRecord(r dbsqlc.AttentionItem) domain.AttentionRecord {
	return domain.AttentionRecord{
		Attention: domain.Attention{ID: r.ID, Kind: domain.AttentionKind(r.Kind), OrderID: deref(r.OrderID),
			OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo, Why: whyOf(r.Reason, r.Facts), Detail: r.Detail, CreatedAt: r.CreatedAt},
		ResolvedAt: deref(r.ResolvedAt), ResolvedBy: deref(r.ResolvedBy), Note: deref(r.Note),
	}
}

func (s *Store) OpenAttention(ctx context.Context, limit int) ([]domain.AttentionRecord, error) {
	rows, err := s.q.OpenAttentionItems(ctx, int32(limit))
	if err != nil {
		return nil, fmt.Errorf("list attention items: %w", err)
	}
	return attentionRecords(rows), nil
}

func (s *Store) ResolveAttention(ctx context.Context, id int64, note string, a domain.Audit) (domain.AttentionRecord, error) {
	var out domain.AttentionRecord
	err := s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		row, err := q.ResolveAttention(ctx, dbsqlc.ResolveAttentionParams{ID: id, At: a.At, ResolvedBy: domain.OperatorActor(a.KeyID), Note: note})
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("resolve attention item: %w", err)
		}
		out = attentionRecord(row)
		return insertAudit(ctx, q, a)
	})
	return out, err
}

func (s *Store) ListCatalog(ctx context.Context) ([]domain.CatalogProduct, error) {
	rows, err := s.q.ListCatalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("list catalog: %w", err)
	}
	out := make([]domain.CatalogProduct, len(rows))
	for i, r := range rows {
		out[i] = catalogProduct(r)
	}
	return out, nil
}

func catalogProduct(r dbsqlc.Product) domain.CatalogProduct {
	return domain.CatalogProduct{
		Product: domain.Product{ID: r.ID, Name: r.Name, Description: r.Description, PriceFen: r.PriceFen, Stock: int(r.Stock),
			Kind: domain.ProductKind(r.Kind)},
		SKU: r.Sku, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func (s *Store) CreateProduct(ctx context.Context, p domain.CatalogProduct, a domain.Audit) (domain.CatalogProduct, error) {
	var out domain.CatalogProduct
	err := s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		row, err := q.CreateProduct(ctx, dbsqlc.CreateProductParams{
			ID: p.ID, Sku: p.SKU, Name: p.Name, Description: p.Description, PriceFen: p.PriceFen,
			Stock: int32(p.Stock), Active: p.Active, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Kind: string(p.Kind),
		})
		if isUniqueViolation(err, "products_sku_key") {
			return domain.ErrSKUTaken
		}
		if err != nil {
			return fmt.Errorf("create product: %w", err)
		}
		out = catalogProduct(row)
		return insertAudit(ctx, q, a)
	})
	return out, err
}

func (s *Store) UpdateProduct(ctx context.Context, id uuid.UUID, change func(*domain.CatalogProduct) error, a domain.Audit) (domain.CatalogProduct, error) {
	var out domain.CatalogProduct
	err := s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		row, err := q.LockProduct(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock product: %w", err)
		}
		p := catalogProduct(row)
		if err := change(&p); err != nil {
			return err
		}
		row, err = q.SaveProduct(ctx, dbsqlc.SaveProductParams{
			ID: id, Name: p.Name, Description: p.Description, PriceFen: p.PriceFen, Stock: int32(p.Stock),
			Active: p.Active, UpdatedAt: p.UpdatedAt, Kind: string(p.Kind),
		})
		if err != nil {
			return fmt.Errorf("save product: %w", err)
		}
		out = catalogProduct(row)
		return insertAudit(ctx, q, a)
	})
	return out, err
}

func insertAudit(ctx context.Context, q *dbsqlc.Queries, a domain.Audit) error {
	detail, err := json.Marshal(a.Detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	if a.Detail == nil {
		detail = []byte("{}")
	}
	if err := q.InsertAudit(ctx, dbsqlc.InsertAuditParams{KeyID: a.KeyID, Action: a.Action, Target: a.Target, Detail: detail, At: a.At}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// OpenOrderCounts counts open orders by status (for metrics).
func (s *Store) OpenOrderCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.q.OpenOrderCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("count open orders: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = int(r.N)
	}
	return out, nil
}

// OpenAttentionCounts counts open attention items by kind (for metrics).
func (s *Store) OpenAttentionCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.q.OpenAttentionCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("count attention items: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Kind] = int(r.N)
	}
	return out, nil
}
