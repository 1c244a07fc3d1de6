package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/domain"
)

// The operator API (/admin/v1, security operatorKey): the validator has
// already accepted the operator key; handlers read its id for the audit.

func (s *Server) AdminListOrders(ctx context.Context, req AdminListOrdersRequestObject) (AdminListOrdersResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	p := req.Params
	f := domain.OrderFilter{}
	if p.Status != nil {
		f.Status = domain.OrderStatus(*p.Status)
	}
	if p.CreatedFrom != nil {
		f.CreatedFrom = p.CreatedFrom.UTC()
	}
	if p.CreatedTo != nil {
		f.CreatedBefore = p.CreatedTo.UTC()
	}
	if p.OutTradeNo != nil {
		f.OutTradeNo = *p.OutTradeNo
	}
	if p.Openid != nil {
		f.PayerOpenID = *p.Openid
	}
	limit, after, bad := pageArgs(p.Limit, p.Cursor)
	if bad != nil {
		return AdminListOrders400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse(*bad)}, nil
	}
	orders, err := s.backoffice.AdminListOrders(ctx, f, after, limit+1)
	if err != nil {
		return nil, err
	}
	orders, next := trimPage(orders, limit)
	page := AdminOrderPage{Items: []AdminOrder{}, NextCursor: next}
	for _, o := range orders {
		page.Items = append(page.Items, adminOrderOut(orderOut(o), o))
	}
	return AdminListOrders200JSONResponse(page), nil
}

func adminOrderOut(b Order, o *domain.Order) AdminOrder {
	out := AdminOrder{
		Id: b.Id, OutTradeNo: b.OutTradeNo, Status: b.Status, Items: b.Items, TotalFen: b.TotalFen, RefundedFen: b.RefundedFen,
		Currency: AdminOrderCurrency(b.Currency), Description: b.Description, CreatedAt: b.CreatedAt, ExpiresAt: b.ExpiresAt,
		PaidAt: b.PaidAt, Refunds: b.Refunds, PayerOpenid: o.PayerOpenID(),
		Kind: b.Kind, Address: b.Address, Shipment: b.Shipment, ReceivedAt: b.ReceivedAt, CompletedAt: b.CompletedAt,
		TransactionId: b.TransactionId,
	}
	return out
}

func (s *Server) AdminGetOrder(ctx context.Context, req AdminGetOrderRequestObject) (AdminGetOrderResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	o, ledger, items, err := s.backoffice.AdminOrder(ctx, req.OrderId)
	if err != nil {
		return nil, err
	}
	requests, err := s.operate.OrderRefundApplications(ctx, req.OrderId)
	if err != nil {
		return nil, err
	}
	out := AdminOrderDetail{Order: adminOrderOut(withRefunds(orderOut(o), o), o), Refunds: []AdminRefund{}, Ledger: []LedgerEntry{},
		Attention: []AttentionItem{}, RefundRequests: applicationsOut(requests).Items}
	for _, r := range o.Refunds() {
		out.Refunds = append(out.Refunds, adminRefundOut(r, o.OutTradeNo()))
	}
	for _, l := range ledger {
		e := LedgerEntry{Id: l.ID, EventId: l.EventID, Source: LedgerEntrySource(l.Source), EventType: l.EventType,
			Verdict: LedgerEntryVerdict(l.Verdict), Reason: l.Reason, ReceivedAt: l.ReceivedAt}
		if l.OutRefundNo != "" {
			no := l.OutRefundNo
			e.OutRefundNo = &no
		}
		if l.AmountFen != 0 {
			a := l.AmountFen
			e.AmountFen = &a
		}
		out.Ledger = append(out.Ledger, e)
	}
	for _, it := range items {
		out.Attention = append(out.Attention, attentionOut(it))
	}
	return AdminGetOrder200JSONResponse(out), nil
}

func attentionOut(it domain.AttentionRecord) AttentionItem {
	out := AttentionItem{Id: it.ID, Kind: AttentionItemKind(it.Kind), OutTradeNo: it.OutTradeNo,
		Detail: it.Detail, CreatedAt: it.CreatedAt}
	if it.OrderID != uuid.Nil {
		id := it.OrderID
		out.OrderId = &id
	}
	if it.OutRefundNo != "" {
		no := it.OutRefundNo
		out.OutRefundNo = &no
	}
	if w := it.Why; w.Reason != "" {
		reason := AttentionItemReason(w.Reason)
		out.Reason = &reason
		out.Facts = &AttentionFacts{AmountFen: nonZero(w.AmountFen), OutRefundNo: nonZero(w.OutRefundNo),
			TransactionId: nonZero(w.TransactionID), Count: nonZero(w.Count), Cause: nonZero(w.Cause)}
	}
	if !it.ResolvedAt.IsZero() {
		t, by, note := it.ResolvedAt, it.ResolvedBy, it.Note
		out.ResolvedAt, out.ResolvedBy, out.Note = &t, &by, &note
	}
	return out
}

