package emulator

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// refuseCrossSite keeps web pages of other sites from pressing the
// emulator's buttons. The control routes (/emulator/...) have no key: any
// local program may mint a login code, pay a transaction or queue a fault.
// A browser, though, will send a "simple" cross-site POST (a form, or a
// fetch without custom headers) from any page the developer has open, and
// the emulator would act on it. So a state-changing control request that a
// browser marks as coming from another origin (Origin, or Sec-Fetch-Site)
// is refused with 403, and so is one addressed to a name that is not
// loopback (DNS rebinding). curl, Go, Node and the mini-program's wx.request
// (DevTools sends it from its own process, a phone from WeChat's) send
// neither header, and the emulator's own console is the same origin.
func refuseCrossSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/emulator/") && r.Method != http.MethodGet && r.Method != http.MethodHead && crossSite(r) {
			writeControlError(w, http.StatusForbidden, "cross-site requests to the control API are refused; call it from a program or from the emulator's own console")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func crossSite(r *http.Request) bool {
	// The emulator only listens on loopback, so a Host that is not a
	// loopback name is a page that rebound its own name to 127.0.0.1 (DNS
	// rebinding): its Origin would then match its Host.
	if !loopbackHost(r.Host) {
		return true
	}
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

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
