package subscribe

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Limits.
const (
	// MaxPerRequest is how many template ids one wx.requestSubscribeMessage
	// takes (the current doc says 5; older copies 3, which a mini-program
	// should keep to).
	MaxPerRequest = 5
	// MaxFields is how many keywords a template may have here.
	MaxFields = 10
	// maxMessages is how many delivered messages are kept, the oldest
	// dropped first; maxListed bounds a listing.
	maxMessages  = 1000
	maxTemplates = 200
)

// What wx.requestSubscribeMessage answers for each template id.
const (
	Accept          = "accept"
	AcceptWithAudio = "acceptWithAudio" // a voice template: an accept
	Reject          = "reject"
	Ban             = "ban"    // the template is banned by WeChat
	Filter          = "filter" // filtered: its title collides with another's
)

// The fail errCodes of wx.requestSubscribeMessage that the control side
// plays (§13).
const (
	ErrCodeEmpty      = 10001 // no template id
	ErrCodeNoTemplate = 20001 // a template id the mini-program does not have
	ErrCodeMixed      = 20002 // one-time and long-term ids together
	ErrCodeTooMany    = 20003 // more than MaxPerRequest ids
)

// RequestError is wx.requestSubscribeMessage failing: nothing is
// recorded.
type RequestError struct {
	ErrCode int
	Msg     string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("emulator: requestSubscribeMessage:fail %s (errCode %d)", e.Msg, e.ErrCode)
}

// Errors of the control side.
var (
	ErrBadTemplate = errors.New("emulator: invalid subscribe template")
	ErrBadResult   = fmt.Errorf("emulator: a result is %q, %q, %q, %q or %q", Accept, AcceptWithAudio, Reject, Ban, Filter)
)

// Config is the mini-program's subscribe messages.
type Config struct {
	// Templates are the templates the mini-program has picked (their ids
	// are what wx.requestSubscribeMessage and send take); more can be
	// declared at run time (DeclareTemplate).
	Templates []Template
	// Pages, if set, are the pages of the released version: a send to
	// the formal version (miniprogram_state formal, the default) whose
	// page is not one of them answers 41030. Unset, any page goes.
	Pages []string
}

// Template is a subscribe message template of the mini-program.
type Template struct {
	// ID is the template id (priTmplId), 1 to 64 letters, digits, - or
	// _; "" declares one with a fresh id like WeChat's (43 characters).
	ID string
	// Title is what the phone shows above the fields (订单发货提醒).
	Title string
	// Fields are the keywords by key, each key its type's prefix and a
	// number (thing1, amount2, character_string3), each value the name
	// the phone shows (商品名称).
	Fields map[string]string
	// Enums are the values each enum key takes (enum3: 已发货, 已签收).
	Enums map[string][]string
	// LongTerm is a long-term subscription (长期订阅, public-service
	// categories only): once accepted, any number of sends.
	LongTerm bool
}

// Field is one field of a delivered message, as the phone shows it.
type Field struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is a delivered subscribe message: what the user's phone shows.
type Message struct {
	ID               string    `json:"id"`
	User             string    `json:"user"`
	OpenID           string    `json:"openid"`
	TemplateID       string    `json:"template_id"`
	Title            string    `json:"title"`
	Fields           []Field   `json:"fields"`
	Page             string    `json:"page,omitempty"`
	MiniprogramState string    `json:"miniprogram_state"`
	Lang             string    `json:"lang"`
	SentAt           time.Time `json:"sent_at"`
}

// Subscription is one user's subscription to one template.
type Subscription struct {
	User, OpenID string
	TemplateID   string
	Title        string
	LongTerm     bool
	// Remaining is how many sends the accepts left (one-time templates);
	// a long-term template allows any number while its last result is an
	// accept.
	Remaining int
	// Accepted, Rejected and Sent count the accepts, the other results and
	// the messages delivered.
	Accepted, Rejected, Sent int
	LastResult               string // "" before the first
	LastAt                   time.Time
}

// CanSend says whether a send would be taken now.
func (s Subscription) CanSend() bool {
	if s.LongTerm {
		return isAccept(s.LastResult)
	}
	return s.Remaining > 0
}

func isAccept(result string) bool { return result == Accept || result == AcceptWithAudio }

// Users is what the subscribe side reads of the test users (package
// login).
type Users interface {
	EnsureUser(name string) (login.TestUser, error)
	User(name string) (login.TestUser, bool)
	UserByOpenID(openID string) (login.TestUser, bool)
}

// record is what the side keeps of one (user, template).
type record struct {
	openID                   string
	remaining                int
	accepted, rejected, sent int
	lastResult               string
	lastAt                   time.Time
}

