package notify

import (
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

// Config is how a Notifier delivers, as PayConfig has validated it.
type Config struct {
	Keys       wxshared.PayKeys
	Signer     *wxshared.Signer
	Faults     *wxshared.Faults
	Background *wxshared.Background
	Now        func() time.Time
	Schedule   []time.Duration
	TimeScale  float64
	Client     *http.Client
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
	mu        *sync.Mutex
}

// New returns a Notifier recording attempts under mu.
func New(cfg Config, mu *sync.Mutex) *Notifier {
	return &Notifier{
		keys: cfg.Keys, signer: cfg.Signer, faults: cfg.Faults, bg: cfg.Background, now: cfg.Now,
		schedule: cfg.Schedule, timeScale: cfg.TimeScale, client: cfg.Client, mu: mu,
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
	wait := time.Duration(float64(e.schedule[d.Attempt-1]) * e.timeScale)
	return d.At.Add(wait), true
}
