package shipping

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// upload_shipping_info's enums and limits (§14).
const (
	logisticsExpress    = 1 // 实体物流配送 by a carrier
	logisticsSameCity   = 2 // 同城配送
	logisticsVirtual    = 3 // 虚拟商品
	logisticsSelfPickup = 4 // 用户自提
	deliveryUnified     = 1 // UNIFIED_DELIVERY: one parcel
	deliverySplit       = 2 // SPLIT_DELIVERY: several, express only

	orderByOutTradeNo    = 1 // order_key: mchid + out_trade_no
	orderByTransactionID = 2 // order_key: transaction_id

	maxParcels   = 15   // shipping_list entries, all of a split delivery's uploads together
	maxCodeBytes = 128  // tracking_no, express_company
	maxItemDesc  = 120  // characters
	maxContact   = 1024 // bytes
)

type uploadRequest struct {
	OrderKey *struct {
		OrderNumberType *int   `json:"order_number_type"`
		TransactionID   string `json:"transaction_id"`
		MchID           string `json:"mchid"`
		OutTradeNo      string `json:"out_trade_no"`
	} `json:"order_key"`
	LogisticsType  *int           `json:"logistics_type"`
	DeliveryMode   *int           `json:"delivery_mode"`
	IsAllDelivered *bool          `json:"is_all_delivered"`
	ShippingList   []shippingInfo `json:"shipping_list"`
	UploadTime     *string        `json:"upload_time"`
	Payer          *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

type shippingInfo struct {
	TrackingNo     string `json:"tracking_no"`
	ExpressCompany string `json:"express_company"`
	ItemDesc       string `json:"item_desc"`
	Contact        *struct {
		ConsignorContact string `json:"consignor_contact"`
		ReceiverContact  string `json:"receiver_contact"`
	} `json:"contact"`
}

// upload is a request that passed the format checks.
type upload struct {
	transactionID, mchID, outTradeNo string
	logistics, mode                  int
	allDelivered                     bool
	parcels                          []ParcelState
	uploadTime                       time.Time
	payer                            string
}

// parseUpload checks everything that does not depend on the order, in
// the order of the request's fields.
func (e *Server) parseUpload(body []byte) (upload, *wxshared.WeChatError) {
	var req uploadRequest
	if bad := e.decode(body, &req); bad != nil {
		return upload{}, bad
	}
	var u upload
	k := req.OrderKey
	switch {
	case k == nil || k.OrderNumberType == nil:
		return u, e.formatErr("order_key.order_number_type is required")
	case *k.OrderNumberType == orderByOutTradeNo && (k.MchID == "" || k.OutTradeNo == ""):
		return u, e.formatErr("order_number_type 1 needs order_key.mchid and order_key.out_trade_no")
	case *k.OrderNumberType == orderByTransactionID && k.TransactionID == "":
		return u, e.formatErr("order_number_type 2 needs order_key.transaction_id")
	case *k.OrderNumberType != orderByOutTradeNo && *k.OrderNumberType != orderByTransactionID:
		return u, e.formatErr("order_number_type must be 1 (mchid and out_trade_no) or 2 (transaction_id)")
	case req.LogisticsType == nil || *req.LogisticsType < logisticsExpress || *req.LogisticsType > logisticsSelfPickup:
		return u, e.formatErr("logistics_type must be 1 to 4")
	case req.DeliveryMode == nil || (*req.DeliveryMode != deliveryUnified && *req.DeliveryMode != deliverySplit):
		return u, e.formatErr("delivery_mode must be 1 (UNIFIED_DELIVERY) or 2 (SPLIT_DELIVERY)")
	case len(req.ShippingList) == 0 || len(req.ShippingList) > maxParcels:
		return u, e.formatErr(fmt.Sprintf("shipping_list must hold 1 to %d entries", maxParcels))
	case *req.DeliveryMode == deliveryUnified && len(req.ShippingList) != 1:
		return u, e.api.Err(errUnifiedListLen, "统一发货模式下，物流信息列表长度必须为1")
	case *req.DeliveryMode == deliverySplit && *req.LogisticsType != logisticsExpress:
		return u, e.formatErr("SPLIT_DELIVERY is for logistics_type 1 (express) only")
	case *req.DeliveryMode == deliverySplit && req.IsAllDelivered == nil:
		return u, e.formatErr("is_all_delivered is required with SPLIT_DELIVERY")
	}
	if *k.OrderNumberType == orderByOutTradeNo {
		u.mchID, u.outTradeNo = k.MchID, k.OutTradeNo
	} else {
		u.transactionID = k.TransactionID
	}
	u.logistics, u.mode = *req.LogisticsType, *req.DeliveryMode
	u.allDelivered = req.IsAllDelivered != nil && *req.IsAllDelivered
	if req.UploadTime == nil {
		return u, e.formatErr("upload_time is required (RFC 3339)")
	}
	t, err := time.Parse(time.RFC3339, *req.UploadTime)
	if err != nil {
		return u, e.formatErr("upload_time must be RFC 3339, such as 2022-12-15T13:29:35.120+08:00")
	}
	u.uploadTime = t
	for i, s := range req.ShippingList {
		if msg := checkParcel(s, u.logistics); msg != "" {
			return u, e.formatErr(fmt.Sprintf("shipping_list[%d]: %s", i, msg))
		}
		p := ParcelState{TrackingNo: s.TrackingNo, ExpressCompany: s.ExpressCompany, ItemDesc: s.ItemDesc, UploadTime: t}
		if s.Contact != nil {
			p.ConsignorContact, p.ReceiverContact = s.Contact.ConsignorContact, s.Contact.ReceiverContact
		}
		u.parcels = append(u.parcels, p)
	}
	if req.Payer == nil || req.Payer.OpenID == "" {
		return u, e.formatErr("payer.openid is required")
	}
	u.payer = req.Payer.OpenID
	return u, nil
}

// checkParcel says what is wrong with one shipping_list entry, or "".
func checkParcel(s shippingInfo, logistics int) string {
	express := logistics == logisticsExpress
	switch {
	case express && (s.TrackingNo == "" || len(s.TrackingNo) > maxCodeBytes):
		return fmt.Sprintf("tracking_no must be 1 to %d bytes with logistics_type 1", maxCodeBytes)
	case express && (s.ExpressCompany == "" || len(s.ExpressCompany) > maxCodeBytes):
		return fmt.Sprintf("express_company must be 1 to %d bytes with logistics_type 1", maxCodeBytes)
	case len(s.TrackingNo) > maxCodeBytes || len(s.ExpressCompany) > maxCodeBytes:
		return fmt.Sprintf("tracking_no and express_company are at most %d bytes", maxCodeBytes)
	case express && !knownCompany(s.ExpressCompany):
		return fmt.Sprintf("express_company %q is not a delivery_id of get_delivery_list", s.ExpressCompany)
	case s.ItemDesc == "" || !utf8.ValidString(s.ItemDesc) || utf8.RuneCountInString(s.ItemDesc) > maxItemDesc:
		return fmt.Sprintf("item_desc is required, at most %d characters", maxItemDesc)
	}
	var consignor, receiver string
	if s.Contact != nil {
		consignor, receiver = s.Contact.ConsignorContact, s.Contact.ReceiverContact
	}
	if express && s.ExpressCompany == "SF" && consignor == "" && receiver == "" {
		return "contact.consignor_contact or contact.receiver_contact is required for SF (顺丰)"
	}
	for _, c := range []string{consignor, receiver} {
		if c != "" && !masked(c) {
			return "a contact must be masked but for its last 4 digits (189****1234), at most 1024 bytes"
		}
	}
	return ""
}

// masked: a phone number with a mask, its last 4 digits shown.
func masked(c string) bool {
	if len(c) > maxContact || len(c) < 5 || !strings.Contains(c, "*") {
		return false
	}
	return strings.Trim(c[len(c)-4:], "0123456789") == ""
}

// upload is POST /wxa/sec/order/upload_shipping_info: the merchant says
// how (and, for express, by which carrier under which number) a payment's
// goods left. The first complete upload ships the order (2 已发货); a
// split delivery (express only) adds parcels until one says
// is_all_delivered. Uploading again to change what was shipped (or how)
// is the one re-ship a payment has: a second answers 10060003. Every
// upload must be later (upload_time) than the one before, or it changes
// nothing (10060023). Nothing can be shipped once the buyer confirmed the
// receipt, the funds settled, or the payment was refunded (10060004).
func (e *Server) upload(body []byte, now time.Time) (any, *wxshared.WeChatError) {
	u, bad := e.parseUpload(body)
	if bad != nil {
		return nil, bad
	}
	p, bad := e.find(u.transactionID, u.mchID, u.outTradeNo, now)
	if bad != nil {
		return nil, bad
	}
	if p.OpenID != u.payer {
		return nil, e.api.Err(errNotPayer, "该笔支付单不属于 openid 所指定的用户")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orders[p.TransactionID]
	switch stateOf(p, o, now) {
	case StateConfirmed, StatePendingSet, StateCompleted, StateRefunded:
		return nil, e.api.Err(errNotShippable, "支付单处于不可发货的状态")
	}
	if o != nil && len(o.Uploads) > 0 && !u.uploadTime.After(o.Uploads[len(o.Uploads)-1].UploadTime) {
		return nil, e.api.Err(errNotUpdated, "发货信息未更新")
	}
	o = e.orderLocked(p)
	continuing := !o.FinishShipping && len(o.Parcels) > 0 && o.DeliveryMode == deliverySplit &&
		u.mode == deliverySplit && o.LogisticsType == u.logistics
	reship := !continuing && len(o.Parcels) > 0 // what was shipped, or how, changes
	switch {
	case reship && o.Reshipped:
		return nil, e.api.Err(errReshipUsed, "支付单已使用重新发货机会")
	case continuing && len(o.Parcels)+len(u.parcels) > maxParcels:
		return nil, e.formatErr(fmt.Sprintf("a split delivery has at most %d parcels", maxParcels))
	}
	if continuing {
		o.Parcels = append(o.Parcels, u.parcels...)
	} else {
		o.Parcels, o.LogisticsType, o.DeliveryMode = append([]ParcelState(nil), u.parcels...), u.logistics, u.mode
	}
	o.Reshipped = o.Reshipped || reship
	o.FinishShipping = u.mode == deliveryUnified || u.allDelivered
	o.Uploads = append(o.Uploads, UploadState{At: now, UploadTime: u.uploadTime, LogisticsType: u.logistics, DeliveryMode: u.mode,
		IsAllDelivered: u.allDelivered, Parcels: u.parcels, Reship: reship})
	e.shippedEver = true
	if o.FinishShipping {
		o.FinishShippingCount++
		o.ShippedAt = now
		o.EstimatedSettlementAt = now.Add(settleAfter(o.LogisticsType))
		f := orderFields(p)
		f["shipped_time"] = o.ShippedAt.Unix()
		f["estimated_settlement_time"] = o.EstimatedSettlementAt.Unix()
		e.pushLocked(push.Message{Event: EventOrderSettlement, TransactionID: p.TransactionID, Fields: f})
	}
	return ok, nil
}

// The events shipping pushes.
const (
	EventOrderSettlement = "trade_manage_order_settlement"
	EventRemindShipping  = "trade_manage_remind_shipping"
)
