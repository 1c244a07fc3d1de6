package shipping

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// OrderRecord is what shipping recorded of one paid transaction: its
// uploads, the shipping as it stands, the receipt and the settlement. It
// is the record itself and the form it is kept in across a restart.
type OrderRecord struct {
	TransactionID string `json:"transaction_id"`
	// Uploads are every accepted upload_shipping_info, in order.
	Uploads []UploadState `json:"uploads,omitempty"`
	// The shipping as it stands (what get_order shows): the last
	// complete or partial upload's parcels, split ones added up.
	LogisticsType       int           `json:"logistics_type,omitempty"`
	DeliveryMode        int           `json:"delivery_mode,omitempty"`
	Parcels             []ParcelState `json:"parcels,omitempty"`
	FinishShipping      bool          `json:"finish_shipping,omitempty"`
	FinishShippingCount int           `json:"finish_shipping_count,omitempty"`
	Reshipped           bool          `json:"reshipped,omitempty"` // the one re-ship is used
	// ShippedAt is when shipping last completed (shipped_time), and the
	// funds settle on their own at EstimatedSettlementAt.
	ShippedAt             time.Time `json:"shipped_at,omitzero"`
	EstimatedSettlementAt time.Time `json:"estimated_settlement_at,omitzero"`
	ConfirmReceiveMethod  int       `json:"confirm_receive_method,omitempty"` // ConfirmAuto or ConfirmManual
	ConfirmedAt           time.Time `json:"confirmed_at,omitzero"`
	SettledAt             time.Time `json:"settled_at,omitzero"`
	RemindedAt            time.Time `json:"reminded_at,omitzero"`
	// ReceivedTime is what notify_confirm_receive said (received_time),
	// and ReceivedNotifiedAt when it was called.
	ReceivedTime       time.Time `json:"received_time,omitzero"`
	ReceivedNotifiedAt time.Time `json:"received_notified_at,omitzero"`
}

// UploadState is one accepted upload.
type UploadState struct {
	At             time.Time     `json:"at"`          // when WeChat took it (Config.Now)
	UploadTime     time.Time     `json:"upload_time"` // as the merchant wrote it
	LogisticsType  int           `json:"logistics_type"`
	DeliveryMode   int           `json:"delivery_mode"`
	IsAllDelivered bool          `json:"is_all_delivered"`
	Parcels        []ParcelState `json:"parcels"`
	Reship         bool          `json:"reship,omitempty"` // it used the order's one re-ship
}

// ParcelState is one entry of a shipping_list.
type ParcelState struct {
	TrackingNo       string    `json:"tracking_no,omitempty"`
	ExpressCompany   string    `json:"express_company,omitempty"`
	ItemDesc         string    `json:"item_desc"`
	ConsignorContact string    `json:"consignor_contact,omitempty"`
	ReceiverContact  string    `json:"receiver_contact,omitempty"`
	UploadTime       time.Time `json:"upload_time"` // the upload_time of the upload that brought it
}

// State is what the shipping side keeps across a restart.
type State struct {
	Orders      []OrderRecord `json:"orders,omitempty"`
	MsgJumpPath string        `json:"msg_jump_path,omitempty"`
	ShippedEver bool          `json:"shipped_ever,omitempty"`
}

func (o *OrderRecord) clone() OrderRecord {
	c := *o
	c.Parcels = slices.Clone(o.Parcels)
	c.Uploads = make([]UploadState, len(o.Uploads))
	for i, u := range o.Uploads {
		c.Uploads[i] = u
		c.Uploads[i].Parcels = slices.Clone(u.Parcels)
	}
	return c
}

// State returns a copy of what the shipping side knows, orders by
// transaction_id.
func (e *Server) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := State{MsgJumpPath: e.jumpPath, ShippedEver: e.shippedEver}
	for _, id := range slices.Sorted(maps.Keys(e.orders)) {
		s.Orders = append(s.Orders, e.orders[id].clone())
	}
	return s
}

// Restore makes the shipping side know what s says, before it serves
// anything.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.orders) > 0 {
		return fmt.Errorf("restore: the shipping side already holds %d orders", len(e.orders))
	}
	for _, o := range s.Orders {
		if o.TransactionID == "" || e.orders[o.TransactionID] != nil {
			return fmt.Errorf("restore: a shipping order without transaction_id, or twice")
		}
		c := o.clone()
		e.orders[o.TransactionID] = &c
	}
	e.jumpPath, e.shippedEver = s.MsgJumpPath, s.ShippedEver
	return nil
}
