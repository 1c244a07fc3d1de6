package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/wxmp/wxmp/adapters/jobs"
	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// Config is everything the service reads from its environment. README.md
// and .env.example document each variable; keep the three in step.
type Config struct {
	// DatabaseURL is a postgres:// URL. Empty (emulator mode only) starts a
	// private cluster from the local PostgreSQL binaries under DataDir.
	// When it is set, WECHAT_MODE must be too (LoadConfig).
	DatabaseURL string `env:"DATABASE_URL"`
	// DatabasePooler says what sits between the service and PostgreSQL:
	// none, session (a pooler in session mode: as none) or transaction
	// (PgBouncer's pool_mode=transaction and the like). With transaction,
	// background jobs poll instead of LISTEN (a pooler drops NOTIFYs), and
	// pgx sends no named prepared statements (default_query_exec_mode=
	// cache_describe) unless DATABASE_URL names a mode itself (README:
	// "Behind a connection pooler").
	DatabasePooler string `env:"DATABASE_POOLER" envDefault:"none"`
	// DatabaseMigrateURL, when set, is where migrations run (a direct
	// connection, say); DATABASE_URL otherwise.
	DatabaseMigrateURL string `env:"DATABASE_MIGRATE_URL"`
	// MigrateOnStart: serve migrates before it starts. False leaves
	// migrating to the release step (`wxmp migrate`); serve then refuses to
	// start on a database that lacks a migration it needs.
	MigrateOnStart bool `env:"MIGRATE_ON_START" envDefault:"true"`
	// JobPollInterval is how often an instance looks for background work
	// when nothing woke it. Unset: 1s, or 250ms with a transaction pooler,
	// where nothing wakes it (no LISTEN).
	JobPollInterval time.Duration `env:"JOB_POLL_INTERVAL"`
	HTTPAddr        string        `env:"HTTP_ADDR" envDefault:":8080"`
	// PublicURL is how clients and the emulator reach this server; used in
	// the printed walk-through (and, for pay, the notify URL).
	PublicURL string `env:"PUBLIC_URL"`

	// WeChatMode is emulator or live. Unset, it is emulator only without
	// DATABASE_URL: a database of one's own may be production behind a
	// local proxy, where emulator mode would seed its demo catalog.
	WeChatMode    string `env:"WECHAT_MODE"`
	WeChatAppID   string `env:"WECHAT_APPID"`
	WeChatSecret  string `env:"WECHAT_SECRET"`
	WeChatAPIBase string `env:"WECHAT_API_BASE"`

	TokenTTL time.Duration `env:"TOKEN_TTL" envDefault:"168h"`
	// SessionKeyEncryptionKey is base64 of 32 random bytes (AES-256-GCM).
	SessionKeyEncryptionKey string `env:"SESSION_KEY_ENCRYPTION_KEY"`

	// WeChat Pay APIv3. In emulator mode the keys are generated at start
	// and shared with the emulator; these are for live mode.
	WeChatPayAPIBase       string   `env:"WECHATPAY_API_BASE"`
	WeChatPayMchID         string   `env:"WECHATPAY_MCHID"`
	WeChatPayMchCertSerial string   `env:"WECHATPAY_MCH_CERT_SERIAL"`
	WeChatPayMchPrivateKey string   `env:"WECHATPAY_MCH_PRIVATE_KEY"` // PEM file path
	WeChatPayAPIv3Key      string   `env:"WECHATPAY_APIV3_KEY"`
	WeChatPayPublicKeyID   string   `env:"WECHATPAY_PUBLIC_KEY_ID"`
	WeChatPayPublicKey     string   `env:"WECHATPAY_PUBLIC_KEY"`                      // PEM file path
	WeChatPayPlatformCerts []string `env:"WECHATPAY_PLATFORM_CERTS" envSeparator:","` // PEM file paths
	WeChatPayNotifyURL     string   `env:"WECHATPAY_NOTIFY_URL"`
	// WeChatPayRefundNotifyURL is where WeChat Pay posts refund results.
	WeChatPayRefundNotifyURL string `env:"WECHATPAY_REFUND_NOTIFY_URL"`
	// OperatorAPIKeys is "id:sha256hex,…" (`wxmp operator-key` mints one);
	// the keys themselves are never configured.
	OperatorAPIKeys string        `env:"OPERATOR_API_KEYS"`
	OrderTTL        time.Duration `env:"ORDER_TTL" envDefault:"30m"`
	// ReconcileInterval is how often the reconciliation sweep (the safety
	// net under the per-order jobs) runs.
	ReconcileInterval time.Duration `env:"RECONCILE_INTERVAL" envDefault:"1m"`
	// ReconcileMaxAttempts is how many settle attempts an open order gets
	// before it is flagged for a person.
	ReconcileMaxAttempts int `env:"RECONCILE_MAX_ATTEMPTS" envDefault:"10"`
	// RefusalsPerMinute bounds the ledger rows refused notifications add.
	RefusalsPerMinute int `env:"LEDGER_REFUSALS_PER_MINUTE" envDefault:"120"`
	// WeChatPushToken and WeChatPushAESKey are the message push (消息推送)
	// settings of the mini-program's admin console: the Token and the
	// EncodingAESKey (43 characters, safe mode). Unset, the push URL
	// answers 404.
	WeChatPushToken  string `env:"WECHAT_PUSH_TOKEN"`
	WeChatPushAESKey string `env:"WECHAT_PUSH_AES_KEY"`
	// SubscribeTemplates are the subscribe-message templates the shop sends:
	// "event:template_id,…" with events paid, shipped, refunded and
	// refund_request (the ids the admin console's 订阅消息 gives).
	SubscribeTemplates string `env:"SUBSCRIBE_TEMPLATES"`
	// MsgJumpPath is the mini-program page WeChat's shipping messages open
	// (set_msg_jump_path, set at start-up).
	MsgJumpPath string `env:"WECHAT_MSG_JUMP_PATH" envDefault:"pages/order-detail/index"`
	// BillCheckAt is when (hh:mm, Beijing time) the day before is
	// reconciled with WeChat Pay's trade bill, made from 9:00.
	BillCheckAt string `env:"BILL_CHECK_AT" envDefault:"10:30"`
	// BillCatchUpDays is how far back a daily run looks for days that were
	// not reconciled (the bill not ready, not believed, or the service down).
	BillCatchUpDays int `env:"BILL_CATCH_UP_DAYS" envDefault:"7"`
	// BillActLimit bounds how many differences one run asks WeChat about.
	BillActLimit int `env:"BILL_ACT_LIMIT" envDefault:"1000"`
	// JobWorkers is how many background jobs one instance runs at once.
	JobWorkers int `env:"JOB_WORKERS" envDefault:"10"`
	// MetricsAddr is where /metrics (Prometheus) is served; empty: nowhere.
	MetricsAddr string `env:"METRICS_ADDR"`
	// DBMaxConns sizes each instance's database pool (0: 4 per CPU, at least 8).
	DBMaxConns int `env:"DB_MAX_CONNS"`
	// ShutdownDelay is how long, after SIGTERM, readiness fails before the
	// listener closes, so that load balancers stop sending first. Unset, it
	// is 5s in live mode and 0 in emulator mode (no load balancer: Ctrl-C
	// should stop make run at once).
	ShutdownDelay time.Duration `env:"SHUTDOWN_DELAY"`
	// AccessLog is all | errors | off.
	AccessLog string `env:"ACCESS_LOG" envDefault:"errors"`

	// checkDelays overrides the per-order checks (tests: seconds, not minutes).
	checkDelays []time.Duration
	// jobPoll overrides River's poll interval (tests).
	jobPoll time.Duration

	// EmulatorAddr is where the in-process WeChat emulator listens.
	EmulatorAddr string `env:"EMULATOR_ADDR" envDefault:"127.0.0.1:8081"`
	// EmulatorKeysFile, when set, is where emulator mode keeps its pay keys,
	// so that an emulator and a service in different processes (`wxmp
	// emulator` and `wxmp serve` with EMULATOR_EXTERNAL) share them.
	EmulatorKeysFile string `env:"EMULATOR_KEYS_FILE"`
	// EmulatorExternal: serve does not start its own emulator and uses the
	// one at EMULATOR_ADDR (with the keys in EMULATOR_KEYS_FILE).
	EmulatorExternal bool `env:"EMULATOR_EXTERNAL"`
	// DataDir holds the embedded cluster and emulator-mode keys.
	DataDir   string `env:"DATA_DIR" envDefault:".data"`
	LogFormat string `env:"LOG_FORMAT"` // text | json; default json in live mode
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`

	// emulatorKeys is set in emulator mode at start (withEmulatorKeys).
	emulatorKeys *emulator.PayKeys
	// emulatorStateFile is where the in-process emulator keeps its state
	// (serve sets it under DATA_DIR); empty: in memory only.
	emulatorStateFile string
	// devOperatorKey is minted in emulator mode when no operator key is
	// configured, so that make run prints one ready to use.
	devOperatorKey *mintedKey
}

const (
	modeEmulator = "emulator"
	modeLive     = "live"

	liveWeChatAPIBase = "https://api.weixin.qq.com"
	livePayAPIBase    = "https://api.mch.weixin.qq.com"
	// Throw-away credentials: the emulator accepts them, WeChat never will.
	emulatorAppID  = "wx0000000000emulator"
	emulatorSecret = "emulator-secret-not-for-production"
	emulatorMchID  = "1900000001"
)

// LoadConfig reads the environment given as a map (os.Environ in main,
// a literal in tests) and fills mode-dependent defaults.
// orderPolicy is the payment window, and in emulator mode a prepay_id that
// is never handed out again unasked: an emulator run apart (or whose state
// was not kept with DATA_DIR) may have forgotten it, and asking costs one
// local call (JSAPI prepay with the same parameters returns the current
// prepay_id, or creates the transaction it lost). WeChat keeps its own for
// 2 hours, so live mode reuses one for PrepayReuseWindow.
func (c Config) orderPolicy() domain.OrderPolicy {
	p := domain.OrderPolicy{TTL: c.OrderTTL}
	if c.WeChatMode == modeEmulator {
		p.PrepayReuse = time.Nanosecond
	}
	return p
}

// liveShutdownDelay is SHUTDOWN_DELAY's default in live mode.
const liveShutdownDelay = 5 * time.Second

func LoadConfig(environ map[string]string) (Config, error) {
	cfg, err := env.ParseAsWithOptions[Config](env.Options{Environment: environ})
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", namedParseErrors(err))
	}
	if environ["SHUTDOWN_DELAY"] == "" && cfg.WeChatMode == modeLive {
		cfg.ShutdownDelay = liveShutdownDelay
	}
	if cfg.WeChatMode == "" {
		if cfg.DatabaseURL != "" {
			return Config{}, errors.New("config: DATABASE_URL is set, so WECHAT_MODE must be too: " +
				"WECHAT_MODE=emulator for local development against your own database (the emulator seeds a demo catalog into it), " +
				"or WECHAT_MODE=live for production. Emulator mode is the default only with the embedded PostgreSQL (no DATABASE_URL)")
		}
		cfg.WeChatMode = modeEmulator
	}
	switch cfg.WeChatMode {
	case modeLive:
		var missing []string
		for name, v := range map[string]string{
			"DATABASE_URL":               cfg.DatabaseURL,
			"WECHAT_APPID":               cfg.WeChatAppID,
			"WECHAT_SECRET":              cfg.WeChatSecret,
			"SESSION_KEY_ENCRYPTION_KEY": cfg.SessionKeyEncryptionKey,
			"WECHATPAY_MCHID":            cfg.WeChatPayMchID,
			"WECHATPAY_MCH_CERT_SERIAL":  cfg.WeChatPayMchCertSerial,
			"WECHATPAY_MCH_PRIVATE_KEY":  cfg.WeChatPayMchPrivateKey,
			"WECHATPAY_APIV3_KEY":        cfg.WeChatPayAPIv3Key,
			"WECHATPAY_NOTIFY_URL":       cfg.WeChatPayNotifyURL,
		} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			return Config{}, fmt.Errorf("config: WECHAT_MODE=live needs %s", strings.Join(missing, ", "))
		}
		if cfg.WeChatAPIBase == "" {
			cfg.WeChatAPIBase = liveWeChatAPIBase
		}
		if cfg.WeChatPayAPIBase == "" {
			cfg.WeChatPayAPIBase = livePayAPIBase
		}
		if cfg.WeChatPayPublicKeyID == "" && len(cfg.WeChatPayPlatformCerts) == 0 {
			return Config{}, errors.New("config: WECHAT_MODE=live needs WECHATPAY_PUBLIC_KEY_ID with WECHATPAY_PUBLIC_KEY, or WECHATPAY_PLATFORM_CERTS, or both")
		}
		if (cfg.WeChatPayPublicKeyID == "") != (cfg.WeChatPayPublicKey == "") {
			return Config{}, errors.New("config: WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY go together")
		}
		if !strings.HasPrefix(cfg.WeChatPayNotifyURL, "https://") {
			return Config{}, errors.New("config: WECHATPAY_NOTIFY_URL must be https:// (WeChat Pay only calls HTTPS)")
		}
		if cfg.WeChatPayRefundNotifyURL == "" {
			cfg.WeChatPayRefundNotifyURL = siblingURL(cfg.WeChatPayNotifyURL, "refund-notify")
		}
		if !strings.HasPrefix(cfg.WeChatPayRefundNotifyURL, "https://") {
			return Config{}, errors.New("config: WECHATPAY_REFUND_NOTIFY_URL must be https:// (WeChat Pay only calls HTTPS)")
		}
		if cfg.LogFormat == "" {
			cfg.LogFormat = "json"
		}
		if err := checkLiveSafety(cfg); err != nil {
			return Config{}, err
		}
	case modeEmulator:
		if cfg.WeChatAppID == "" {
			cfg.WeChatAppID = emulatorAppID
		}
		if cfg.WeChatSecret == "" {
			cfg.WeChatSecret = emulatorSecret
		}
		if cfg.WeChatAPIBase == "" {
			cfg.WeChatAPIBase = "http://" + cfg.EmulatorAddr
		}
		if cfg.WeChatPayAPIBase == "" {
			cfg.WeChatPayAPIBase = "http://" + cfg.EmulatorAddr
		}
		if cfg.WeChatPushToken == "" && cfg.WeChatPushAESKey == "" {
			cfg.WeChatPushToken, cfg.WeChatPushAESKey = emulatorPushToken, emulatorPushAESKey
		}
		if cfg.SubscribeTemplates == "" {
			cfg.SubscribeTemplates = emulatorTemplates
		}
		if cfg.WeChatPayMchID == "" {
			cfg.WeChatPayMchID = emulatorMchID
		}
		if cfg.LogFormat == "" {
			cfg.LogFormat = "text"
		}
		if err := checkEmulatorSafety(cfg); err != nil {
			return Config{}, err
		}
	default:
		return Config{}, fmt.Errorf("config: WECHAT_MODE must be %q or %q, not %q", modeEmulator, modeLive, cfg.WeChatMode)
	}
	if cfg.SessionKeyEncryptionKey != "" {
		if _, err := cfg.sessionKeyEncryptionKey(); err != nil {
			return Config{}, err
		}
	}
	if cfg.TokenTTL < time.Minute {
		return Config{}, errors.New("config: TOKEN_TTL must be at least 1m")
	}
	if u, err := url.Parse(cfg.WeChatAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("config: WECHAT_API_BASE must be an http(s) URL, got %q", cfg.WeChatAPIBase)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, fmt.Errorf("config: LOG_FORMAT must be text or json, not %q", cfg.LogFormat)
	}
	if err := new(slog.Level).UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return Config{}, fmt.Errorf("config: LOG_LEVEL must be debug, info, warn or error, not %q", cfg.LogLevel)
	}
	if cfg.OrderTTL < time.Minute || cfg.OrderTTL > 7*24*time.Hour {
		return Config{}, errors.New("config: ORDER_TTL must be between 1m and 168h (WeChat's limit)")
	}
	if cfg.ReconcileInterval < time.Second {
		return Config{}, errors.New("config: RECONCILE_INTERVAL must be at least 1s")
	}
	if cfg.ReconcileMaxAttempts < 1 || cfg.ReconcileMaxAttempts > 100 {
		return Config{}, errors.New("config: RECONCILE_MAX_ATTEMPTS must be between 1 and 100")
	}
	if cfg.RefusalsPerMinute < 0 {
		return Config{}, errors.New("config: LEDGER_REFUSALS_PER_MINUTE must not be negative")
	}
	switch cfg.DatabasePooler {
	case poolerNone, poolerSession:
	case poolerTransaction:
		if cfg.DatabaseURL != "" {
			if cfg.DatabaseURL, err = withExecMode("DATABASE_URL", cfg.DatabaseURL); err != nil {
				return Config{}, err
			}
		}
		if cfg.DatabaseMigrateURL != "" {
			// The migrate URL may name the pooler too; a direct one takes no harm.
			if cfg.DatabaseMigrateURL, err = withExecMode("DATABASE_MIGRATE_URL", cfg.DatabaseMigrateURL); err != nil {
				return Config{}, err
			}
		}
		if cfg.JobPollInterval == 0 {
			cfg.JobPollInterval = 250 * time.Millisecond
		}
	default:
		return Config{}, fmt.Errorf("config: DATABASE_POOLER must be none, session or transaction, not %q", cfg.DatabasePooler)
	}
	if cfg.JobPollInterval == 0 {
		cfg.JobPollInterval = time.Second
	}
	if cfg.JobPollInterval < 100*time.Millisecond || cfg.JobPollInterval > time.Minute {
		return Config{}, errors.New("config: JOB_POLL_INTERVAL must be between 100ms and 1m")
	}
	if cfg.JobWorkers < 1 || cfg.JobWorkers > 1000 {
		return Config{}, errors.New("config: JOB_WORKERS must be between 1 and 1000")
	}
	if cfg.DBMaxConns == 0 {
		cfg.DBMaxConns = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if cfg.DBMaxConns < 2 || cfg.DBMaxConns > 1000 {
		return Config{}, errors.New("config: DB_MAX_CONNS must be between 2 and 1000")
	}
	if cfg.EmulatorExternal && cfg.EmulatorKeysFile == "" {
		return Config{}, errors.New("config: EMULATOR_EXTERNAL needs EMULATOR_KEYS_FILE (the emulator's pay keys)")
	}
	if cfg.ShutdownDelay < 0 || cfg.ShutdownDelay > time.Minute {
		return Config{}, errors.New("config: SHUTDOWN_DELAY must be between 0 and 1m")
	}
	switch cfg.AccessLog {
	case "all", "errors", "off":
	default:
		return Config{}, fmt.Errorf("config: ACCESS_LOG must be all, errors or off, not %q", cfg.AccessLog)
	}
	if (cfg.WeChatPushToken == "") != (cfg.WeChatPushAESKey == "") || cfg.WeChatPushToken != "" &&
		(!pushToken.MatchString(cfg.WeChatPushToken) || !pushAESKey.MatchString(cfg.WeChatPushAESKey)) {
		return Config{}, errors.New("config: WECHAT_PUSH_TOKEN (3 to 32 letters and digits) and WECHAT_PUSH_AES_KEY (43 letters and digits) go together, as the admin console's message push settings")
	}
	if _, err := parseTemplates(cfg.SubscribeTemplates); err != nil {
		return Config{}, err
	}
	if _, err := cfg.billAt(); err != nil {
		return Config{}, err
	}
	if cfg.BillCatchUpDays < 1 || cfg.BillCatchUpDays > 90 {
		return Config{}, errors.New("config: BILL_CATCH_UP_DAYS must be between 1 and 90 (WeChat Pay keeps bills for 3 months)")
	}
	if cfg.BillActLimit < 1 {
		return Config{}, errors.New("config: BILL_ACT_LIMIT must be at least 1")
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + localAddr(cfg.HTTPAddr)
	}
	if cfg.WeChatPayNotifyURL == "" {
		cfg.WeChatPayNotifyURL = strings.TrimRight(cfg.PublicURL, "/") + "/v1/wechatpay/notify"
	}
	if cfg.WeChatPayRefundNotifyURL == "" {
		cfg.WeChatPayRefundNotifyURL = strings.TrimRight(cfg.PublicURL, "/") + "/v1/wechatpay/refund-notify"
	}
	if _, err := token.ParseOperatorKeys(cfg.OperatorAPIKeys); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

type mintedKey struct {
	id, key string
	digest  [32]byte
}

func (c Config) reconcilePolicy() domain.ReconcilePolicy {
	p := domain.DefaultReconcilePolicy()
	p.MaxAttempts = c.ReconcileMaxAttempts
	if c.checkDelays != nil {
		p.Checks = c.checkDelays
	}
	return p
}

func (c Config) jobsConfig() jobs.Config {
	at, _ := c.billAt() // checked by LoadConfig
	poll := c.JobPollInterval
	if c.jobPoll > 0 {
		poll = c.jobPoll
	}
	return jobs.Config{SweepInterval: c.ReconcileInterval, Workers: c.JobWorkers, PollInterval: poll,
		PollOnly: c.DatabasePooler == poolerTransaction, BillAt: at, BillCatchUp: c.BillCatchUpDays}
}

// What DATABASE_POOLER says sits in front of PostgreSQL.
const (
	poolerNone        = "none"
	poolerSession     = "session"
	poolerTransaction = "transaction"
)

// migrateURL is where migrations run.
func (c Config) migrateURL() string {
	if c.DatabaseMigrateURL != "" {
		return c.DatabaseMigrateURL
	}
	return c.DatabaseURL
}

// withExecMode sets pgx's default_query_exec_mode on a database URL that
// names none: behind a transaction pooler without prepared statements
// (PgBouncer before 1.21) pgx's named statements would meet another
// client's on the same server connection (42P05). A mode named in the URL
// wins: cache_statement with PgBouncer ≥ 1.21 and max_prepared_statements.
func withExecMode(name, dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("config: with DATABASE_POOLER=transaction, %s must be a postgres:// URL", name)
	}
	q := u.Query()
	if q.Has("default_query_exec_mode") {
		return dbURL, nil
	}
	q.Set("default_query_exec_mode", "cache_describe")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// parseTemplates reads SUBSCRIBE_TEMPLATES.
func parseTemplates(v string) ([]domain.SubscribeTemplate, error) {
	var out []domain.SubscribeTemplate
	seen := map[string]bool{}
	for _, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		event, rest, ok := strings.Cut(entry, ":")
		id, keys, _ := strings.Cut(rest, ":")
		e := domain.SubscribeEvent(event)
		keywords, kerr := parseKeywords(keys)
		switch {
		case !ok || !templateID.MatchString(id):
			return nil, fmt.Errorf("config: SUBSCRIBE_TEMPLATES entry %q is not event:template_id[:keyword=source;…]", entry)
		case kerr != nil:
			return nil, fmt.Errorf("config: SUBSCRIBE_TEMPLATES entry %q: %w", entry, kerr)
		case e != domain.MessagePaid && e != domain.MessageShipped && e != domain.MessageRefunded && e != domain.MessageRefundRequest:
			return nil, fmt.Errorf("config: SUBSCRIBE_TEMPLATES event %q is not paid, shipped, refunded or refund_request", event)
		case seen[event]:
			return nil, fmt.Errorf("config: SUBSCRIBE_TEMPLATES names event %q twice", event)
		}
		seen[event] = true
		out = append(out, domain.SubscribeTemplate{Event: e, ID: id, Keywords: keywords})
	}
	return out, nil
}

var (
	templateID = regexp.MustCompile(`^[0-9A-Za-z_-]{1,128}$`)
	keywordKey = regexp.MustCompile(`^[a-z_]+[0-9]+$`)
)

// parseKeywords reads "thing2=goods;amount3=total": a template's keywords
// and what each shows (order, goods, total, refund, time, status, note).
func parseKeywords(v string) (map[string]domain.MessageSource, error) {
	if v == "" {
		return nil, nil
	}
	out := map[string]domain.MessageSource{}
	for _, kv := range strings.Split(v, ";") {
		k, src, ok := strings.Cut(kv, "=")
		switch domain.MessageSource(src) {
		case domain.SourceOrderNo, domain.SourceGoods, domain.SourceTotal, domain.SourceRefund, domain.SourceTime, domain.SourceStatus, domain.SourceNote:
		default:
			return nil, fmt.Errorf("%q: the source is one of order, goods, total, refund, time, status, note", kv)
		}
		if !ok || !keywordKey.MatchString(k) {
			return nil, fmt.Errorf("%q is not keyword=source (e.g. thing2=goods)", kv)
		}
		out[k] = domain.MessageSource(src)
	}
	return out, nil
}

func (c Config) subscribePolicy() domain.SubscribePolicy {
	t, _ := parseTemplates(c.SubscribeTemplates) // checked by LoadConfig
	return domain.SubscribePolicy{Templates: t}
}

// emulatorTemplates are make run's subscribe-message templates, which its
// emulator declares with the default keywords.
const emulatorTemplates = "paid:wxmpPaidTmpl,shipped:wxmpShippedTmpl,refunded:wxmpRefundedTmpl,refund_request:wxmpRefundRequestTmpl"

// The emulator's message push settings (no secret: the emulator is local).
const (
	emulatorPushToken  = "wxmpEmulatorPush"
	emulatorPushAESKey = "wxmpEmulatorPushEncodingAESKey0123456789abc"
)

var (
	pushToken  = regexp.MustCompile(`^[0-9A-Za-z]{3,32}$`)
	pushAESKey = regexp.MustCompile(`^[0-9A-Za-z]{43}$`)
)

// billAt is BILL_CHECK_AT as the time after Beijing midnight.
func (c Config) billAt() (time.Duration, error) {
	t, err := time.Parse("15:04", c.BillCheckAt)
	if err != nil {
		return 0, fmt.Errorf("config: BILL_CHECK_AT must be hh:mm (Beijing time), not %q", c.BillCheckAt)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func (c Config) billPolicy() domain.BillPolicy { return domain.BillPolicy{ActLimit: c.BillActLimit} }

func (c Config) sessionKeyEncryptionKey() ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(c.SessionKeyEncryptionKey)
	if err != nil || len(key) != 32 {
		return nil, errors.New("config: SESSION_KEY_ENCRYPTION_KEY must be base64 of 32 bytes (try: openssl rand -base64 32)")
	}
	return key, nil
}

// namedParseErrors names the environment variable, not the Go field, in
// the library's parse errors: the variable is what the reader can fix.
func namedParseErrors(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	t := reflect.TypeFor[Config]()
	var out []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := t.FieldByName(pe.Name); ok {
				out = append(out, fmt.Errorf("%s: %w", f.Tag.Get("env"), pe.Err))
				continue
			}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// siblingURL is base with its last path segment replaced by name: the
// refund notify URL next to the payment one, behind whatever path prefix
// a proxy puts in front of the service (…/v1/wechatpay/notify →
// …/v1/wechatpay/refund-notify).
func siblingURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	u.Path, u.RawPath, u.RawQuery = path.Join(path.Dir("/"+strings.TrimPrefix(u.Path, "/")), name), "", ""
	return u.String()
}

// localAddr turns a listen address like ":8080" into one a client can use.
func localAddr(listen string) string {
	if strings.HasPrefix(listen, ":") {
		return "localhost" + listen
	}
	return listen
}
