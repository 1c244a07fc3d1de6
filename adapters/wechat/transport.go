package wechat

import "net/http"

// IdleConnsPerHost is how many idle connections to one WeChat host a
// transport from NewTransport keeps for reuse.
const IdleConnsPerHost = 64

// NewTransport is the HTTP transport for calls to WeChat: the settings of
// http.DefaultTransport (proxy from the environment, dial and TLS timeouts,
// HTTP/2), but keeping enough idle connections per host for a loaded
// instance. DefaultTransport keeps two per host, so with more than two
// calls in flight to api.mch.weixin.qq.com most of them closed their
// connection afterwards, and the next call paid a new TCP and TLS handshake.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, 4*IdleConnsPerHost)
	return t
}
