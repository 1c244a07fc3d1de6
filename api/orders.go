package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/domain"
)

func (s *Server) ListProducts(ctx context.Context, _ ListProductsRequestObject) (ListProductsResponseObject, error) {
	products, err := s.catalog.ListProducts(ctx)
	if err != nil {
		return nil, err
	}
	out := ListProducts200JSONResponse{Items: make([]Product, len(products))}
	for i, p := range products {
		out.Items[i] = Product{Id: p.ID, Name: p.Name, Description: p.Description, PriceFen: p.PriceFen, Stock: p.Stock,
			Kind: ProductKind(p.Kind)}
	}
	return out, nil
}

func (s *Server) PlaceOrder(ctx context.Context, req PlaceOrderRequestObject) (PlaceOrderResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	lines := make([]domain.LineRequest, len(req.Body.Items))
	for i, it := range req.Body.Items {
		lines[i] = domain.LineRequest{ProductID: it.ProductId, Quantity: it.Quantity}
	}
	var key string
	if req.Params.IdempotencyKey != nil {
		key = *req.Params.IdempotencyKey
	}
	c, err := s.placeOrder.Execute(ctx, session, lines, addressIn(req.Body.Address), key)
	if err != nil {
		return nil, err
	}
	return PlaceOrder201JSONResponse(checkoutOut(c)), nil
}

func (s *Server) PayOrder(ctx context.Context, req PayOrderRequestObject) (PayOrderResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.payOrder.Execute(ctx, session, req.OrderId)
	if err != nil {
		return nil, err
	}
	return PayOrder200JSONResponse(checkoutOut(c)), nil
}

func (s *Server) GetOrder(ctx context.Context, req GetOrderRequestObject) (GetOrderResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.orders.FindOrder(ctx, session.User().ID(), req.OrderId)
	if err != nil {
		return nil, err
	}
	return GetOrder200JSONResponse(withRefunds(orderOut(o), o)), nil
}

func (s *Server) CancelOrder(ctx context.Context, req CancelOrderRequestObject) (CancelOrderResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.cancelOrder.Execute(ctx, session, req.OrderId)
	if err != nil {
		return nil, err
	}
	return CancelOrder200JSONResponse(orderOut(o)), nil
}

func (s *Server) RefreshOrder(ctx context.Context, req RefreshOrderRequestObject) (RefreshOrderResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.refresh.Execute(ctx, session, req.OrderId)
	if err != nil {
		return nil, err
	}
	return RefreshOrder200JSONResponse(orderOut(o)), nil
}

func (s *Server) ConfirmReceipt(ctx context.Context, req ConfirmReceiptRequestObject) (ConfirmReceiptResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.receipt.Execute(ctx, session, req.OrderId)
	if err != nil {
		return nil, err
	}
	return ConfirmReceipt200JSONResponse(withRefunds(orderOut(o), o)), nil
}

const defaultPageSize = 20

func (s *Server) ListOrders(ctx context.Context, req ListOrdersRequestObject) (ListOrdersResponseObject, error) {
	session, err := sessionFrom(ctx)
	if err != nil {
		return nil, err
	}
	limit, after, bad := pageArgs(req.Params.Limit, req.Params.Cursor)
	if bad != nil {
		return ListOrders400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse(*bad)}, nil
	}
	orders, err := s.orders.ListOrders(ctx, session.User().ID(), after, limit+1)
	if err != nil {
		return nil, err
	}
	orders, next := trimPage(orders, limit)
	page := OrderPage{Items: []Order{}, NextCursor: next}
	for _, o := range orders {
		page.Items = append(page.Items, orderOut(o))
	}
	return ListOrders200JSONResponse(page), nil
}

// Cursors are opaque to clients: base64url of "<unix nanos>.<order id>".
// pageArgs reads a keyset page's limit (default defaultPageSize) and
// cursor; a cursor this server did not give out is a 400 problem.
func pageArgs(limit *int, cursor *string) (int, *domain.OrderCursor, *Problem) {
	n := defaultPageSize
	if limit != nil {
		n = *limit
	}
	if cursor == nil {
		return n, nil, nil
	}
	c, err := decodeCursor(*cursor)
	if err != nil {
		p := newProblem(400, ProblemCodeInvalidRequest, "The cursor is not one this server gave out.")
		return 0, nil, &p
	}
	return n, &c, nil
}

