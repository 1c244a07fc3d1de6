package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Emulator mode must never be what a forgotten WECHAT_MODE=live turns
// production into: each sign of a production environment is refused, and
// the message names the fix.
func TestEmulatorModeRefusesProductionLookingConfig(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"remote database url":       {map[string]string{"DATABASE_URL": "postgres://shop:pw@db.internal:5432/shop?sslmode=require"}, `"db.internal"`},
		"remote database keywords":  {map[string]string{"DATABASE_URL": "host=10.1.2.3 dbname=shop user=shop"}, `"10.1.2.3"`},
		"remote fallback host":      {map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1:5432,db.internal:5432/shop"}, `"db.internal"`},
		"real appid":                {map[string]string{"WECHAT_APPID": "wx8a3f09c2b4d1e567"}, "WECHAT_APPID"},
		"real mchid":                {map[string]string{"WECHATPAY_MCHID": "1612345678"}, "WECHATPAY_MCHID"},
		"merchant private key":      {map[string]string{"WECHATPAY_MCH_PRIVATE_KEY": "/etc/wxmp/apiclient_key.pem"}, "WECHATPAY_MCH_PRIVATE_KEY"},
		"apiv3 key":                 {map[string]string{"WECHATPAY_APIV3_KEY": "0123456789abcdef0123456789abcdef"}, "WECHATPAY_APIV3_KEY"},
		"emulator on all addresses": {map[string]string{"EMULATOR_ADDR": ":8081"}, "EMULATOR_ADDR"},
		"emulator on 0.0.0.0":       {map[string]string{"EMULATOR_ADDR": "0.0.0.0:8081"}, "EMULATOR_ADDR"},
		"emulator on a lan address": {map[string]string{"EMULATOR_ADDR": "192.168.1.20:8081"}, "EMULATOR_ADDR"},
	} {
		c.env["WECHAT_MODE"] = modeEmulator // said, as DATABASE_URL requires
		_, err := LoadConfig(c.env)
		if err == nil {
			t.Errorf("%s: emulator mode started", name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "WECHAT_MODE=live") {
			t.Errorf("%s: %v; want it to name %s and WECHAT_MODE=live", name, err, c.want)
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s: the message leaks the database password: %v", name, err)
		}
	}
}

func TestEmulatorModeAcceptsLocalConfig(t *testing.T) {
	for _, env := range []map[string]string{
		{"DATABASE_URL": "postgres://u@localhost:5432/wxmp"},
		{"DATABASE_URL": "postgres://u@127.0.0.1:5432/wxmp"},
		{"DATABASE_URL": "postgres://u@[::1]:5432/wxmp"},
		{"DATABASE_URL": "host=/var/run/postgresql dbname=wxmp"},
		{"WECHAT_APPID": "wx-test-app", "WECHATPAY_MCHID": emulatorMchID},
		{"EMULATOR_ADDR": "localhost:9081"},
		{"EMULATOR_ADDR": "[::1]:9081"},
	} {
		env["WECHAT_MODE"] = modeEmulator // said, as DATABASE_URL requires
		if _, err := LoadConfig(env); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
}

func TestLiveModeNeedsHTTPSToWeChat(t *testing.T) {
	for name, c := range map[string]struct {
		key, value string
		ok         bool
	}{
		"plain http login base":   {"WECHAT_API_BASE", "http://api.weixin.qq.com", false},
		"plain http pay base":     {"WECHATPAY_API_BASE", "http://api.mch.weixin.qq.com", false},
		"plain http to a lan ip":  {"WECHATPAY_API_BASE", "http://10.0.0.7:8081", false},
		"https proxy":             {"WECHATPAY_API_BASE", "https://wechatpay-proxy.internal", true},
		"loopback peer (login)":   {"WECHAT_API_BASE", "http://127.0.0.1:18081", true},
		"loopback peer (pay)":     {"WECHATPAY_API_BASE", "http://localhost:18081", true},
		"loopback peer (ipv6)":    {"WECHATPAY_API_BASE", "http://[::1]:18081", true},
		"not a url":               {"WECHATPAY_API_BASE", "api.mch.weixin.qq.com", false},
		"other scheme":            {"WECHAT_API_BASE", "ftp://127.0.0.1", false},
		"token ttl above 30 days": {"TOKEN_TTL", "721h", false},
		"token ttl of 30 days":    {"TOKEN_TTL", "720h", true},
	} {
		env := liveEnv()
		env[c.key] = c.value
		_, err := LoadConfig(env)
		if c.ok && err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), c.key)) {
			t.Errorf("%s: err %v, want a refusal naming %s", name, err, c.key)
		}
	}
}

func TestEmulatorSubcommandRefusesLiveMode(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"emulator"}, liveEnv(), &bytes.Buffer{}, &stderr); code != 2 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "WECHAT_MODE=emulator") {
		t.Fatalf("stderr %q", stderr.String())
	}
}
