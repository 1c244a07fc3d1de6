package shipping

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// get_order and get_order_list (§14): an order as WeChat reports it, times
// in seconds since the epoch, money in fen.

type orderJSON struct {
	TransactionID   string        `json:"transaction_id"`
	MerchantTradeNo string        `json:"merchant_trade_no"`
	MerchantID      string        `json:"merchant_id"`
	SubMerchantID   string        `json:"sub_merchant_id"`
	Description     string        `json:"description"`
	PaidAmount      int64         `json:"paid_amount"`
	OpenID          string        `json:"openid"`
	TradeCreateTime int64         `json:"trade_create_time"`
	PayTime         int64         `json:"pay_time"`
	InComplaint     bool          `json:"in_complaint"`
	OrderState      int           `json:"order_state"`
	Shipping        *shippingJSON `json:"shipping,omitempty"` // once shipping info was uploaded
}

type shippingJSON struct {
	DeliveryMode        int          `json:"delivery_mode"`
	LogisticsType       int          `json:"logistics_type"`
	FinishShipping      bool         `json:"finish_shipping"`
	FinishShippingCount int          `json:"finish_shipping_count"`
	ShippingList        []parcelJSON `json:"shipping_list"`
}

// parcelJSON carries goods_desc per entry, as WeChat's live answers do.
type parcelJSON struct {
	TrackingNo     string `json:"tracking_no"`
	ExpressCompany string `json:"express_company"`
	GoodsDesc      string `json:"goods_desc"`
	UploadTime     int64  `json:"upload_time"`
}

// maxDescription: WeChat cuts description at 120 characters, ending "...".
const maxDescription = 120

func description(d string) string {
	if r := []rune(d); len(r) > maxDescription {
		return string(r[:maxDescription-3]) + "..."
	}
	return d
}

func wireOrder(p wxshared.PaidTransaction, o *OrderRecord, now time.Time) orderJSON {
	j := orderJSON{
		TransactionID: p.TransactionID, MerchantTradeNo: p.OutTradeNo, MerchantID: p.MchID,
		Description: description(p.Description), PaidAmount: p.Total, OpenID: p.OpenID,
		TradeCreateTime: p.CreateTime.Unix(), PayTime: p.SuccessTime.Unix(), OrderState: stateOf(p, o, now),
	}
	if o != nil && len(o.Parcels) > 0 {
		s := &shippingJSON{DeliveryMode: o.DeliveryMode, LogisticsType: o.LogisticsType, FinishShipping: o.FinishShipping,
			FinishShippingCount: o.FinishShippingCount, ShippingList: []parcelJSON{}}
		for _, pc := range o.Parcels {
			s.ShippingList = append(s.ShippingList, parcelJSON{TrackingNo: pc.TrackingNo, ExpressCompany: pc.ExpressCompany,
				GoodsDesc: pc.ItemDesc, UploadTime: pc.UploadTime.Unix()})
		}
		j.Shipping = s
	}
	return j
}

