package emulator

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// refuseForeignHost keeps web pages from reading or pressing anything the
// emulator serves by DNS rebinding: a page at evil.example rebinds its own
// name to 127.0.0.1, and its same-origin requests then reach the emulator
// with "Host: evil.example", where CORS and Origin checks cannot see them.
// The emulator listens on loopback only (EMULATOR_ADDR must be loopback), so
// every honest client names a loopback host: the service (its base URL),
// curl, the tests, DevTools, and a browser on the console. Any other Host,
// unless it is one the emulator was configured to be reached at
// (Config.Hosts), gets a 403 on every route: WeChat's APIs too, since the
// throw-away secret is public and a code read from /emulator/users would
// buy a session from /sns/jscode2session.
func refuseForeignHost(allowed map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host := hostName(r.Host); !loopbackName(host) && !allowed[host] {
			wxshared.WriteControlError(w, http.StatusForbidden, fmt.Sprintf("the emulator answers only requests addressed to a loopback host "+
				"(localhost, 127.0.0.1, [::1]) or a configured one, not Host %q; this keeps web pages that rebind their name to this machine out", r.Host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuseCrossSite keeps web pages of other sites from pressing the
// emulator's buttons. The control routes (/emulator/...) have no key: any
// local program may mint a login code, pay a transaction or queue a fault.
// A browser, though, will send a "simple" cross-site POST (a form, or a
// fetch without custom headers) from any page the developer has open, and
// the emulator would act on it. So a state-changing control request that a
// browser marks as coming from another origin (Origin, or Sec-Fetch-Site)
// is refused with 403. curl, Go, Node and the mini-program's wx.request
// (DevTools sends it from its own process, a phone from WeChat's) send
// neither header, and the emulator's own console is the same origin.
// Reads need no such check: without CORS headers the page cannot read
// the answer, and refuseForeignHost has already turned away a rebound name.
func refuseCrossSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/emulator/") && r.Method != http.MethodGet && r.Method != http.MethodHead && crossSite(r) {
			wxshared.WriteControlError(w, http.StatusForbidden, "cross-site requests to the control API are refused; call it from a program or from the emulator's own console")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default: // same-site (another port), cross-site
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || !strings.EqualFold(u.Host, r.Host)
}

// hostName is the host of a Host header or host:port, lower case, without
// port or IPv6 brackets: "[::1]:8081" → "::1", "LocalHost" → "localhost".
func hostName(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.ToLower(strings.Trim(host, "[]"))
}

// loopbackName: localhost, 127.0.0.0/8 or ::1 (as hostName returns them).
func loopbackName(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