// Server is the subscribe message side of an Emulator.
type Server struct {
	now        func() time.Time
	api        wxshared.ErrcodeAPI
	checkToken wxshared.TokenCheck
	users      Users
	pages      map[string]bool // nil: any page

	mu        sync.Mutex
	templates map[string]*Template
	configIDs map[string]bool               // declared in Config: not kept in the state file
	subs      map[string]map[string]*record // by user name, then template id
	messages  []Message                     // oldest first
}

// New returns the subscribe side with cfg's templates.
func New(cfg Config, now func() time.Time, faults *wxshared.Faults, checkToken wxshared.TokenCheck, users Users) (*Server, error) {
	e := &Server{
		now: now, checkToken: checkToken, users: users,
		api:       wxshared.ErrcodeAPI{Now: now, Faults: faults, RIDSep: wxshared.RIDSpace},
		templates: make(map[string]*Template),
		configIDs: make(map[string]bool),
		subs:      make(map[string]map[string]*record),
	}
	for _, t := range cfg.Templates {
		if t.ID == "" {
			return nil, fmt.Errorf("%w: a template of Config has no ID", ErrBadTemplate)
		}
		if e.configIDs[t.ID] {
			return nil, fmt.Errorf("%w: template %q twice", ErrBadTemplate, t.ID)
		}
		if _, err := e.DeclareTemplate(t); err != nil {
			return nil, err
		}
		e.configIDs[t.ID] = true
	}
	if cfg.Pages != nil {
		e.pages = make(map[string]bool, len(cfg.Pages))
		for _, p := range cfg.Pages {
			e.pages[pagePath(p)] = true
		}
	}
	return e, nil
}

// pagePath is a page without its query and leading slash.
func pagePath(page string) string {
	page, _, _ = strings.Cut(page, "?")
	return strings.TrimPrefix(page, "/")
}

var templateIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// keys are t's keys in the order the phone shows them: by their number.
func (t *Template) keys() []string {
	ks := slices.Collect(maps.Keys(t.Fields))
	slices.SortFunc(ks, func(a, b string) int { return cmp.Or(cmp.Compare(keyIndex(a), keyIndex(b)), cmp.Compare(a, b)) })
	return ks
}

func (t *Template) clone() Template {
	c := *t
	c.Fields = maps.Clone(t.Fields)
	c.Enums = make(map[string][]string, len(t.Enums))
	for k, v := range t.Enums {
		c.Enums[k] = slices.Clone(v)
	}
	if len(c.Enums) == 0 {
		c.Enums = nil
	}
	return c
}

func badTemplate(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadTemplate, fmt.Sprintf(format, args...))
}

// validate checks a template as declared.
func validate(t Template) error {
	switch {
	case !templateIDPattern.MatchString(t.ID):
		return badTemplate("id %q must be 1 to 64 letters, digits, - or _", t.ID)
	case t.Title == "" || utf8.RuneCountInString(t.Title) > 32 || !utf8.ValidString(t.Title):
		return badTemplate("title must be 1 to 32 characters")
	case len(t.Fields) == 0 || len(t.Fields) > MaxFields:
		return badTemplate("a template has 1 to %d fields", MaxFields)
	}
	for key, name := range t.Fields {
		typ, ok := KeyType(key)
		switch {
		case !ok:
			return badTemplate("field %q is not a key type (%s) followed by its number", key, strings.Join(KeyTypes, ", "))
		case name == "" || utf8.RuneCountInString(name) > 20 || !utf8.ValidString(name):
			return badTemplate("field %q needs a name of 1 to 20 characters", key)
		case typ == TypeEnum && len(t.Enums[key]) == 0:
			return badTemplate("enum field %q needs its values in enums", key)
		}
	}
	for key, values := range t.Enums {
		if typ, _ := KeyType(key); t.Fields[key] == "" || typ != TypeEnum {
			return badTemplate("enums names %q, which is not an enum field of the template", key)
		}
		for _, v := range values {
			if v == "" || utf8.RuneCountInString(v) > 20 || !utf8.ValidString(v) {
				return badTemplate("the values of %q are 1 to 20 characters", key)
			}
		}
	}
	return nil
}

// DeclareTemplate adds a template to the mini-program's, or replaces the
// one with its ID (the subscriptions to it stay); an empty ID gets a
// fresh one. It is what POST /emulator/subscribe-templates does.
func (e *Server) DeclareTemplate(t Template) (Template, error) {
	if t.ID == "" {
		t.ID = base64.RawURLEncoding.EncodeToString(wxshared.RandomBytes(32))[:43]
	}
	if err := validate(t); err != nil {
		return Template{}, err
	}
	c := t.clone()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.templates[t.ID] == nil && len(e.templates) >= maxTemplates {
		return Template{}, badTemplate("the mini-program has %d templates already", maxTemplates)
	}
	e.templates[t.ID] = &c
	delete(e.configIDs, t.ID) // declared at run time: kept in the state
	return c.clone(), nil
}

