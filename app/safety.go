package main

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The rules in this file keep emulator mode (throw-away keys, a demo
// catalog, unauthenticated control routes) from ever serving production,
// and keep live mode from talking to WeChat in the clear. Each is one
// check with one message a person can act on.

// maxLiveTokenTTL caps how long a login token may last in live mode: a
// stolen token must not be good for months.
const maxLiveTokenTTL = 30 * 24 * time.Hour

var (
	// A real AppID is "wx" and 16 hex digits; a real merchant id is a
	// string of 8 to 10 digits (the emulator's default 1900000001 is
	// WeChat's documented sample and is allowed).
	realAppID = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	realMchID = regexp.MustCompile(`^[0-9]{8,10}$`)
)

// checkEmulatorSafety refuses an emulator-mode configuration that looks
// like production. Everything it names is the sign of an operator who
// meant live mode and forgot WECHAT_MODE=live.
func checkEmulatorSafety(cfg Config) error {
	var why []string
	if cfg.DatabaseURL != "" {
		if host, ok := databaseHostIsLoopback(cfg.DatabaseURL); !ok {
			why = append(why, fmt.Sprintf("DATABASE_URL names the non-loopback host %q", host))
		}
	}
	if cfg.WeChatAppID != "" && cfg.WeChatAppID != emulatorAppID && realAppID.MatchString(cfg.WeChatAppID) {
		why = append(why, "WECHAT_APPID is a real-looking AppID")
	}
	if cfg.WeChatPayMchID != "" && cfg.WeChatPayMchID != emulatorMchID && realMchID.MatchString(cfg.WeChatPayMchID) {
		why = append(why, "WECHATPAY_MCHID is a real-looking merchant id")
	}
	if cfg.WeChatPayMchPrivateKey != "" || cfg.WeChatPayAPIv3Key != "" {
		why = append(why, "merchant keys (WECHATPAY_MCH_PRIVATE_KEY / WECHATPAY_APIV3_KEY) are set")
	}
	if !hostPortIsLoopback(cfg.EmulatorAddr) {
		why = append(why, fmt.Sprintf("EMULATOR_ADDR %q is not a loopback address (the emulator's control API logs in as anyone)", cfg.EmulatorAddr))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("config: refusing to start in emulator mode: %s. "+
		"The emulator trusts its own keys, seeds a demo catalog and serves unauthenticated control routes; "+
		"for production set WECHAT_MODE=live", strings.Join(why, "; "))
}

// checkLiveSafety: live mode speaks to WeChat over HTTPS only (a loopback
// base is allowed, so that a local peer can stand in for WeChat in tests),
// and tokens are short enough to be worth stealing only briefly.
func checkLiveSafety(cfg Config) error {
	for name, base := range map[string]string{"WECHAT_API_BASE": cfg.WeChatAPIBase, "WECHATPAY_API_BASE": cfg.WeChatPayAPIBase} {
		u, err := url.Parse(base)
		if err != nil || u.Host == "" {
			return fmt.Errorf("config: %s must be an https URL, got %q", name, base)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && hostIsLoopback(u.Hostname())) {
			return fmt.Errorf("config: %s must be https:// in live mode (plain http only for a loopback host), got %q", name, base)
		}
	}
	if cfg.TokenTTL > maxLiveTokenTTL {
		return fmt.Errorf("config: TOKEN_TTL must be at most %s in live mode", "720h (30 days)")
	}
	return nil
}

// databaseHostIsLoopback parses a postgres URL or keyword/value string
// the way pgx will and reports whether every host it may connect to is on
// this machine (loopback or a Unix socket). It returns the first other host.
func databaseHostIsLoopback(dsn string) (string, bool) {
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		// pgx will refuse it at start with a better message; we only
		// refuse what we can read as remote.
		return "", true
	}
	hosts := []string{pc.Host}
	for _, fb := range pc.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if !strings.HasPrefix(h, "/") && !hostIsLoopback(h) {
			return h, false
		}
	}
	return "", true
}

// hostPortIsLoopback reports whether a listen address binds only loopback;
// ":8081" (every interface) does not.
func hostPortIsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && hostIsLoopback(host)
}

func hostIsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
