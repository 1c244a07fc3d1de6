package emulator

import (
	"cmp"
	"net/http"
	"slices"
	"time"
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

func (e *Emulator) getDeliveries(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	var items []consoleDeliveryJSON
	add := func(kind, outTradeNo, outRefundNo string, log []Delivery) {
		for i := range log {
			j := consoleDeliveryJSON{at: log[i].At, seq: i, Kind: kind, OutTradeNo: outTradeNo, OutRefundNo: outRefundNo, deliveryJSON: deliveriesToJSON(log[i : i+1])[0]}
			if next, ok := e.nextRetryLocked(log, i); ok {
				j.NextRetryAt = next.UTC().Format(time.RFC3339Nano)
			}
			items = append(items, j)
		}
	}
	for no, t := range e.pay.txns {
		add("payment", no, "", t.deliveries)
	}
	for no, r := range e.pay.refunds {
		add("refund", r.txn.outTradeNo, no, r.deliveries)
	}
	e.mu.Unlock()
	// Ties (Config.Now may stand still in tests) go by notification id,
	// then by the order recorded.
	slices.SortFunc(items, func(a, b consoleDeliveryJSON) int {
		return cmp.Or(b.at.Compare(a.at), cmp.Compare(a.NotificationID, b.NotificationID), cmp.Compare(b.seq, a.seq))
	})
	items = items[:min(len(items), maxListed)]
	if items == nil {
		items = []consoleDeliveryJSON{}
	}
	writeJSON(w, http.StatusOK, contentTypeJSON, map[string]any{"items": items})
}

// nextRetryLocked says when the attempt after log[i] is due, if one will
// be made: log[i] is a failed scheduled attempt (not a probe, not Final)
// and no later record of the same run has a higher attempt number yet.
// The first delivery's attempts are the records without Duplicate; a
// re-send's are all marked Duplicate, like the extra copies a
// Fault.Duplicate sends, which Delivery cannot tell apart from them: a
// failed extra copy (rare: it takes a Duplicate fault and a failing
// merchant) may show a retry that only its re-send would make.
func (e *Emulator) nextRetryLocked(log []Delivery, i int) (time.Time, bool) {
	d := log[i]
	if d.Final || d.Probe || d.Attempt < 1 || d.Attempt > len(e.pay.schedule) || taken(d.Status) {
		return time.Time{}, false
	}
	for _, later := range log[i+1:] {
		if later.NotificationID == d.NotificationID && later.Duplicate == d.Duplicate && !later.Probe && later.Attempt > d.Attempt {
			return time.Time{}, false
		}
	}
	wait := time.Duration(float64(e.pay.schedule[d.Attempt-1]) * e.pay.timeScale)
	return d.At.Add(wait), true
}
