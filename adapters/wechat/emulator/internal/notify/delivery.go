package notify

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
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

// Delivery is one notification attempt.
type Delivery struct {
	NotificationID string
	Attempt        int // 1 for the first try, 2 for the first retry...; 0 for a SIGNTEST probe
	At             time.Time
	Status         int    // HTTP status, 0 on transport error or a dropped attempt
	Err            string // transport error, "dropped", or empty
	Duplicate      bool   // an extra copy (Fault.Duplicate), or an attempt of a re-send
	Probe          bool   // a WECHATPAY/SIGNTEST/ probe, which must be refused
	// Final says no further attempt will follow for this delivery: it
	// succeeded, the schedule is exhausted (the merchant now has to find
	// out by querying), or Close cut it short. It is the last record of
	// its delivery; Fault.Duplicate copies and probes are never Final.
	Final bool
}

// delivery is one run of attempts for an event.
type delivery struct {
	log    *[]Delivery // the transaction's or refund's attempts, guarded by e.mu
	url    string
	ev     *Event
	fault  wxshared.Fault // zero if none was queued
	resend bool           // a duplicate push asked for over the control API
}

// Start takes a queued fault of ep (Notify or RefundNotify), if any, and
// delivers ev to url in the background, recording each attempt in *log
// under e.mu. The caller may hold e.mu: Start itself only takes the fault
// queue's and the background's locks. It reports false if the emulator is
// closed and nothing will be sent.
func (e *Notifier) Start(ep wxshared.Endpoint, url string, log *[]Delivery, ev *Event, resend bool) bool {
	f, _ := e.faults.Take(ep)
	d := delivery{log: log, url: url, ev: ev, fault: f, resend: resend}
	return e.bg.Go(func() { e.deliver(d) })
}

func (e *Notifier) deliver(d delivery) {
	ctx := e.bg.Stopped()
	if d.fault.SignTest {
		e.record(d, e.send(ctx, d, sendOpts{probe: true}))
	}
	duplicatesLeft := d.fault.Duplicate
	for attempt := 1; ; attempt++ {
		if !wxshared.Sleep(ctx, d.fault.Delay) {
			return
		}
		last := attempt > len(e.schedule)
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
		wait := e.Scale(e.schedule[attempt-1])
		if !wxshared.Sleep(ctx, wait) {
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
func (e *Notifier) send(ctx context.Context, d delivery, o sendOpts) Delivery {
	sig := e.signer.Current()
	sig.Test = o.probe
	rec := Delivery{Attempt: o.attempt, At: sig.At, Duplicate: o.duplicate || d.resend, Probe: o.probe}
	h, body, err := d.ev.seal(e.keys.APIv3Key, sig)
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

func (e *Notifier) post(ctx context.Context, url string, h http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = h
	req.Header.Set("User-Agent", "Mozilla/4.0") // what merchants report WeChat's notifier sends
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxNotifyAnswer))
	return resp.StatusCode, nil
}

func (e *Notifier) record(d delivery, rec Delivery) {
	rec.NotificationID = d.ev.ID
	e.mu.Lock()
	defer e.mu.Unlock()
	*d.log = append(*d.log, rec)
}
