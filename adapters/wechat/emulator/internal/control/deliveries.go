package control

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// GET /emulator/deliveries: every notification attempt the emulator made,
// payment and refund alike, newest first, each with the merchant's HTTP
// answer and, while WeChat would still try again, when the next attempt is
// due. This is the page a developer opens to see "what WeChat saw".

type consoleDeliveryJSON struct {
	at          time.Time // for sorting: RFC3339Nano strings do not sort
	seq         int       // position in its log, newest last: breaks ties of at
	Kind        string    `json:"kind"` // "payment" or "refund"
	OutTradeNo  string    `json:"out_trade_no"`
	OutRefundNo string    `json:"out_refund_no,omitempty"`
	deliveryJSON
	// NextRetryAt is when WeChat's schedule makes the next attempt after
	// this failed one (a queued Fault.Delay comes on top); absent when none
	// follows: it was taken, it was the last, or a later attempt exists.
	NextRetryAt string `json:"next_retry_at,omitempty"`
}

func (a *API) GetDeliveries(w http.ResponseWriter, _ *http.Request) {
	var items []consoleDeliveryJSON
	for _, r := range a.pay.AllDeliveries() {
		kind := "payment"
		if r.OutRefundNo != "" {
			kind = "refund"
		}
		j := consoleDeliveryJSON{at: r.At, seq: r.Seq, Kind: kind, OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo, deliveryJSON: deliveriesToJSON([]notify.Delivery{r.Delivery})[0]}
		if !r.NextRetryAt.IsZero() {
			j.NextRetryAt = r.NextRetryAt.UTC().Format(time.RFC3339Nano)
		}
		items = append(items, j)
	}
	// Ties (Config.Now may stand still in tests) go by notification id,
	// then by the order recorded.
	slices.SortFunc(items, func(a, b consoleDeliveryJSON) int {
		return cmp.Or(b.at.Compare(a.at), cmp.Compare(a.NotificationID, b.NotificationID), cmp.Compare(b.seq, a.seq))
	})
	items = items[:min(len(items), maxListed)]
	if items == nil {
		items = []consoleDeliveryJSON{}
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}
