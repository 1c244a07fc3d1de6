package wechat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// WeChat's order shipping management (§14), through the server API client.

var _ domain.WeChatShipping = (*Shipping)(nil)

// Shipping uploads shipments and reads their state at WeChat.
type Shipping struct {
	platform *Platform
	mchID    string
}

func NewShipping(p *Platform, mchID string) *Shipping { return &Shipping{platform: p, mchID: mchID} }

// errcodes of the shipping management.
const errShippingNotSynced = 10060001 // 支付单不存在: not synced yet

var logisticsTypes = map[domain.ShipMethod]int{domain.ShipExpress: 1, domain.ShipSameCity: 2, domain.ShipVirtual: 3, domain.ShipPickup: 4}

type shippingItem struct {
	TrackingNo     string           `json:"tracking_no,omitempty"`
	ExpressCompany string           `json:"express_company,omitempty"`
	ItemDesc       string           `json:"item_desc"`
	Contact        *shippingContact `json:"contact,omitempty"`
}

type shippingContact struct {
	ReceiverContact string `json:"receiver_contact,omitempty"`
}

type orderKey struct {
	OrderNumberType int    `json:"order_number_type"`
	TransactionID   string `json:"transaction_id,omitempty"`
	MchID           string `json:"mchid,omitempty"`
	OutTradeNo      string `json:"out_trade_no,omitempty"`
}

type uploadShippingRequest struct {
	OrderKey       orderKey          `json:"order_key"`
	LogisticsType  int               `json:"logistics_type"`
	DeliveryMode   int               `json:"delivery_mode"`
	IsAllDelivered *bool             `json:"is_all_delivered,omitempty"`
	ShippingList   []shippingItem    `json:"shipping_list"`
	UploadTime     string            `json:"upload_time"`
	Payer          map[string]string `json:"payer"`
}

// UploadShipping calls upload_shipping_info; several parcels are a split
// delivery, all delivered.
func (s *Shipping) UploadShipping(ctx context.Context, u domain.ShippingUpload) error {
	req := uploadShippingRequest{
		OrderKey:      orderKey{OrderNumberType: 1, MchID: s.mchID, OutTradeNo: u.OutTradeNo},
		LogisticsType: logisticsTypes[u.Method], DeliveryMode: 1,
		UploadTime: u.UploadTime.In(domain.Beijing).Format(time.RFC3339Nano),
		Payer:      map[string]string{"openid": u.PayerOpenID},
	}
	var contact *shippingContact
	if u.Contact != "" {
		contact = &shippingContact{ReceiverContact: u.Contact}
	}
	if len(u.Parcels) == 0 {
		req.ShippingList = []shippingItem{{ItemDesc: u.ItemDesc, Contact: contact}}
	}
	for _, p := range u.Parcels {
		req.ShippingList = append(req.ShippingList, shippingItem{TrackingNo: p.TrackingNo, ExpressCompany: p.Company, ItemDesc: u.ItemDesc, Contact: contact})
	}
	if len(u.Parcels) > 1 {
		all := true
		req.DeliveryMode, req.IsAllDelivered = 2, &all
	}
	err := s.platform.call(ctx, "upload_shipping_info", "wxa/sec/order/upload_shipping_info", req, nil)
	var pe *PlatformError
	switch {
	case errors.As(err, &pe) && pe.Code == errShippingNotSynced:
		return fmt.Errorf("%w (errcode %d)", domain.ErrShippingNotSynced, pe.Code)
	case errors.As(err, &pe) && pe.Code != errSystemBusy:
		// 10060003 re-shipped already, 10060004 not shippable, 10060031
		// another payer, 47001 bad data, and anything else WeChat refuses.
		return &domain.ShippingRefusal{Reason: fmt.Sprintf("errcode %d: %s", pe.Code, pe.Message)}
	}
	return err
}

type getOrderReply struct {
	Order struct {
		OrderState int `json:"order_state"`
	} `json:"order"`
}

// ShippingState calls get_order.
func (s *Shipping) ShippingState(ctx context.Context, transactionID string) (domain.WeChatOrderState, error) {
	var r getOrderReply
	if err := s.platform.call(ctx, "get_order", "wxa/sec/order/get_order", map[string]string{"transaction_id": transactionID}, &r); err != nil {
		return 0, err
	}
	if r.Order.OrderState < 1 || r.Order.OrderState > 6 {
		return 0, fmt.Errorf("wechat get_order: order_state %d: %w", r.Order.OrderState, domain.ErrWeChatUnavailable)
	}
	return domain.WeChatOrderState(r.Order.OrderState), nil
}
