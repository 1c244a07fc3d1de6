package emulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// Delivering notifications the way WeChat does: POST to notify_url; a 200
// or 204 ends it; anything else, a transport error or a timeout means a
// retry after the next wait of the schedule; after the last, WeChat gives
// up and the merchant must find out by querying. Every attempt of one
// event carries the same notification id. Payment and refund notifications
// are delivered alike; each kind has its own fault endpoint (Notify,
// RefundNotify) and its own record of attempts. Deliveries and refund
// completions are the emulator's only background work: they run on
// goroutines that Close cancels and waits for.

// maxNotifyAnswer bounds how much of a merchant's answer is read: WeChat
// only looks at the status.
const maxNotifyAnswer = 64 << 10

// delivery is one run of attempts for an event.
type delivery struct {
	log    *[]Delivery // the transaction's or refund's attempts, guarded by e.mu
	url    string
	ev     *event
	fault  Fault // zero if none was queued
	resend bool  // a duplicate push asked for over the control API
}

// startDeliveryLocked takes a queued fault of ep (Notify or RefundNotify),
// if any, and delivers ev to url in the background, recording each attempt
// in *log. The caller holds e.mu. It reports false if the emulator is
// closed and nothing will be sent.
func (e *Emulator) startDeliveryLocked(ep Endpoint, url string, log *[]Delivery, ev *event, resend bool) bool {
	f, _ := e.takeFaultLocked(ep)
	d := delivery{log: log, url: url, ev: ev, fault: f, resend: resend}
	return e.goLocked(func() { e.deliver(d) })
}

func (e *Emulator) deliver(d delivery) {
	ctx := e.stopped
	if d.fault.SignTest {
		e.record(d, e.send(ctx, d, sendOpts{probe: true}))
	}
	duplicatesLeft := d.fault.Duplicate
	for attempt := 1; ; attempt++ {
		if !sleep(ctx, d.fault.Delay) {
			return
		}
		last := attempt > len(e.pay.schedule)
		var ok bool
		if attempt <= d.fault.Drop {
			e.record(d, Delivery{Attempt: attempt, At: e.now(), Err: "dropped", Final: last})
		} else {
			var copies sync.WaitGroup
			for range duplicatesLeft {
				copies.Go(func() { e.record(d, e.send(ctx, d, sendOpts{attempt: attempt, duplicate: true})) })
			}
			duplicatesLeft = 0
			rec := e.send(ctx, d, sendOpts{attempt: attempt, last: last})
			copies.Wait() // so that a Final record is always the last of its delivery
			e.record(d, rec)
			ok = taken(rec.Status)
		}
		if ok || last || ctx.Err() != nil {
			return
		}
		wait := time.Duration(float64(e.pay.schedule[attempt-1]) * e.pay.timeScale)
		if !sleep(ctx, wait) {
			return // closed: a pending retry is simply not made
		}
	}
}

type sendOpts struct {
	attempt   int
	last      bool // no retry follows a failure
	duplicate bool // an extra copy: its answer decides nothing
	probe     bool // a SIGNTEST probe
}

// send makes one attempt and returns its record.
func (e *Emulator) send(ctx context.Context, d delivery, o sendOpts) Delivery {
	sig := e.currentSignature()
	sig.test = o.probe
	rec := Delivery{Attempt: o.attempt, At: sig.at, Duplicate: o.duplicate || d.resend, Probe: o.probe}
	h, body, err := d.ev.seal(e.pay.keys.APIv3Key, sig)
	if err == nil {
		rec.Status, err = e.post(ctx, d.url, h, body)
	}
	if err != nil {
		rec.Err = err.Error()
	}
	if !o.duplicate && !o.probe {
		rec.Final = taken(rec.Status) || o.last || ctx.Err() != nil
	}
	return rec
}

// taken: WeChat counts only 200 and 204 as received (a 200 carrying
// {"code":"FAIL"} too); every other status is retried.
func taken(status int) bool { return status == http.StatusOK || status == http.StatusNoContent }

func (e *Emulator) post(ctx context.Context, url string, h http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = h
	req.Header.Set("User-Agent", "Mozilla/4.0") // what merchants report WeChat's notifier sends
	resp, err := e.pay.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxNotifyAnswer))
	return resp.StatusCode, nil
}

func (e *Emulator) record(d delivery, rec Delivery) {
	rec.NotificationID = d.ev.id
	e.mu.Lock()
	defer e.mu.Unlock()
	*d.log = append(*d.log, rec)
}

// ResendNotification pushes the payment notification of a paid transaction
// again now, with the same notification id, as WeChat sometimes does. Its
// attempts are recorded with Duplicate set; it retries like any delivery.
// It is what POST /emulator/transactions/{no}/notify does.
func (e *Emulator) ResendNotification(outTradeNo string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pay == nil {
		return ErrPayDisabled
	}
	t, ok := e.pay.txns[outTradeNo]
	switch {
	case !ok:
		return ErrNoTransaction
	case t.paid == nil:
		return ErrNotPaid
	case !e.startDeliveryLocked(Notify, t.notifyURL, &t.deliveries, t.paid, true):
		return ErrClosed
	}
	return nil
}