// trimPage keeps the first limit of the limit+1 rows asked for (the extra
// row tells, without a count, that there is a next page) and gives the
// next page's cursor, nil on the last page. Orders and refunds both page
// by (created_at, id).
func trimPage[T interface {
	CreatedAt() time.Time
	ID() uuid.UUID
}](rows []T, limit int) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	last := rows[limit-1]
	next := encodeCursor(domain.OrderCursor{CreatedAt: last.CreatedAt(), ID: last.ID()})
	return rows, &next
}

func encodeCursor(c domain.OrderCursor) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%s", c.CreatedAt.UnixNano(), c.ID))
}

func decodeCursor(s string) (domain.OrderCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return domain.OrderCursor{}, err
	}
	nanos, id, ok := strings.Cut(string(raw), ".")
	if !ok {
		return domain.OrderCursor{}, fmt.Errorf("cursor without separator")
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return domain.OrderCursor{}, err
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return domain.OrderCursor{}, err
	}
	return domain.OrderCursor{CreatedAt: time.Unix(0, n).UTC(), ID: u}, nil
}

func checkoutOut(c domain.Checkout) Checkout {
	out := Checkout{Order: orderOut(c.Order)}
	if p := c.Payment; p != nil {
		out.Payment = &PaymentParams{
			TimeStamp: p.TimeStamp, NonceStr: p.NonceStr, Package: p.Package,
			SignType: PaymentParamsSignType(p.SignType), PaySign: p.PaySign,
		}
	}
	return out
}

func orderOut(o *domain.Order) Order {
	out := Order{
		Id: o.ID(), OutTradeNo: o.OutTradeNo(), Status: OrderStatus(o.Status()),
		TotalFen: o.TotalFen(), RefundedFen: o.RefundedFen(), Currency: OrderCurrencyCNY, Description: o.Description(),
		CreatedAt: o.CreatedAt(), ExpiresAt: o.ExpiresAt(), Items: make([]OrderItem, len(o.Lines())),
	}
	for i, l := range o.Lines() {
		out.Items[i] = OrderItem{ProductId: l.ProductID, Name: l.Name, UnitPriceFen: l.UnitPriceFen, Quantity: l.Quantity, SubtotalFen: l.SubtotalFen()}
	}
	if paid := o.PaidAt(); !paid.IsZero() {
		out.PaidAt = &paid
	}
	kind := ProductKind(o.Kind())
	out.Kind = &kind
	out.TransactionId = nonEmpty(o.TransactionID())
	if a := o.Address(); a != nil {
		out.Address = &ShippingAddress{Name: a.Name, Phone: a.Phone, Province: a.Province, City: a.City, Detail: a.Detail,
			District: nonEmpty(a.District), PostalCode: nonEmpty(a.PostalCode)}
	}
	if sh := o.Shipment(); sh != nil {
		out.Shipment = shipmentOut(sh)
	}
	if t := o.ReceivedAt(); !t.IsZero() {
		out.ReceivedAt = &t
	}
	if t := o.CompletedAt(); !t.IsZero() {
		out.CompletedAt = &t
	}
	return out
}

func shipmentOut(sh *domain.Shipment) *Shipment {
	out := &Shipment{Method: ShipMethod(sh.Method), Parcels: make([]Parcel, len(sh.Parcels)), ShippedAt: sh.ShippedAt, Reships: sh.Reships,
		Refused: nonEmpty(sh.Refused)}
	for i, p := range sh.Parcels {
		out.Parcels[i] = Parcel{Company: p.Company, TrackingNo: p.TrackingNo}
	}
	if t := sh.UploadedAt; !t.IsZero() {
		out.UploadedAt = &t
	}
	return out
}

func addressIn(a *ShippingAddress) *domain.ShippingAddress {
	if a == nil {
		return nil
	}
	return &domain.ShippingAddress{Name: a.Name, Phone: a.Phone, Province: a.Province, City: a.City, Detail: a.Detail,
		District: deref(a.District), PostalCode: deref(a.PostalCode)}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		zero = *p
	}
	return zero
}

// withRefunds adds the order's refunds (one order's view; lists leave
// them out and show refunded_fen).
func withRefunds(out Order, o *domain.Order) Order {
	refunds := make([]Refund, len(o.Refunds()))
	for i, r := range o.Refunds() {
		refunds[i] = refundOut(r)
	}
	out.Refunds = &refunds
	return out
}

func refundOut(r *domain.Refund) Refund {
	out := Refund{Id: r.ID(), OutRefundNo: r.OutRefundNo(), AmountFen: r.AmountFen(), Reason: r.Reason(),
		Status: RefundStatus(r.Status()), CreatedAt: r.CreatedAt()}
	if t := r.SucceededAt(); !t.IsZero() {
		out.SucceededAt = &t
	}
	return out
}
