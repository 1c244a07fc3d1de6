package main

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
)

// The emulator serve starts answers the names the service was configured
// to reach it at, and loopback ones, and refuses a name rebound to this
// machine (DNS rebinding) on every route, WeChat's too.
func TestEmulatorAnswersOnlyLoopbackAndConfiguredHosts(t *testing.T) {
	addr := freeAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	cfg, err := LoadConfig(map[string]string{"EMULATOR_ADDR": addr, "WECHAT_API_BASE": "http://wechat-emulator.test:" + port})
	if err != nil {
		t.Fatal(err)
	}
	app := fxtest.New(t, fx.Supply(cfg, slog.New(slog.DiscardHandler)), fx.NopLogger, fx.Invoke(runEmulator))
	app.RequireStart()
	defer app.RequireStop()
	for host, want := range map[string]int{
		addr:                                http.StatusOK,
		"localhost:" + port:                 http.StatusOK,
		"[::1]:" + port:                     http.StatusOK,
		"wechat-emulator.test:" + port:      http.StatusOK, // WECHAT_API_BASE
		"evil.example:" + port:              http.StatusForbidden,
		"127.0.0.1.nip.io:" + port:          http.StatusForbidden,
		"wechat-emulator.test.evil:" + port: http.StatusForbidden,
	} {
		for _, path := range []string{"/emulator/users", "/console/"} {
			req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
			req.Host = host
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				t.Errorf("Host %s: GET %s: %d, want %d", host, path, res.StatusCode, want)
			}
		}
	}
}

func TestEmulatorHostsAreTheConfiguredBaseURLs(t *testing.T) {
	cfg, err := LoadConfig(map[string]string{"WECHAT_API_BASE": "http://Login.Emu.Test:8081/", "WECHATPAY_API_BASE": "http://[::1]:8082"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(emulatorHosts(cfg), ","); got != "Login.Emu.Test,::1" {
		t.Fatalf("emulatorHosts = %s", got)
	}
}
