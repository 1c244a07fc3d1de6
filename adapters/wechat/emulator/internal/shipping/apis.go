package shipping

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The shipping APIs share their plumbing: the fault first, then POST only
// (43002), then the access_token (41001, 40001, 42001), then the JSON body
// (47001 when it is not JSON, or carries the access_token, which belongs
// in the query). Answers are HTTP 200 with errcode 0 and errmsg "ok", or
// WeChat's error with the rid after a space.

// WeChat's errcodes of the shipping APIs (§14). 10060001/3/4/31 and
// 268485228 were seen in the wild; 10060023 (sent for an upload that
// changes nothing, upload_time not later) is how services report it; the
// full table is UNCONFIRMED, so every other refusal is 47001 with a hint.
const (
	errRequirePOST    = 43002
	errInvalidAppID   = 40013
	errDataFormat     = 47001
	errNoPayment      = 10060001 // 支付单不存在 (or not synced yet)
	errReshipUsed     = 10060003 // 支付单已使用重新发货机会
	errNotShippable   = 10060004 // 支付单处于不可发货的状态
	errNotUpdated     = 10060023 // 发货信息未更新
	errNotPayer       = 10060031 // 该笔支付单不属于 openid 所指定的用户
	errUnifiedListLen = 268485228
)

const maxBody = 64 << 10

// okJSON opens every successful answer.
type okJSON struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

var ok = okJSON{ErrCode: 0, ErrMsg: "ok"}

// handler does one API's work on its body at now: its answer, or WeChat's
// error.
type handler func(body []byte, now time.Time) (any, *wxshared.WeChatError)

func (e *Server) serve(ep wxshared.Endpoint, h handler, emptyIsObject bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !e.api.Fault(w, r, ep, wxshared.ContentTypeJSON) {
			return
		}
		fail := func(bad *wxshared.WeChatError) { wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, bad) }
		if r.Method != http.MethodPost {
			fail(e.api.Err(errRequirePOST, "require POST method"))
			return
		}
		if bad := e.checkToken(r.URL.Query().Get("access_token")); bad != nil {
			fail(bad)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if len(bytes.TrimSpace(body)) == 0 && emptyIsObject {
			body = []byte("{}")
		}
		var probe map[string]json.RawMessage
		switch {
		case err != nil || json.Unmarshal(body, &probe) != nil || probe == nil:
			fail(e.formatErr("the body must be a JSON object"))
			return
		case probe["access_token"] != nil:
			fail(e.formatErr("access_token goes in the query, not the body"))
			return
		}
		e.settleDue() // what came due settles before it is looked at
		resp, bad := h(body, e.now())
		if bad != nil {
			fail(bad)
			return
		}
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, resp)
	}
}

// formatErr is 47001 with what is wrong, as WeChat hints.
func (e *Server) formatErr(hint string) *wxshared.WeChatError {
	return e.api.Err(errDataFormat, "data format error hint: ["+hint+"]")
}

// decode reads body into v: a wrong type is a format error.
func (e *Server) decode(body []byte, v any) *wxshared.WeChatError {
	if err := json.Unmarshal(body, v); err != nil {
		return e.formatErr(err.Error())
	}
	return nil
}

// findLocked is the paid transaction a request names, if its order has
// reached the shipping APIs at now: by transaction_id, or by the
// merchant's mchid and number.
func (e *Server) find(transactionID, mchID, outTradeNo string, now time.Time) (wxshared.PaidTransaction, *wxshared.WeChatError) {
	var p wxshared.PaidTransaction
	var found bool
	if transactionID != "" {
		p, found = e.pay.PaidTransaction(transactionID)
	} else {
		p, found = e.pay.PaidByOutTradeNo(mchID, outTradeNo)
	}
	if !found || !e.synced(p, now) {
		return p, e.api.Err(errNoPayment, "支付单不存在")
	}
	return p, nil
}

// UploadShippingInfo: POST /wxa/sec/order/upload_shipping_info (upload.go).
func (e *Server) UploadShippingInfo(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.UploadShippingInfo, e.upload, false)(w, r)
}

// GetOrder: POST /wxa/sec/order/get_order (query.go).
func (e *Server) GetOrder(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.GetShippingOrder, e.getOrder, false)(w, r)
}

// GetOrderList: POST /wxa/sec/order/get_order_list (query.go).
func (e *Server) GetOrderList(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.GetShippingOrderList, e.getOrderList, true)(w, r)
}