func (s *Server) AdminRefundOrder(ctx context.Context, req AdminRefundOrderRequestObject) (AdminRefundOrderResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var key string
	if req.Params.IdempotencyKey != nil {
		key = *req.Params.IdempotencyKey
	}
	r, created, err := s.operate.Refund(ctx, op, req.OrderId, req.Body.AmountFen, req.Body.Reason, key)
	if err != nil {
		return nil, err
	}
	if !created {
		return AdminRefundOrder200JSONResponse(refundOut(r)), nil
	}
	return AdminRefundOrder201JSONResponse(refundOut(r)), nil
}

func (s *Server) AdminListAttention(ctx context.Context, req AdminListAttentionRequestObject) (AdminListAttentionResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	limit := 100
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	items, err := s.backoffice.OpenAttention(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := AttentionList{Items: []AttentionItem{}}
	for _, it := range items {
		out.Items = append(out.Items, attentionOut(it))
	}
	return AdminListAttention200JSONResponse(out), nil
}

func (s *Server) AdminResolveAttention(ctx context.Context, req AdminResolveAttentionRequestObject) (AdminResolveAttentionResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	it, err := s.operate.Resolve(ctx, op, req.ItemId, req.Body.Note)
	if err != nil {
		return nil, err
	}
	return AdminResolveAttention200JSONResponse(attentionOut(it)), nil
}

func (s *Server) AdminListProducts(ctx context.Context, _ AdminListProductsRequestObject) (AdminListProductsResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	ps, err := s.backoffice.ListCatalog(ctx)
	if err != nil {
		return nil, err
	}
	out := AdminProductList{Items: make([]AdminProduct, len(ps))}
	for i, p := range ps {
		out.Items[i] = productOut(p)
	}
	return AdminListProducts200JSONResponse(out), nil
}

func productOut(p domain.CatalogProduct) AdminProduct {
	return AdminProduct{Id: p.ID, Sku: p.SKU, Name: p.Name, Description: p.Description, PriceFen: p.PriceFen,
		Stock: p.Stock, Active: p.Active, Kind: ProductKind(p.Kind), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (s *Server) AdminCreateProduct(ctx context.Context, req AdminCreateProductRequestObject) (AdminCreateProductResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	p := domain.CatalogProduct{SKU: b.Sku, Active: b.Active == nil || *b.Active,
		Product: domain.Product{Name: b.Name, PriceFen: b.PriceFen, Stock: b.Stock, Kind: domain.KindPickup}}
	if b.Kind != nil {
		p.Kind = domain.ProductKind(*b.Kind)
	}
	if b.Description != nil {
		p.Description = *b.Description
	}
	created, err := s.operate.CreateProduct(ctx, op, p)
	if err != nil {
		return nil, err
	}
	return AdminCreateProduct201JSONResponse(productOut(created)), nil
}

func (s *Server) AdminUpdateProduct(ctx context.Context, req AdminUpdateProductRequestObject) (AdminUpdateProductResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	p, err := s.operate.UpdateProduct(ctx, op, req.ProductId, domain.ProductChange{
		Name: b.Name, Description: b.Description, PriceFen: b.PriceFen, Stock: b.Stock, Active: b.Active, Kind: (*domain.ProductKind)(b.Kind),
	})
	if err != nil {
		return nil, err
	}
	return AdminUpdateProduct200JSONResponse(productOut(p)), nil
}

// nonZero is v, or nil (left out of the JSON) when it is its type's zero.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func (s *Server) AdminShipOrder(ctx context.Context, req AdminShipOrderRequestObject) (AdminShipOrderResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var parcels []domain.Parcel
	if req.Body.Parcels != nil {
		for _, p := range *req.Body.Parcels {
			parcels = append(parcels, domain.Parcel{Company: p.Company, TrackingNo: p.TrackingNo})
		}
	}
	o, err := s.operate.Ship(ctx, op, req.OrderId, domain.ShipMethod(req.Body.Method), parcels)
	if err != nil {
		return nil, err
	}
	return AdminShipOrder200JSONResponse(withRefunds(orderOut(o), o)), nil
}

func (s *Server) AdminGetPlatform(ctx context.Context, _ AdminGetPlatformRequestObject) (AdminGetPlatformResponseObject, error) {
	if _, err := operatorFrom(ctx); err != nil {
		return nil, err
	}
	st, err := s.operate.PlatformStatus(ctx)
	if err != nil {
		return nil, err
	}
	return AdminGetPlatform200JSONResponse(PlatformStatus{Token: tokenOut(st.Token), TradeManaged: st.TradeManaged}), nil
}

func (s *Server) AdminForceToken(ctx context.Context, _ AdminForceTokenRequestObject) (AdminForceTokenResponseObject, error) {
	op, err := operatorFrom(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.operate.ForceToken(ctx, op)
	if err != nil {
		return nil, err
	}
	return AdminForceToken200JSONResponse(tokenOut(t)), nil
}

func tokenOut(t domain.PlatformToken) TokenStatus {
	out := TokenStatus{ForcesToday: t.Forces}
	for _, f := range []struct {
		at  time.Time
		dst **time.Time
	}{{t.ExpiresAt, &out.ExpiresAt}, {t.FetchedAt, &out.FetchedAt}, {t.ForcedAt, &out.ForcedAt}} {
		if !f.at.IsZero() {
			at := f.at
			*f.dst = &at
		}
	}
	return out
}
