package main

import (
	"bytes"
	"context"
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

// The emulator is the default only with the embedded cluster. A
// DATABASE_URL may be production behind a local proxy (PgBouncer, a cloud
// SQL proxy on 127.0.0.1), which passes every loopback check, and emulator
// mode would seed its demo catalog into it: with one, the mode is asked for.
func TestDatabaseURLNeedsAnExplicitMode(t *testing.T) {
	for _, dsn := range []string{
		"postgres://shop:pw@127.0.0.1:6432/shop", // PgBouncer
		"postgres://shop:pw@localhost:5432/shop", // cloud SQL proxy
		"host=/var/run/postgresql dbname=shop",
		"postgres://shop:pw@db.internal:5432/shop?sslmode=require",
	} {
		_, err := LoadConfig(map[string]string{"DATABASE_URL": dsn})
		if err == nil {
			t.Errorf("%s: started without WECHAT_MODE", dsn)
			continue
		}
		for _, want := range []string{"WECHAT_MODE=emulator", "WECHAT_MODE=live", "DATABASE_URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v; want it to name %s", dsn, err, want)
			}
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("the message leaks the database password: %v", err)
		}
	}
	// Without DATABASE_URL the emulator (with the embedded cluster) is still the default.
	if cfg, err := LoadConfig(map[string]string{}); err != nil || cfg.WeChatMode != modeEmulator {
		t.Errorf("no DATABASE_URL: mode %q, err %v", cfg.WeChatMode, err)
	}
	// With both, the mode is as given.
	for _, env := range []map[string]string{
		{"WECHAT_MODE": modeEmulator, "DATABASE_URL": "postgres://u@127.0.0.1:5432/wxmp"},
		liveEnv(), // WECHAT_MODE=live and a DATABASE_URL
	} {
		cfg, err := LoadConfig(env)
		if err != nil || cfg.WeChatMode != env["WECHAT_MODE"] || cfg.DatabaseURL != env["DATABASE_URL"] {
			t.Errorf("WECHAT_MODE=%s with DATABASE_URL: mode %q, database %q, err %v", env["WECHAT_MODE"], cfg.WeChatMode, cfg.DatabaseURL, err)
		}
	}
}

// wxmp serve stops there, before it touches the database, with one message.
func TestServeRefusesDatabaseURLWithoutMode(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1:1/shop"}, &stdout, &stderr)
	if code != 2 || strings.Count(stderr.String(), "\n") != 1 ||
		!strings.Contains(stderr.String(), "WECHAT_MODE=emulator") || !strings.Contains(stderr.String(), "WECHAT_MODE=live") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Fatalf("stdout %q", stdout.String())
	}
}

