package login_test

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
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestFaultErrcodeForTimesCallsLeavesCodeUnused(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := f.Mint(t, "alice")
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", `{"endpoint":"jscode2session","errcode":-1,"times":2}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST faults: HTTP %d: %s", resp.StatusCode, b)
	}
	if echo := emutest.Decode[map[string]any](t, b); echo["endpoint"] != "jscode2session" || echo["errcode"] != float64(-1) || echo["times"] != float64(2) {
		t.Fatalf("echo = %s", b)
	}
	for range 2 {
		emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(c.Code)), -1, "system error")
	}
	f.Login(t, c.Code)
}

func TestFaultHTTPStatus(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := f.Mint(t, "alice")
	f.PostFault(t, `{"endpoint":"jscode2session","http_status":502}`)
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/sns/jscode2session?"+emutest.SessionQuery(c.Code).Encode(), "")
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "text/html" || !strings.Contains(string(b), "502 Bad Gateway") {
		t.Fatalf("HTTP %d %q: %s, want a gateway's 502 page", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}

	f.PostFault(t, `{"endpoint":"jscode2session","http_status":200}`)
	resp, b = emutest.Do(t, http.MethodGet, f.Srv.URL+"/sns/jscode2session?"+emutest.SessionQuery(c.Code).Encode(), "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "<html>") {
		t.Fatalf("HTTP %d: %s, want a 200 HTML page", resp.StatusCode, b)
	}

	f.PostFault(t, `{"endpoint":"jscode2session","http_status":503,"errcode":-1}`)
	resp, b = emutest.Do(t, http.MethodGet, f.Srv.URL+"/sns/jscode2session?"+emutest.SessionQuery(c.Code).Encode(), "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("HTTP %d, want 503", resp.StatusCode)
	}
	emutest.WantErr(t, emutest.Decode[emutest.Reply](t, b), -1, "system error")

	f.Login(t, c.Code) // no fault used the code up
}

func TestFaultDelay(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	f.PostFault(t, `{"endpoint":"jscode2session","delay_ms":20}`)
	f.Login(t, f.Mint(t, "alice").Code) // a pure delay answers normally

	f.PostFault(t, `{"endpoint":"jscode2session","delay_ms":20,"errcode":-1}`)
	emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery("whatever")), -1, "system error")
}

func TestFaultDelayEndsWhenTheClientGoesAway(t *testing.T) {
	e, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret})
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
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sns/jscode2session?"+emutest.SessionQuery(c.Code).Encode(), nil)
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
	resp, b := emutest.Do(t, http.MethodGet, srv.URL+"/sns/jscode2session?"+emutest.SessionQuery(c.Code).Encode(), "")
	if r := emutest.Decode[emutest.Reply](t, b); resp.StatusCode != http.StatusOK || r.Code() != 0 || r.OpenID != c.OpenID {
		t.Fatalf("login after abandoned call: HTTP %d %s", resp.StatusCode, b)
	}
}

// call is do for goroutines other than the test's: it reports instead of
// calling t.Fatal.
func call(method, u, body string) (emutest.Reply, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return emutest.Reply{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return emutest.Reply{}, err
	}
	defer resp.Body.Close()
	var r emutest.Reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return emutest.Reply{}, fmt.Errorf("%s %s: HTTP %d: %w", method, u, resp.StatusCode, err)
	}
	return r, nil
}

// exchange calls code2session until it gets past injected -1 faults, which
// leave the code unused.
func exchange(base, code string) (emutest.Reply, error) {
	for {
		r, err := call(http.MethodGet, base+"/sns/jscode2session?"+emutest.SessionQuery(code).Encode(), "")
		if err != nil || r.Code() != -1 {
			return r, err
		}
	}
}

// TestConcurrentUse hammers one emulator from many goroutines; run with
// -race. Every user's logins must all count, and a code raced by several
// clients must log in exactly once.
func TestConcurrentUse(t *testing.T) {
	f := emutest.Start(t, emulator.Config{UnionID: true})
	const workers, rounds = 12, 15
	token := f.Token(t, false).AccessToken
	base := f.Srv.URL

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2+workers)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("user-%d", w)
			for i := range rounds {
				var code string
				if i%2 == 0 {
					c, err := f.Emu.MintCode(name)
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
				if err != nil || r.Code() != 0 {
					errs <- fmt.Errorf("%s: code2session: %+v %v", name, r, err)
					return
				}
				q := "access_token=" + token + "&openid=" + r.OpenID + "&sig_method=hmac_sha256&signature=" + emutest.Sign(r.SessionKey)
				if cs, err := call(http.MethodGet, base+"/wxa/checksession?"+q, ""); err != nil || cs.Code() != 0 {
					errs <- fmt.Errorf("%s: checksession: %+v %v", name, cs, err)
				}
			}
		})
	}
	wg.Go(func() {
		body := `{"grant_type":"client_credential","appid":"` + emutest.TestAppID + `","secret":"` + emutest.TestSecret + `"}`
		for range 30 {
			_ = f.Emu.InjectFault(emulator.Fault{Endpoint: emulator.JSCode2Session, ErrCode: -1, Times: 2})
			if r, err := call(http.MethodPost, base+"/cgi-bin/stable_token", body); err != nil || r.AccessToken != token {
				errs <- fmt.Errorf("stable_token changed under load: %+v %v", r, err)
			}
			f.Emu.ClearFaults()
		}
	})

	// Many clients racing for one code.
	contested := f.Mint(t, "contested")
	results := make(chan int, workers)
	for range workers {
		wg.Go(func() {
			r, err := exchange(base, contested.Code)
			if err != nil {
				errs <- err
				return
			}
			results <- r.Code()
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
		if u, _ := f.Emu.User(fmt.Sprintf("user-%d", w)); u.Logins != rounds {
			t.Errorf("user-%d: %d logins, want %d", w, u.Logins, rounds)
		}
	}
}
