package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func (f *fixture) postFault(t *testing.T, body string) {
	t.Helper()
	resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/faults", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST faults %s: HTTP %d: %s", body, resp.StatusCode, b)
	}
}

func TestFaultErrcodeForTimesCallsLeavesCodeUnused(t *testing.T) {
	f := start(t, emulator.Config{})
	c := f.mint(t, "alice")
	resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/faults", `{"endpoint":"jscode2session","errcode":-1,"times":2}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST faults: HTTP %d: %s", resp.StatusCode, b)
	}
	if echo := decode[map[string]any](t, b); echo["endpoint"] != "jscode2session" || echo["errcode"] != float64(-1) || echo["times"] != float64(2) {
		t.Fatalf("echo = %s", b)
	}
	for range 2 {
		wantErr(t, f.code2session(t, sessionQuery(c.Code)), -1, "system error")
	}
	f.login(t, c.Code)
}

func TestFaultsQueueInOrderPerEndpoint(t *testing.T) {
	f := start(t, emulator.Config{})
	f.postFault(t, `{"endpoint":"jscode2session","errcode":45011}`)
	f.postFault(t, `{"endpoint":"checksession","errcode":-1}`)
	if err := f.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSCode2Session, ErrCode: 40226}); err != nil {
		t.Fatal(err)
	}
	f.postFault(t, `{"endpoint":"stable_token","errcode":-1,"errmsg":"custom words"}`)
	c := f.mint(t, "alice")
	wantErr(t, f.code2session(t, sessionQuery(c.Code)), 45011, "api minute-quota reach limit")
	wantErr(t, f.code2session(t, sessionQuery(c.Code)), 40226, "high risk user")
	r := f.login(t, c.Code)

	tok, _, _ := f.wechat(t, http.MethodPost, "/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"`+testAppID+`","secret":"`+testSecret+`"}`)
	wantErr(t, tok, -1, "custom words")
	token := f.token(t, false).AccessToken
	wantErr(t, f.checkSession(t, token, r.OpenID, sign(r.SessionKey)), -1, "system error")
	if cs := f.checkSession(t, token, r.OpenID, sign(r.SessionKey)); cs.code() != 0 {
		t.Fatalf("checksession after its fault: %+v", cs)
	}
}

func TestFaultHTTPStatus(t *testing.T) {
	f := start(t, emulator.Config{})
	c := f.mint(t, "alice")
	f.postFault(t, `{"endpoint":"jscode2session","http_status":502}`)
	resp, b := do(t, http.MethodGet, f.srv.URL+"/sns/jscode2session?"+sessionQuery(c.Code).Encode(), "")
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "text/html" || !strings.Contains(string(b), "502 Bad Gateway") {
		t.Fatalf("HTTP %d %q: %s, want a gateway's 502 page", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}

	f.postFault(t, `{"endpoint":"jscode2session","http_status":200}`)
	resp, b = do(t, http.MethodGet, f.srv.URL+"/sns/jscode2session?"+sessionQuery(c.Code).Encode(), "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "<html>") {
		t.Fatalf("HTTP %d: %s, want a 200 HTML page", resp.StatusCode, b)
	}

	f.postFault(t, `{"endpoint":"jscode2session","http_status":503,"errcode":-1}`)
	resp, b = do(t, http.MethodGet, f.srv.URL+"/sns/jscode2session?"+sessionQuery(c.Code).Encode(), "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("HTTP %d, want 503", resp.StatusCode)
	}
	wantErr(t, decode[reply](t, b), -1, "system error")

	f.login(t, c.Code) // no fault used the code up
}

func TestFaultDelay(t *testing.T) {
	f := start(t, emulator.Config{})
	f.postFault(t, `{"endpoint":"jscode2session","delay_ms":20}`)
	f.login(t, f.mint(t, "alice").Code) // a pure delay answers normally

	f.postFault(t, `{"endpoint":"jscode2session","delay_ms":20,"errcode":-1}`)
	wantErr(t, f.code2session(t, sessionQuery("whatever")), -1, "system error")
}

func TestFaultDelayEndsWhenTheClientGoesAway(t *testing.T) {
	e, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	entered, returned := make(chan struct{}, 10), make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		e.Handler().ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	if err := e.InjectFault(emulator.Fault{Endpoint: emulator.JSCode2Session, Delay: time.Minute}); err != nil {
		t.Fatal(err)
	}
	c, err := e.MintCode("alice")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clientErr := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sns/jscode2session?"+sessionQuery(c.Code).Encode(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		clientErr <- err
	}()
	<-entered
	cancel()
	if err := <-clientErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v, want context.Canceled", err)
	}
	select {
	case <-returned:
	case <-time.After(10 * time.Second): // only a bound for "did not hang"
		t.Fatal("handler still waiting out its delay after the client left")
	}
	// The abandoned call did nothing: the code still logs in.
	resp, b := do(t, http.MethodGet, srv.URL+"/sns/jscode2session?"+sessionQuery(c.Code).Encode(), "")
	if r := decode[reply](t, b); resp.StatusCode != http.StatusOK || r.code() != 0 || r.OpenID != c.OpenID {
		t.Fatalf("login after abandoned call: HTTP %d %s", resp.StatusCode, b)
	}
}