// NotifyConfirmReceive: POST /wxa/sec/order/notify_confirm_receive
// {transaction_id | merchant_id+merchant_trade_no, received_time}: the
// merchant learnt from its carrier that the parcel arrived, and WeChat
// reminds the buyer to confirm. Once per order, on a shipped order; the
// emulator records it (GET /emulator/shipping) and sends nothing.
func (e *Server) NotifyConfirmReceive(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.NotifyConfirmReceive, func(body []byte, now time.Time) (any, *wxshared.WeChatError) {
		var req struct {
			TransactionID   string `json:"transaction_id"`
			MerchantID      string `json:"merchant_id"`
			SubMerchantID   string `json:"sub_merchant_id"`
			MerchantTradeNo string `json:"merchant_trade_no"`
			ReceivedTime    *int64 `json:"received_time"`
		}
		if bad := e.decode(body, &req); bad != nil {
			return nil, bad
		}
		switch {
		case req.TransactionID == "" && (req.MerchantID == "" || req.MerchantTradeNo == ""):
			return nil, e.formatErr("transaction_id, or merchant_id and merchant_trade_no, are required")
		case req.ReceivedTime == nil || *req.ReceivedTime <= 0:
			return nil, e.formatErr("received_time (seconds since the epoch) is required")
		}
		p, bad := e.find(req.TransactionID, req.MerchantID, req.MerchantTradeNo, now)
		if bad != nil {
			return nil, bad
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		o := e.orders[p.TransactionID]
		switch {
		case stateOf(p, o, now) != StateShipped:
			return nil, e.api.Err(errNotShippable, "支付单处于不可提醒确认收货的状态")
		case !o.ReceivedNotifiedAt.IsZero():
			return nil, e.api.Err(errNotShippable, "该支付单已提醒过确认收货")
		}
		o.ReceivedTime, o.ReceivedNotifiedAt = time.Unix(*req.ReceivedTime, 0).UTC(), now
		return ok, nil
	}, false)(w, r)
}

// SetMsgJumpPath: POST /wxa/sec/order/set_msg_jump_path {"path"}: the page
// of the mini-program that the shipping and receipt messages open.
func (e *Server) SetMsgJumpPath(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.SetMsgJumpPath, func(body []byte, _ time.Time) (any, *wxshared.WeChatError) {
		var req struct {
			Path *string `json:"path"`
		}
		if bad := e.decode(body, &req); bad != nil {
			return nil, bad
		}
		if req.Path == nil || *req.Path == "" || len(*req.Path) > 1024 || !utf8.ValidString(*req.Path) {
			return nil, e.formatErr("path is required, at most 1024 bytes")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		e.jumpPath = *req.Path
		return ok, nil
	}, false)(w, r)
}

// IsTradeManaged: POST /wxa/sec/order/is_trade_managed {"appid"}.
func (e *Server) IsTradeManaged(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.IsTradeManaged, func(body []byte, _ time.Time) (any, *wxshared.WeChatError) {
		if bad := e.checkAppID(body); bad != nil {
			return nil, bad
		}
		return struct {
			okJSON
			IsTradeManaged bool `json:"is_trade_managed"`
		}{ok, e.managed}, nil
	}, false)(w, r)
}

// IsTradeManagementConfirmationCompleted: POST
// /wxa/sec/order/is_trade_management_confirmation_completed {"appid"}:
// whether the mini-program completed its confirmation of shipping
// management, which the emulator takes as being managed.
func (e *Server) IsTradeManagementConfirmationCompleted(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.IsTradeManagementConfirmed, func(body []byte, _ time.Time) (any, *wxshared.WeChatError) {
		if bad := e.checkAppID(body); bad != nil {
			return nil, bad
		}
		return struct {
			okJSON
			Completed bool `json:"completed"`
		}{ok, e.managed}, nil
	}, false)(w, r)
}

func (e *Server) checkAppID(body []byte) *wxshared.WeChatError {
	var req struct {
		AppID string `json:"appid"`
	}
	if bad := e.decode(body, &req); bad != nil {
		return bad
	}
	if req.AppID != e.appID {
		return e.api.Err(errInvalidAppID, "invalid appid")
	}
	return nil
}

// Company is a carrier of WeChat's delivery list.
type Company struct {
	ID   string `json:"delivery_id"`
	Name string `json:"delivery_name"`
}

// Companies are the carriers the emulator's get_delivery_list answers
// (WeChat's has over a thousand); express_company must be one of their
// ids. YD 韵达速递 and the shape are from WeChat's documented sample.
var Companies = []Company{
	{"YTO", "圆通速递"},
	{"ZTO", "中通快递"},
	{"STO", "申通快递"},
	{"YD", "韵达速递"},
	{"SF", "顺丰速运"},
	{"JTSD", "极兔速递"},
	{"EMS", "中国邮政速递物流"},
	{"JD", "京东物流"},
}

// GetDeliveryList: POST /cgi-bin/express/delivery/open_msg/get_delivery_list
// with {} (an empty body too): {"errcode":0,"delivery_list":[...],"count"},
// no errmsg, as WeChat's sample.
func (e *Server) GetDeliveryList(w http.ResponseWriter, r *http.Request) {
	e.serve(wxshared.GetDeliveryList, func([]byte, time.Time) (any, *wxshared.WeChatError) {
		return struct {
			ErrCode      int       `json:"errcode"`
			DeliveryList []Company `json:"delivery_list"`
			Count        int       `json:"count"`
		}{0, Companies, len(Companies)}, nil
	}, true)(w, r)
}

func knownCompany(id string) bool {
	for _, c := range Companies {
		if c.ID == id {
			return true
		}
	}
	return false
}
