package main

import (
	"strings"
	"testing"
	"time"
)

func TestEmulatorModeNeedsNothing(t *testing.T) {
	cfg, err := LoadConfig(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WeChatMode != modeEmulator || cfg.HTTPAddr != ":8080" || cfg.TokenTTL != 7*24*time.Hour ||
		cfg.WeChatAPIBase != "http://127.0.0.1:8081" || cfg.WeChatAppID == "" || cfg.WeChatSecret == "" ||
		cfg.LogFormat != "text" || cfg.PublicURL != "http://localhost:8080" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestLiveModeNamesEveryMissingSecret(t *testing.T) {
	_, err := LoadConfig(map[string]string{"WECHAT_MODE": "live", "WECHAT_APPID": "wx1"})
	if err == nil {
		t.Fatal("live mode started without secrets")
	}
	for _, name := range []string{"DATABASE_URL", "WECHAT_SECRET", "SESSION_KEY_ENCRYPTION_KEY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "WECHAT_APPID") {
		t.Errorf("error %q names a variable that is set", err)
	}
}

func TestLiveModeDefaults(t *testing.T) {
	cfg, err := LoadConfig(liveEnv())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WeChatAPIBase != "https://api.weixin.qq.com" || cfg.LogFormat != "json" {
		t.Fatalf("live defaults: %+v", cfg)
	}
}

func TestBadValuesAreRefusedClearly(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"mode":            {map[string]string{"WECHAT_MODE": "prod"}, "WECHAT_MODE"},
		"short key":       {map[string]string{"SESSION_KEY_ENCRYPTION_KEY": "c2hvcnQ="}, "SESSION_KEY_ENCRYPTION_KEY"},
		"not base64 key":  {map[string]string{"SESSION_KEY_ENCRYPTION_KEY": "!!"}, "SESSION_KEY_ENCRYPTION_KEY"},
		"ttl unparseable": {map[string]string{"TOKEN_TTL": "a week"}, "TOKEN_TTL"},
		"ttl too short":   {map[string]string{"TOKEN_TTL": "1s"}, "TOKEN_TTL"},
		"api base":        {map[string]string{"WECHAT_API_BASE": "ftp://x"}, "WECHAT_API_BASE"},
		"log format":      {map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
	} {
		_, err := LoadConfig(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one naming %s", name, err, c.want)
		}
	}
}

// The error for a bad secret must not print the secret.
func TestConfigErrorsDoNotEchoSecrets(t *testing.T) {
	env := liveEnv()
	env["SESSION_KEY_ENCRYPTION_KEY"] = "dG9vLXNob3J0LXNlY3JldA=="
	_, err := LoadConfig(env)
	if err == nil || strings.Contains(err.Error(), env["SESSION_KEY_ENCRYPTION_KEY"]) || strings.Contains(err.Error(), env["WECHAT_SECRET"]) {
		t.Fatalf("err = %v", err)
	}
}

func liveEnv() map[string]string {
	return map[string]string{
		"WECHAT_MODE":                "live",
		"DATABASE_URL":               "postgres://u@127.0.0.1:1/db",
		"WECHAT_APPID":               "wx1",
		"WECHAT_SECRET":              "live-secret-value",
		"SESSION_KEY_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	}
}