func TestClearFaults(t *testing.T) {
	f := start(t, emulator.Config{})
	c := f.mint(t, "alice")
	f.postFault(t, `{"endpoint":"jscode2session","errcode":-1,"times":5}`)
	resp, b := do(t, http.MethodDelete, f.srv.URL+"/emulator/faults", "")
	if resp.StatusCode != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("DELETE faults: HTTP %d %q", resp.StatusCode, b)
	}
	f.login(t, c.Code)

	f.postFault(t, `{"endpoint":"jscode2session","errcode":-1}`)
	f.emu.ClearFaults()
	f.login(t, f.mint(t, "alice").Code)
}

func TestFaultValidation(t *testing.T) {
	f := start(t, emulator.Config{})
	for name, body := range map[string]string{
		"bad JSON":          `{"endpoint":`,
		"unknown endpoint":  `{"endpoint":"getuserphonenumber","errcode":-1}`,
		"no endpoint":       `{"errcode":-1}`,
		"does nothing":      `{"endpoint":"jscode2session"}`,
		"negative delay":    `{"endpoint":"jscode2session","delay_ms":-1}`,
		"delay too long":    `{"endpoint":"jscode2session","delay_ms":600001}`,
		"delay overflowing": `{"endpoint":"jscode2session","delay_ms":9223372036854775807}`,
		"status too big":    `{"endpoint":"jscode2session","http_status":700}`,
		"status too small":  `{"endpoint":"jscode2session","http_status":100}`,
		"negative times":    `{"endpoint":"jscode2session","errcode":-1,"times":-1}`,
		"unknown field":     `{"endpoint":"jscode2session","errcode":-1,"delay":5}`,
		"empty body":        ``,
	} {
		resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/faults", body)
		t.Run(name, func(t *testing.T) { controlError(t, resp, b, http.StatusBadRequest) })
	}
	if err := f.emu.InjectFault(emulator.Fault{Endpoint: "nope", ErrCode: -1}); err == nil {
		t.Fatal("InjectFault accepted an unknown endpoint")
	}
	// Nothing invalid was queued.
	f.login(t, f.mint(t, "alice").Code)
}

// call is do for goroutines other than the test's: it reports instead of
// calling t.Fatal.
func call(method, u, body string) (reply, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return reply{}, fmt.Errorf("%s %s: HTTP %d: %w", method, u, resp.StatusCode, err)
	}
	return r, nil
}

// exchange calls code2session until it gets past injected -1 faults, which
// leave the code unused.
func exchange(base, code string) (reply, error) {
	for {
		r, err := call(http.MethodGet, base+"/sns/jscode2session?"+sessionQuery(code).Encode(), "")
		if err != nil || r.code() != -1 {
			return r, err
		}
	}
}

// TestConcurrentUse hammers one emulator from many goroutines; run with
// -race. Every user's logins must all count, and a code raced by several
// clients must log in exactly once.
func TestConcurrentUse(t *testing.T) {
	f := start(t, emulator.Config{UnionID: true})
	const workers, rounds = 12, 15
	token := f.token(t, false).AccessToken
	base := f.srv.URL

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2+workers)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("user-%d", w)
			for i := range rounds {
				var code string
				if i%2 == 0 {
					c, err := f.emu.MintCode(name)
					if err != nil {
						errs <- err
						return
					}
					code = c.Code
				} else {
					resp, err := http.Post(base+"/emulator/login-codes", "application/json", strings.NewReader(`{"user":"`+name+`"}`))
					if err != nil {
						errs <- err
						return
					}
					var c struct{ Code string }
					err = json.NewDecoder(resp.Body).Decode(&c)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusCreated {
						errs <- fmt.Errorf("%s: mint over HTTP: %d %v", name, resp.StatusCode, err)
						return
					}
					code = c.Code
				}
				r, err := exchange(base, code)
				if err != nil || r.code() != 0 {
					errs <- fmt.Errorf("%s: code2session: %+v %v", name, r, err)
					return
				}
				q := "access_token=" + token + "&openid=" + r.OpenID + "&sig_method=hmac_sha256&signature=" + sign(r.SessionKey)
				if cs, err := call(http.MethodGet, base+"/wxa/checksession?"+q, ""); err != nil || cs.code() != 0 {
					errs <- fmt.Errorf("%s: checksession: %+v %v", name, cs, err)
				}
			}
		})
	}
	wg.Go(func() {
		body := `{"grant_type":"client_credential","appid":"` + testAppID + `","secret":"` + testSecret + `"}`
		for range 30 {
			_ = f.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSCode2Session, ErrCode: -1, Times: 2})
			if r, err := call(http.MethodPost, base+"/cgi-bin/stable_token", body); err != nil || r.AccessToken != token {
				errs <- fmt.Errorf("stable_token changed under load: %+v %v", r, err)
			}
			f.emu.ClearFaults()
		}
	})

	// Many clients racing for one code.
	contested := f.mint(t, "contested")
	results := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			r, err := exchange(base, contested.Code)
			if err != nil {
				errs <- err
				return
			}
			results <- r.code()
		})
	}
	wg.Wait()
	close(errs)
	close(results)
	for err := range errs {
		t.Error(err)
	}
	wins := 0
	for code := range results {
		switch code {
		case 0:
			wins++
		case 40163:
		default:
			t.Errorf("contested code: errcode %d", code)
		}
	}
	if wins != 1 {
		t.Errorf("contested code logged in %d times, want exactly once", wins)
	}
	for w := range workers {
		if u, _ := f.emu.User(fmt.Sprintf("user-%d", w)); u.Logins != rounds {
			t.Errorf("user-%d: %d logins, want %d", w, u.Logins, rounds)
		}
	}
}
