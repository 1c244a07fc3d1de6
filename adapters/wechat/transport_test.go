package wechat_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat"
)

// Calls in flight at once keep their connections for the next round:
// three rounds of 16 concurrent calls open 16 connections, not 16 + 2×14
// as with http.DefaultTransport's two idle connections per host.
func TestTransportReusesConnectionsUnderConcurrency(t *testing.T) {
	var opened atomic.Int64
	var release atomic.Pointer[chan struct{}]
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived.Done()
		<-*release.Load() // hold every call until all 16 are in flight
		_, _ = io.WriteString(w, "{}")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	client := &http.Client{Transport: wechat.NewTransport()}
	const calls = 16
	for range 3 {
		ch := make(chan struct{})
		release.Store(&ch)
		arrived.Add(calls)
		var done sync.WaitGroup
		for range calls {
			done.Go(func() {
				res, err := client.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			})
		}
		arrived.Wait()
		close(ch)
		done.Wait()
	}
	if n := opened.Load(); n != calls {
		t.Errorf("opened %d connections for 3 rounds of %d concurrent calls, want %d", n, calls, calls)
	}
}