// getOrder is POST /wxa/sec/order/get_order {transaction_id} or
// {merchant_id, merchant_trade_no}.
func (e *Server) getOrder(body []byte, now time.Time) (any, *wxshared.WeChatError) {
	var req struct {
		TransactionID   string `json:"transaction_id"`
		MerchantID      string `json:"merchant_id"`
		SubMerchantID   string `json:"sub_merchant_id"`
		MerchantTradeNo string `json:"merchant_trade_no"`
	}
	if bad := e.decode(body, &req); bad != nil {
		return nil, bad
	}
	if req.TransactionID == "" && (req.MerchantID == "" || req.MerchantTradeNo == "") {
		return nil, e.formatErr("transaction_id, or merchant_id and merchant_trade_no, are required")
	}
	p, bad := e.find(req.TransactionID, req.MerchantID, req.MerchantTradeNo, now)
	if bad != nil {
		return nil, bad
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return struct {
		okJSON
		Order orderJSON `json:"order"`
	}{ok, wireOrder(p, e.orders[p.TransactionID], now)}, nil
}

// maxPageSize is get_order_list's largest page, and its page when
// page_size is left out.
const maxPageSize = 50

// getOrderList is POST /wxa/sec/order/get_order_list: the orders paid in
// pay_time_range (both ends included; either may be left out), of an
// order_state and an openid if given, earliest paid first, page_size at a
// time; last_index (opaque: where the last page ended) asks for the next.
func (e *Server) getOrderList(body []byte, now time.Time) (any, *wxshared.WeChatError) {
	var req struct {
		PayTimeRange *struct {
			BeginTime int64 `json:"begin_time"`
			EndTime   int64 `json:"end_time"`
		} `json:"pay_time_range"`
		OrderState int    `json:"order_state"`
		OpenID     string `json:"openid"`
		LastIndex  string `json:"last_index"`
		PageSize   int    `json:"page_size"`
	}
	if bad := e.decode(body, &req); bad != nil {
		return nil, bad
	}
	switch {
	case req.PageSize < 0 || req.PageSize > maxPageSize:
		return nil, e.formatErr(fmt.Sprintf("page_size must be 1 to %d", maxPageSize))
	case req.OrderState != 0 && StateDesc[req.OrderState] == "":
		return nil, e.formatErr("order_state must be 1 to 6")
	}
	pageSize := cmp.Or(req.PageSize, maxPageSize)
	var after *listKey
	if req.LastIndex != "" {
		k, err := parseListKey(req.LastIndex)
		if err != nil {
			return nil, e.formatErr("last_index is not one this API gave")
		}
		after = &k
	}
	paid := e.pay.PaidTransactions()
	slices.SortFunc(paid, func(a, b wxshared.PaidTransaction) int {
		return cmp.Or(cmp.Compare(a.SuccessTime.Unix(), b.SuccessTime.Unix()), cmp.Compare(a.TransactionID, b.TransactionID))
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	list := []orderJSON{}
	var last listKey
	more := false
	for _, p := range paid {
		k := listKey{p.SuccessTime.Unix(), p.TransactionID}
		pay := p.SuccessTime.Unix()
		switch {
		case !e.synced(p, now), after != nil && !after.less(k),
			req.PayTimeRange != nil && req.PayTimeRange.BeginTime != 0 && pay < req.PayTimeRange.BeginTime,
			req.PayTimeRange != nil && req.PayTimeRange.EndTime != 0 && pay > req.PayTimeRange.EndTime,
			req.OpenID != "" && p.OpenID != req.OpenID:
			continue
		}
		o := e.orders[p.TransactionID]
		if req.OrderState != 0 && stateOf(p, o, now) != req.OrderState {
			continue
		}
		if len(list) == pageSize {
			more = true
			break
		}
		list = append(list, wireOrder(p, o, now))
		last = k
	}
	resp := struct {
		okJSON
		OrderList []orderJSON `json:"order_list"`
		LastIndex string      `json:"last_index"`
		HasMore   bool        `json:"has_more"`
	}{ok, list, "", more}
	if len(list) > 0 {
		resp.LastIndex = last.String()
	}
	return resp, nil
}

// listKey is where an order sorts in get_order_list: by pay time, then
// transaction_id.
type listKey struct {
	pay int64
	id  string
}

func (k listKey) less(o listKey) bool { return k.pay < o.pay || (k.pay == o.pay && k.id < o.id) }

func (k listKey) String() string { return strconv.FormatInt(k.pay, 10) + "_" + k.id }

func parseListKey(s string) (listKey, error) {
	pay, id, ok := strings.Cut(s, "_")
	n, err := strconv.ParseInt(pay, 10, 64)
	if !ok || err != nil || id == "" {
		return listKey{}, fmt.Errorf("bad last_index %q", s)
	}
	return listKey{n, id}, nil
}
