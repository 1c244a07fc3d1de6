package notify

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// DefaultRetrySchedule returns WeChat's documented waits between
// notification attempts (24h4m in all): a fresh slice, safe to edit.
func DefaultRetrySchedule() []time.Duration {
	return []time.Duration{
		15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute,
		10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 30 * time.Minute,
		30 * time.Minute, 60 * time.Minute, 3 * time.Hour, 3 * time.Hour,
		3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
	}
}

// defaultNotifyTimeout bounds one notification attempt when PayConfig
// brings no HTTPClient. A merchant that takes longer is retried.
const defaultNotifyTimeout = 10 * time.Second

// Config is how a Notifier delivers: PayConfig's RetrySchedule, TimeScale
// and HTTPClient (see there), and what it works with.
type Config struct {
	RetrySchedule []time.Duration
	TimeScale     float64
	HTTPClient    *http.Client
	Keys          wxshared.PayKeys
	Signer        *wxshared.Signer
	Faults        *wxshared.Faults
	Background    *wxshared.Background
	Now           func() time.Time
}

// Notifier delivers payment and refund notifications. mu is the pay side's:
// it guards the logs attempts are recorded in.
type Notifier struct {
	keys      wxshared.PayKeys
	signer    *wxshared.Signer
	faults    *wxshared.Faults
	bg        *wxshared.Background
	now       func() time.Time
	schedule  []time.Duration
	timeScale float64
	client    *http.Client
	ownClient bool // client was made here, and is closed by CloseIdleConnections
	mu        *sync.Mutex
}

// New validates cfg's schedule and returns a Notifier recording attempts
// under mu.
func New(cfg Config, mu *sync.Mutex) (*Notifier, error) {
	e := &Notifier{
		keys: cfg.Keys, signer: cfg.Signer, faults: cfg.Faults, bg: cfg.Background, now: cfg.Now,
		schedule: append([]time.Duration(nil), cfg.RetrySchedule...), timeScale: cfg.TimeScale,
		client: cfg.HTTPClient, mu: mu,
	}
	if len(e.schedule) == 0 {
		e.schedule = DefaultRetrySchedule()
	}
	for _, d := range e.schedule {
		if d < 0 {
			return nil, fmt.Errorf("RetrySchedule has a negative wait %s", d)
		}
	}
	switch {
	case e.timeScale == 0:
		e.timeScale = 1
	case e.timeScale < 0 || math.IsNaN(e.timeScale) || math.IsInf(e.timeScale, 0):
		return nil, fmt.Errorf("TimeScale must be a positive number, got %v", cfg.TimeScale)
	}
	if e.client == nil {
		// Its own transport, so that Close can drop its idle connections
		// without touching anyone else's.
		e.ownClient = true
		e.client = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			Timeout:   defaultNotifyTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return e, nil
}

// Scale is d in real time: scaled by PayConfig.TimeScale, as every wait of
// the schedule is.
func (e *Notifier) Scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * e.timeScale)
}

// CloseIdleConnections closes the idle connections of the notification
// client, if the Notifier made it.
func (e *Notifier) CloseIdleConnections() {
	if e.ownClient {
		e.client.CloseIdleConnections()
	}
}

// NextRetryLocked says when the attempt after log[i] is due, if one will
// be made: log[i] is a failed scheduled attempt (not a probe, not Final)
// and no later record of the same run has a higher attempt number yet.
// The first delivery's attempts are the records without Duplicate; a
// re-send's are all marked Duplicate, like the extra copies a
// Fault.Duplicate sends, which Delivery cannot tell apart from them: a
// failed extra copy (rare: it takes a Duplicate fault and a failing
// merchant) may show a retry that only its re-send would make.
func (e *Notifier) NextRetryLocked(log []Delivery, i int) (time.Time, bool) {
	d := log[i]
	if d.Final || d.Probe || d.Attempt < 1 || d.Attempt > len(e.schedule) || taken(d.Status) {
		return time.Time{}, false
	}
	for _, later := range log[i+1:] {
		if later.NotificationID == d.NotificationID && later.Duplicate == d.Duplicate && !later.Probe && later.Attempt > d.Attempt {
			return time.Time{}, false
		}
	}
	wait := e.Scale(e.schedule[d.Attempt-1])
	return d.At.Add(wait), true
}
