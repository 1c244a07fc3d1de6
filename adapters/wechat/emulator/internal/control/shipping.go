package control

import (
	"errors"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/shipping"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Order shipping management (package shipping): GET /emulator/shipping
// lists the shipping orders with their state and uploads; the buyer's
// receipt, the settlement and WeChat's reminder are pressed with POST
// /emulator/shipping/{transaction_id}/confirm, /settle and /remind.

type parcelJSON struct {
	TrackingNo       string `json:"tracking_no,omitempty"`
	ExpressCompany   string `json:"express_company,omitempty"`
	ItemDesc         string `json:"item_desc"`
	ConsignorContact string `json:"consignor_contact,omitempty"`
	ReceiverContact  string `json:"receiver_contact,omitempty"`
	UploadTime       string `json:"upload_time"`
}

type uploadJSON struct {
	At             string       `json:"at"`
	UploadTime     string       `json:"upload_time"`
	LogisticsType  int          `json:"logistics_type"`
	DeliveryMode   int          `json:"delivery_mode"`
	IsAllDelivered bool         `json:"is_all_delivered"`
	Reship         bool         `json:"reship"`
	ShippingList   []parcelJSON `json:"shipping_list"`
}

type shippingOrderJSON struct {
	TransactionID         string       `json:"transaction_id"`
	OutTradeNo            string       `json:"out_trade_no"`
	MchID                 string       `json:"mchid"`
	OpenID                string       `json:"openid"`
	Description           string       `json:"description"`
	Total                 int64        `json:"total"`
	PaidAt                string       `json:"paid_at"`
	SyncedAt              string       `json:"synced_at"`
	Synced                bool         `json:"synced"`
	OrderState            int          `json:"order_state"`
	OrderStateDesc        string       `json:"order_state_desc"`
	LogisticsType         int          `json:"logistics_type,omitempty"`
	DeliveryMode          int          `json:"delivery_mode,omitempty"`
	FinishShipping        bool         `json:"finish_shipping"`
	FinishShippingCount   int          `json:"finish_shipping_count"`
	Reshipped             bool         `json:"reshipped"`
	ShippingList          []parcelJSON `json:"shipping_list"`
	Uploads               []uploadJSON `json:"uploads"`
	ShippedAt             string       `json:"shipped_at,omitempty"`
	EstimatedSettlementAt string       `json:"estimated_settlement_at,omitempty"`
	ConfirmReceiveMethod  int          `json:"confirm_receive_method,omitempty"`
	ConfirmedAt           string       `json:"confirmed_at,omitempty"`
	SettledAt             string       `json:"settled_at,omitempty"`
	RemindedAt            string       `json:"reminded_at,omitempty"`
	ReceivedTime          string       `json:"received_time,omitempty"`
	ReceivedNotifiedAt    string       `json:"received_notified_at,omitempty"`
}

// stamp is t in RFC 3339, or "" for the zero time (the field is left out).
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func parcelsToJSON(ps []shipping.ParcelState) []parcelJSON {
	out := make([]parcelJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, parcelJSON{TrackingNo: p.TrackingNo, ExpressCompany: p.ExpressCompany, ItemDesc: p.ItemDesc,
			ConsignorContact: p.ConsignorContact, ReceiverContact: p.ReceiverContact, UploadTime: p.UploadTime.Format(time.RFC3339Nano)})
	}
	return out
}

func shippingOrderToJSON(o shipping.Order) shippingOrderJSON {
	j := shippingOrderJSON{
		TransactionID: o.TransactionID, OutTradeNo: o.OutTradeNo, MchID: o.MchID, OpenID: o.OpenID, Description: o.Description,
		Total: o.Total, PaidAt: stamp(o.PaidAt), SyncedAt: stamp(o.SyncedAt), Synced: o.Synced, OrderState: o.State,
		OrderStateDesc: o.StateDesc, LogisticsType: o.LogisticsType, DeliveryMode: o.DeliveryMode, FinishShipping: o.FinishShipping,
		FinishShippingCount: o.FinishShippingCount, Reshipped: o.Reshipped, ShippingList: parcelsToJSON(o.Parcels),
		Uploads: []uploadJSON{}, ShippedAt: stamp(o.ShippedAt), EstimatedSettlementAt: stamp(o.EstimatedSettlementAt),
		ConfirmReceiveMethod: o.ConfirmReceiveMethod, ConfirmedAt: stamp(o.ConfirmedAt), SettledAt: stamp(o.SettledAt),
		RemindedAt: stamp(o.RemindedAt), ReceivedTime: stamp(o.ReceivedTime), ReceivedNotifiedAt: stamp(o.ReceivedNotifiedAt),
	}
	for _, u := range o.Uploads {
		j.Uploads = append(j.Uploads, uploadJSON{At: stamp(u.At), UploadTime: u.UploadTime.Format(time.RFC3339Nano),
			LogisticsType: u.LogisticsType, DeliveryMode: u.DeliveryMode, IsAllDelivered: u.IsAllDelivered, Reship: u.Reship,
			ShippingList: parcelsToJSON(u.Parcels)})
	}
	return j
}

// GetShipping: GET /emulator/shipping, one order per paid transaction
// (synced or not yet), the latest paid first, at most 200; with whether
// the mini-program is trade managed and its message jump path.
func (a *API) GetShipping(w http.ResponseWriter, _ *http.Request) {
	orders := a.ship.Orders(maxListed)
	items := make([]shippingOrderJSON, 0, len(orders))
	for _, o := range orders {
		items = append(items, shippingOrderToJSON(o))
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, struct {
		Items        []shippingOrderJSON `json:"items"`
		TradeManaged bool                `json:"trade_managed"`
		MsgJumpPath  string              `json:"msg_jump_path"`
	}{items, a.ship.Managed(), a.ship.MsgJumpPath()})
}

// writeMove answers a move of a shipping order: the order after, 404 for
// one that has not reached the shipping APIs, 409 for a state that does
// not allow it.
func writeMove(w http.ResponseWriter, o shipping.Order, err error) {
	switch {
	case errors.Is(err, shipping.ErrNoOrder):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, shippingOrderToJSON(o))
	}
}

// PostConfirmReceipt: POST /emulator/shipping/{transaction_id}/confirm,
// the buyer confirms the receipt (the console's 确认收货).
func (a *API) PostConfirmReceipt(w http.ResponseWriter, r *http.Request) {
	o, err := a.ship.Confirm(r.PathValue("transaction_id"))
	writeMove(w, o, err)
}

// PostSettle: POST /emulator/shipping/{transaction_id}/settle, the funds
// settle now (the console's "settle now").
func (a *API) PostSettle(w http.ResponseWriter, r *http.Request) {
	o, err := a.ship.Settle(r.PathValue("transaction_id"))
	writeMove(w, o, err)
}

// PostRemindShipping: POST /emulator/shipping/{transaction_id}/remind,
// WeChat's 48-hour reminder now.
func (a *API) PostRemindShipping(w http.ResponseWriter, r *http.Request) {
	o, err := a.ship.Remind(r.PathValue("transaction_id"))
	writeMove(w, o, err)
}