func TestLiveModeNamesEveryMissingSecret(t *testing.T) {
	_, err := LoadConfig(map[string]string{"WECHAT_MODE": "live", "WECHAT_APPID": "wx1"})
	if err == nil {
		t.Fatal("live mode started without secrets")
	}
	for _, name := range []string{"DATABASE_URL", "WECHAT_SECRET", "SESSION_KEY_ENCRYPTION_KEY",
		"WECHATPAY_MCHID", "WECHATPAY_MCH_PRIVATE_KEY", "WECHATPAY_APIV3_KEY", "WECHATPAY_NOTIFY_URL"} {
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
	if cfg.WeChatAPIBase != "https://api.weixin.qq.com" || cfg.WeChatPayAPIBase != "https://api.mch.weixin.qq.com" || cfg.LogFormat != "json" {
		t.Fatalf("live defaults: %+v", cfg)
	}
}

// The refund notify URL defaults to the payment one's neighbour, keeping
// any path prefix a proxy puts in front of the service.
func TestRefundNotifyURLDefaultsNextToTheNotifyURL(t *testing.T) {
	for notify, want := range map[string]string{
		"https://shop.example.com/v1/wechatpay/notify":     "https://shop.example.com/v1/wechatpay/refund-notify",
		"https://shop.example.com/api/v1/wechatpay/notify": "https://shop.example.com/api/v1/wechatpay/refund-notify",
		"https://shop.example.com/pay/notify?from=wechat":  "https://shop.example.com/pay/refund-notify",
		"https://shop.example.com":                         "https://shop.example.com/refund-notify",
	} {
		env := liveEnv()
		env["WECHATPAY_NOTIFY_URL"] = notify
		cfg, err := LoadConfig(env)
		if err != nil {
			t.Fatalf("%s: %v", notify, err)
		}
		if cfg.WeChatPayRefundNotifyURL != want {
			t.Errorf("%s: refund notify URL %s, want %s", notify, cfg.WeChatPayRefundNotifyURL, want)
		}
	}
}

func TestLivePayNeedsAVerifierAndHTTPS(t *testing.T) {
	for name, c := range map[string]struct {
		edit func(map[string]string)
		want string
	}{
		"no verifier":         {func(e map[string]string) { delete(e, "WECHATPAY_PUBLIC_KEY_ID"); delete(e, "WECHATPAY_PUBLIC_KEY") }, "WECHATPAY_PLATFORM_CERTS"},
		"key id without key":  {func(e map[string]string) { delete(e, "WECHATPAY_PUBLIC_KEY") }, "WECHATPAY_PUBLIC_KEY"},
		"http notify url":     {func(e map[string]string) { e["WECHATPAY_NOTIFY_URL"] = "http://shop.example.com/n" }, "https"},
		"order ttl too long":  {func(e map[string]string) { e["ORDER_TTL"] = "200h" }, "ORDER_TTL"},
		"order ttl too short": {func(e map[string]string) { e["ORDER_TTL"] = "10s" }, "ORDER_TTL"},
	} {
		env := liveEnv()
		c.edit(env)
		if _, err := LoadConfig(env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one mentioning %s", name, err, c.want)
		}
	}
	env := liveEnv()
	delete(env, "WECHATPAY_PUBLIC_KEY_ID")
	delete(env, "WECHATPAY_PUBLIC_KEY")
	env["WECHATPAY_PLATFORM_CERTS"] = "/etc/a.pem,/etc/b.pem"
	cfg, err := LoadConfig(env)
	if err != nil || len(cfg.WeChatPayPlatformCerts) != 2 {
		t.Fatalf("platform certs only: %v %v", cfg.WeChatPayPlatformCerts, err)
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
		"log level":       {map[string]string{"LOG_LEVEL": "verbose"}, "LOG_LEVEL"},
		"bill hour":       {map[string]string{"BILL_CHECK_AT": "25:00"}, "BILL_CHECK_AT"},
		"bill catch-up":   {map[string]string{"BILL_CATCH_UP_DAYS": "0"}, "BILL_CATCH_UP_DAYS"},
		"bill act limit":  {map[string]string{"BILL_ACT_LIMIT": "0"}, "BILL_ACT_LIMIT"},
		"pooler":          {map[string]string{"DATABASE_POOLER": "pgbouncer"}, "DATABASE_POOLER"},
		"poll too often":  {map[string]string{"JOB_POLL_INTERVAL": "1ms"}, "JOB_POLL_INTERVAL"},
		"pooler keywords": {map[string]string{"WECHAT_MODE": "emulator", "DATABASE_POOLER": "transaction", "DATABASE_URL": "host=127.0.0.1 dbname=shop"}, "DATABASE_URL"},
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
		"WECHATPAY_MCHID":            "1900000001",
		"WECHATPAY_MCH_CERT_SERIAL":  "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
		"WECHATPAY_MCH_PRIVATE_KEY":  "/etc/wxmp/apiclient_key.pem",
		"WECHATPAY_APIV3_KEY":        "0123456789abcdef0123456789abcdef",
		"WECHATPAY_PUBLIC_KEY_ID":    "PUB_KEY_ID_0114232134912410000000000000",
		"WECHATPAY_PUBLIC_KEY":       "/etc/wxmp/pub_key.pem",
		"WECHATPAY_NOTIFY_URL":       "https://shop.example.com/v1/wechatpay/notify",
	}
}

// Ctrl-C on make run stops at once; a live instance behind a load balancer
// keeps answering for 5s after SIGTERM; either can be set.
func TestShutdownDelayDefaultsByMode(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want time.Duration
	}{
		"emulator":     {map[string]string{}, 0},
		"live":         {liveEnv(), 5 * time.Second},
		"live, set":    {with(liveEnv(), "SHUTDOWN_DELAY", "1s"), time.Second},
		"emulator set": {map[string]string{"SHUTDOWN_DELAY": "3s"}, 3 * time.Second},
	} {
		cfg, err := LoadConfig(c.env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.ShutdownDelay != c.want {
			t.Errorf("%s: SHUTDOWN_DELAY %s, want %s", name, cfg.ShutdownDelay, c.want)
		}
	}
}

func with(env map[string]string, k, v string) map[string]string {
	env[k] = v
	return env
}

// Behind a transaction pooler jobs poll, and pgx sends no named prepared
// statements unless the URL names a mode itself (README: "Behind a
// connection pooler").
func TestATransactionPoolerPollsAndPreparesNothingNamed(t *testing.T) {
	env := map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": "postgres://shop@127.0.0.1:6432/shop?sslmode=disable",
		"DATABASE_MIGRATE_URL": "postgres://shop@127.0.0.1:5432/shop", "DATABASE_POOLER": "transaction"}
	cfg, err := LoadConfig(env)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cfg.DatabaseURL, "default_query_exec_mode=cache_describe") || !strings.Contains(cfg.DatabaseURL, "sslmode=disable") ||
		!strings.Contains(cfg.migrateURL(), ":5432/shop?default_query_exec_mode=cache_describe") {
		t.Fatalf("urls %s, %s", cfg.DatabaseURL, cfg.migrateURL())
	}
	if j := cfg.jobsConfig(); !j.PollOnly || j.PollInterval != 250*time.Millisecond {
		t.Fatalf("jobs %+v", j)
	}
	env["DATABASE_URL"] += "&default_query_exec_mode=cache_statement" // PgBouncer 1.21+ with max_prepared_statements
	env["JOB_POLL_INTERVAL"] = "2s"
	if cfg, err = LoadConfig(env); err != nil || strings.Contains(cfg.DatabaseURL, "cache_describe") || cfg.jobsConfig().PollInterval != 2*time.Second {
		t.Fatalf("a mode of one's own: %v %s %+v", err, cfg.DatabaseURL, cfg.jobsConfig())
	}
	for _, pooler := range []string{"none", "session"} {
		env := map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": "postgres://shop@127.0.0.1:6432/shop", "DATABASE_POOLER": pooler}
		cfg, err := LoadConfig(env)
		if err != nil || cfg.DatabaseURL != env["DATABASE_URL"] || cfg.jobsConfig().PollOnly || cfg.jobsConfig().PollInterval != time.Second ||
			cfg.migrateURL() != env["DATABASE_URL"] || !cfg.MigrateOnStart {
			t.Fatalf("%s: %v %+v", pooler, err, cfg)
		}
	}
}
