package push

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// WeChat's delivery of a push (§17): it waits 5 s for an answer and tries
// again 3 times, 5 s apart.
const (
	DefaultRetryWait = 5 * time.Second
	Retries          = 3
	answerTimeout    = 5 * time.Second
	// maxAnswer bounds what is read and kept of the server's answer.
	maxAnswer = 256
)

// Config is the message push configuration of the mini-program's admin
// console: where WeChat pushes, in safe mode and the JSON format.
type Config struct {
	// URL is the mini-program's server: http or https (real WeChat wants
	// port 80 or 443; make run's service has neither).
	URL string
	// Token is the console's 令牌: 3 to 32 letters and digits.
	Token string
	// EncodingAESKey is the console's 消息加密密钥: 43 letters and digits.
	EncodingAESKey string
	// AppID ends every sealed message; empty means the emulator's AppID.
	AppID string
	// OriginalID is ToUserName, the mini-program's original id (gh_...);
	// empty means one derived from the AppID.
	OriginalID string
	// HTTPClient sends the pushes; nil means a client with WeChat's 5 s
	// timeout that does not follow redirects.
	HTTPClient *http.Client
}

// Errors of the push methods.
var (
	ErrNotConfigured = errors.New("emulator: no message push is configured (Config.Push is nil)")
)

// Message is what a part of the emulator wants pushed: an event and its
// own fields, besides the ones every push carries (ToUserName,
// FromUserName, CreateTime, MsgType).
type Message struct {
	Event         string
	TransactionID string // what the event is about, for the record; may be empty
	Fields        map[string]any
}

// Attempt is one try at delivering a push.
type Attempt struct {
	PushID        string    `json:"push_id"` // the same for every attempt of one push
	Event         string    `json:"event"`
	TransactionID string    `json:"transaction_id,omitempty"`
	Message       string    `json:"message"` // the plaintext JSON that was sealed
	Attempt       int       `json:"attempt"` // 1 for the first try, 2 for the first retry...
	At            time.Time `json:"at"`
	Status        int       `json:"status"`           // the server's HTTP status; 0 for a transport error
	Answer        string    `json:"answer,omitempty"` // the start of the server's body
	Err           string    `json:"error,omitempty"`
	Delivered     bool      `json:"delivered"` // a 2xx with "success" or an empty body
	// Final: no further attempt follows (delivered, the retries are
	// spent, or the emulator closed).
	Final bool `json:"final"`
}

// Server pushes the mini-program's messages to its server.
type Server struct {
	cfg          Config
	key          []byte
	systemOpenID string // FromUserName: the openid of WeChat's system account
	now          func() time.Time
	bg           *wxshared.Background
	client       *http.Client
	ownClient    bool
	retryWait    time.Duration // scaled

	mu  sync.Mutex
	log []Attempt // every attempt, in the order they completed
}

// New validates cfg and returns a push server for the mini-program appID;
// retryWait is DefaultRetryWait scaled by the emulator's TimeScale.
func New(cfg Config, appID string, now func() time.Time, bg *wxshared.Background, retryWait time.Duration) (*Server, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("URL %q must be an http or https URL", cfg.URL)
	}
	if n := len(cfg.Token); n < 3 || n > 32 || strings.Trim(cfg.Token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return nil, errors.New("Token must be 3 to 32 letters and digits, as the admin console takes it")
	}
	key, err := AESKey(cfg.EncodingAESKey)
	if err != nil {
		return nil, err
	}
	cfg.AppID = cmp.Or(cfg.AppID, appID)
	if cfg.OriginalID == "" {
		sum := sha256.Sum256([]byte("wxmp-emulator-original-id|" + cfg.AppID))
		cfg.OriginalID = "gh_" + hex.EncodeToString(sum[:6])
	}
	sum := sha256.Sum256([]byte("wxmp-emulator-system-account|" + cfg.AppID))
	e := &Server{
		cfg: cfg, key: key, now: now, bg: bg, client: cfg.HTTPClient, retryWait: retryWait,
		systemOpenID: "o" + base64.RawURLEncoding.EncodeToString(sum[:])[:27],
	}
	if e.client == nil {
		e.ownClient = true
		e.client = &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			Timeout:       answerTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return e, nil
}

// CloseIdleConnections closes the idle connections of the push client, if
// the server made it.
func (e *Server) CloseIdleConnections() {
	if e.ownClient {
		e.client.CloseIdleConnections()
	}
}

// OriginalID is the ToUserName of every push.
func (e *Server) OriginalID() string { return e.cfg.OriginalID }

// envelope is the body of a push in safe mode, JSON format.
type envelope struct {
	ToUserName string `json:"ToUserName"`
	Encrypt    string `json:"Encrypt"`
}

