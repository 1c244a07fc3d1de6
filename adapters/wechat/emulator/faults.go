package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Endpoint names a WeChat endpoint that faults can target.
type Endpoint string

const (
	JSCode2Session Endpoint = "jscode2session" // GET /sns/jscode2session
	StableToken    Endpoint = "stable_token"   // POST /cgi-bin/stable_token
	CheckSession   Endpoint = "checksession"   // GET /wxa/checksession
)

func (ep Endpoint) valid() bool {
	switch ep {
	case JSCode2Session, StableToken, CheckSession:
		return true
	}
	return false
}

// MaxFaultDelay bounds Fault.Delay: long enough to trip any client timeout,
// short enough that a typo does not park a request for a day.
const MaxFaultDelay = 10 * time.Minute

// Fault makes the next Times calls of Endpoint misbehave the way WeChat or
// the network between does. Fields combine: the delay comes first, then the
// HTTP status or errcode is answered instead of the real response.
type Fault struct {
	Endpoint Endpoint
	// ErrCode, if not zero, is answered (HTTP 200, like WeChat) instead of
	// doing the call's work: a login code stays unused. Typical values: -1
	// (system error, retryable), 45011 (minute quota), 40226 (high risk user).
	ErrCode int
	// ErrMsg overrides WeChat's message for ErrCode; a rid is appended.
	ErrMsg string
	// Delay holds the answer back, in real time whatever Config.Now says.
	// If the client goes away first, the call is dropped without effect.
	Delay time.Duration
	// HTTPStatus, if not zero, answers with that status and, unless ErrCode
	// is set too, an HTML page like a gateway's. 200 gives a 200 with an
	// undecodable body, like a captive portal or a misrouted proxy.
	HTTPStatus int
	// Times is how many calls the fault affects; zero means once.
	Times int
}

func (f Fault) validate() error {
	switch {
	case !f.Endpoint.valid():
		return fmt.Errorf("unknown endpoint %q: use %q, %q or %q", f.Endpoint, JSCode2Session, StableToken, CheckSession)
	case f.ErrCode == 0 && f.Delay == 0 && f.HTTPStatus == 0:
		return errors.New("fault does nothing: set errcode, delay or http_status")
	case f.Delay < 0 || f.Delay > MaxFaultDelay:
		return fmt.Errorf("delay must be between 0 and %s", MaxFaultDelay)
	case f.HTTPStatus != 0 && (f.HTTPStatus < 200 || f.HTTPStatus > 599):
		return fmt.Errorf("http_status %d is not between 200 and 599", f.HTTPStatus)
	case f.Times < 0:
		return errors.New("times must not be negative")
	case len(f.ErrMsg) > 512:
		return errors.New("errmsg is longer than 512 bytes")
	}
	return nil
}

// InjectFault queues f behind any faults already queued for its endpoint.
// It is what POST /emulator/faults does, and refuses the same faults.
func (e *Emulator) InjectFault(f Fault) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if f.Times == 0 {
		f.Times = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[f.Endpoint] = append(e.faults[f.Endpoint], &f)
	return nil
}

// ClearFaults drops every queued fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.faults)
}

// takeFault consumes one call's worth of the first fault queued for ep.
func (e *Emulator) takeFault(ep Endpoint) (Fault, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	queue := e.faults[ep]
	if len(queue) == 0 {
		return Fault{}, false
	}
	f := queue[0]
	f.Times--
	if f.Times == 0 {
		e.faults[ep] = queue[1:]
	}
	return *f, true
}

// applyFault plays the next fault for ep, if any, and reports whether the
// handler should go on to do the real work. It never holds the lock while
// waiting, so a delayed call does not stall the others.
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, ep Endpoint, contentType string) bool {
	f, ok := e.takeFault(ep)
	if !ok {
		return true
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false // the client gave up; nobody is left to answer
		}
	}
	switch {
	case f.HTTPStatus != 0 && f.ErrCode == 0:
		writeGatewayPage(w, f.HTTPStatus)
	case f.ErrCode != 0:
		status := http.StatusOK
		if f.HTTPStatus != 0 {
			status = f.HTTPStatus
		}
		msg := f.ErrMsg
		if msg == "" {
			msg = wellKnownErrMsg(f.ErrCode)
		}
		writeJSON(w, status, contentType, wechatError{ErrCode: f.ErrCode, ErrMsg: msg + ", rid: " + e.rid()})
	default:
		return true // a pure delay: answer normally, only late
	}
	return false
}

// wellKnownErrMsg gives WeChat's wording for the errcodes tests inject most.
func wellKnownErrMsg(code int) string {
	switch code {
	case errSystem:
		return "system error"
	case errMinuteQuota:
		return "api minute-quota reach limit"
	case errHighRiskUser:
		return "high risk user"
	case errInvalidCode:
		return "invalid code"
	case errCodeUsed:
		return "code been used"
	case errInvalidToken:
		return "invalid credential"
	case errInvalidSig:
		return "invalid signature"
	}
	return "emulated fault"
}

// writeGatewayPage answers like the nginx in front of an API does when the
// API is not there: HTML, which a JSON client cannot decode.
func writeGatewayPage(w http.ResponseWriter, status int) {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", title, title)
}