// Templates returns the mini-program's templates by id.
func (e *Server) Templates() []Template {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Template, 0, len(e.templates))
	for _, id := range slices.Sorted(maps.Keys(e.templates)) {
		out = append(out, e.templates[id].clone())
	}
	return out
}

// Subscribe records what wx.requestSubscribeMessage gave for the named
// test user (created on first use): results by template id, each accept
// allowing one more send of a one-time template. A call WeChat would fail
// records nothing and returns a *RequestError with the fail errCode.
// It is what POST /emulator/subscriptions does, and returns the user's
// subscriptions to the templates named.
func (e *Server) Subscribe(user string, results map[string]string) ([]Subscription, error) {
	u, err := e.users.EnsureUser(user)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if !isAccept(r) && r != Reject && r != Ban && r != Filter {
			return nil, ErrBadResult
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case len(results) == 0:
		return nil, &RequestError{ErrCodeEmpty, "TmplIds can't be empty"}
	case len(results) > MaxPerRequest:
		return nil, &RequestError{ErrCodeTooMany, fmt.Sprintf("at most %d template ids", MaxPerRequest)}
	}
	var longTerm, oneTime bool
	for _, id := range slices.Sorted(maps.Keys(results)) {
		t := e.templates[id]
		if t == nil {
			return nil, &RequestError{ErrCodeNoTemplate, fmt.Sprintf("template %q not found", id)}
		}
		longTerm, oneTime = longTerm || t.LongTerm, oneTime || !t.LongTerm
	}
	if longTerm && oneTime {
		return nil, &RequestError{ErrCodeMixed, "one-time and long-term template ids cannot be mixed"}
	}
	now := e.now()
	byTemplate := e.subs[u.Name]
	if byTemplate == nil {
		byTemplate = make(map[string]*record)
		e.subs[u.Name] = byTemplate
	}
	out := make([]Subscription, 0, len(results))
	for _, id := range slices.Sorted(maps.Keys(results)) {
		rec := byTemplate[id]
		if rec == nil {
			rec = &record{openID: u.OpenID}
			byTemplate[id] = rec
		}
		result := results[id]
		if isAccept(result) {
			rec.accepted++
			rec.remaining++
		} else {
			rec.rejected++
		}
		rec.lastResult, rec.lastAt = result, now
		out = append(out, e.viewLocked(u.Name, u.OpenID, id, rec))
	}
	return out, nil
}

// viewLocked is a subscription as the control API shows it; rec may be
// nil (nothing yet).
func (e *Server) viewLocked(user, openID, id string, rec *record) Subscription {
	s := Subscription{User: user, OpenID: openID, TemplateID: id}
	if t := e.templates[id]; t != nil {
		s.Title, s.LongTerm = t.Title, t.LongTerm
	}
	if rec != nil {
		s.Remaining, s.Accepted, s.Rejected, s.Sent, s.LastResult, s.LastAt =
			rec.remaining, rec.accepted, rec.rejected, rec.sent, rec.lastResult, rec.lastAt
		if s.LongTerm {
			s.Remaining = 0
		}
	}
	return s
}

// Subscriptions returns the named user's subscription to every template
// (zeros where nothing was recorded), or with user "" every recorded
// subscription, by user and template id.
func (e *Server) Subscriptions(user string) []Subscription {
	var openID string
	if user != "" {
		u, ok := e.users.User(user)
		if !ok {
			return []Subscription{}
		}
		openID = u.OpenID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []Subscription{}
	if user != "" {
		for _, id := range slices.Sorted(maps.Keys(e.templates)) {
			out = append(out, e.viewLocked(user, openID, id, e.subs[user][id]))
		}
		return out
	}
	for _, name := range slices.Sorted(maps.Keys(e.subs)) {
		for _, id := range slices.Sorted(maps.Keys(e.subs[name])) {
			rec := e.subs[name][id]
			out = append(out, e.viewLocked(name, rec.openID, id, rec))
		}
	}
	return out
}

// Messages returns the messages delivered to the named user ("" every
// user), the latest first, at most limit (0: all).
func (e *Server) Messages(user string, limit int) []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []Message{}
	for i := len(e.messages) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		if m := e.messages[i]; user == "" || m.User == user {
			m.Fields = slices.Clone(m.Fields)
			out = append(out, m)
		}
	}
	return out
}

// Keys are t's keys in the order the phone shows them: by their number.
func Keys(t Template) []string { return t.keys() }