// Send pushes m in the background: the first attempt now, then the
// retries. It never blocks (callers hold their own locks) and reports
// false if the emulator is closed and nothing will be sent.
func (e *Server) Send(m Message) bool {
	now := e.now()
	fields := map[string]any{
		"ToUserName":   e.cfg.OriginalID,
		"FromUserName": e.systemOpenID,
		"CreateTime":   now.Unix(),
		"MsgType":      "event",
		"Event":        m.Event,
	}
	for k, v := range m.Fields {
		fields[k] = v
	}
	plain, err := json.Marshal(fields)
	if err != nil {
		panic(fmt.Sprintf("emulator: encode push: %v", err)) // the parts' own fields always encode
	}
	p := pending{id: "PUSH-" + now.In(wxshared.CST).Format("20060102150405") + wxshared.RandomDigits(10), msg: m, plain: plain}
	return e.bg.Go(func() { e.deliver(p) })
}

type pending struct {
	id    string
	msg   Message
	plain []byte
}

func (e *Server) deliver(p pending) {
	ctx := e.bg.Stopped()
	for attempt := 1; ; attempt++ {
		last := attempt > Retries
		rec := e.send(ctx, p, attempt)
		rec.Final = rec.Delivered || last || ctx.Err() != nil
		e.record(rec)
		if rec.Final || !wxshared.Sleep(ctx, e.retryWait) {
			return
		}
	}
}

// send makes one attempt, sealed afresh (a new timestamp, nonce and
// random prefix), and returns its record.
func (e *Server) send(ctx context.Context, p pending, attempt int) Attempt {
	at := e.now()
	rec := Attempt{PushID: p.id, Event: p.msg.Event, TransactionID: p.msg.TransactionID, Message: string(p.plain), Attempt: attempt, At: at}
	enc, err := Encrypt(e.key, e.cfg.AppID, p.plain)
	if err != nil {
		rec.Err = err.Error()
		return rec
	}
	ts, nonce := strconv.FormatInt(at.Unix(), 10), wxshared.RandomDigits(10)
	q := url.Values{
		"signature":     {Signature(e.cfg.Token, ts, nonce)},
		"timestamp":     {ts},
		"nonce":         {nonce},
		"encrypt_type":  {"aes"},
		"msg_signature": {Signature(e.cfg.Token, ts, nonce, enc)},
	}
	body, _ := json.Marshal(envelope{ToUserName: e.cfg.OriginalID, Encrypt: enc})
	status, answer, err := e.do(ctx, http.MethodPost, q, body)
	rec.Status, rec.Answer = status, answer
	if err != nil {
		rec.Err = err.Error()
	}
	rec.Delivered = err == nil && status >= 200 && status < 300 && (answer == "" || answer == "success")
	return rec
}

// do sends one request to the URL with q added to its query, and returns
// the status and the start of the answer, trimmed.
func (e *Server) do(ctx context.Context, method string, q url.Values, body []byte) (int, string, error) {
	u, _ := url.Parse(e.cfg.URL) // validated by New
	merged := u.Query()
	for k, v := range q {
		merged[k] = v
	}
	u.RawQuery = merged.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Mozilla/4.0")
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

func (e *Server) record(a Attempt) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, a)
}

// Attempts returns every push attempt so far, in the order they completed.
func (e *Server) Attempts() []Attempt {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Attempt(nil), e.log...)
}

// Verification is what the admin console saw when it checked the URL.
type Verification struct {
	URL     string    `json:"url"`
	At      time.Time `json:"at"`
	Echostr string    `json:"echostr"`
	Status  int       `json:"status"` // 0 for a transport error
	Answer  string    `json:"answer"`
	Err     string    `json:"error,omitempty"`
	// OK: HTTP 200 and the body is echostr (surrounding white space
	// aside), so the console would save the configuration.
	OK bool `json:"ok"`
}

// VerifyURL checks the URL as the admin console does when the push
// configuration is saved: a GET with signature (over the Token, timestamp
// and nonce), timestamp, nonce and echostr, which the server must answer
// with echostr alone. It is what POST /emulator/push/verify does.
func (e *Server) VerifyURL(ctx context.Context) Verification {
	at := e.now()
	ts, nonce, echo := strconv.FormatInt(at.Unix(), 10), wxshared.RandomDigits(10), wxshared.RandomDigits(19)
	q := url.Values{"signature": {Signature(e.cfg.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {echo}}
	status, answer, err := e.do(ctx, http.MethodGet, q, nil)
	v := Verification{URL: e.cfg.URL, At: at, Echostr: echo, Status: status, Answer: answer}
	if err != nil {
		v.Err = err.Error()
	}
	v.OK = err == nil && status == http.StatusOK && answer == echo
	return v
}

// State is what the push side keeps across a restart: every attempt. A
// push whose retries the stop cut short is not resumed.
type State struct {
	Attempts []Attempt `json:"attempts,omitempty"`
}

// State returns a copy of the attempts.
func (e *Server) State() State { return State{Attempts: e.Attempts()} }

// Restore takes the attempts of s, before anything is pushed.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.log) > 0 {
		return fmt.Errorf("restore: the push side already made %d attempts", len(e.log))
	}
	e.log = append([]Attempt(nil), s.Attempts...)
	return nil
}
