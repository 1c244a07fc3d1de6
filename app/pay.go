package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/fx"

	"github.com/wxmp/wxmp/adapters/metrics"
	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// newWeChatPay builds the WeChat Pay client from the emulator's keys
// (emulator mode) or from the PEM files the configuration names (live).
func newWeChatPay(cfg Config, m *metrics.Metrics, log *slog.Logger) (*wechat.Pay, error) {
	hc := &http.Client{Transport: m.WeChatTransport(wechat.NewTransport())}
	pc := wechat.PayConfig{
		BaseURL:         cfg.WeChatPayAPIBase,
		AppID:           cfg.WeChatAppID,
		MchID:           cfg.WeChatPayMchID,
		NotifyURL:       cfg.WeChatPayNotifyURL,
		RefundNotifyURL: cfg.WeChatPayRefundNotifyURL,
	}
	if k := cfg.emulatorKeys; k != nil {
		pc.MchCertSerial, pc.MchPrivateKey, pc.APIv3Key = k.MchCertSerial, k.MchPrivateKey, k.APIv3Key
		pc.PublicKeyID, pc.PublicKey = k.PublicKeyID, &k.PublicKeyPrivate.PublicKey
		pc.PlatformCerts = []*x509.Certificate{k.PlatformCert}
		pc.BillsOfOpenDays = true // the emulator makes today's bill on demand
		return wechat.NewPay(pc, hc, log)
	}
	pc.MchCertSerial, pc.APIv3Key, pc.PublicKeyID = cfg.WeChatPayMchCertSerial, cfg.WeChatPayAPIv3Key, cfg.WeChatPayPublicKeyID
	var err error
	if pc.MchPrivateKey, err = readPEM("WECHATPAY_MCH_PRIVATE_KEY", cfg.WeChatPayMchPrivateKey, wechat.ParsePrivateKeyPEM); err != nil {
		return nil, err
	}
	if cfg.WeChatPayPublicKey != "" {
		if pc.PublicKey, err = readPEM("WECHATPAY_PUBLIC_KEY", cfg.WeChatPayPublicKey, wechat.ParsePublicKeyPEM); err != nil {
			return nil, err
		}
	}
	for _, path := range cfg.WeChatPayPlatformCerts {
		certs, err := readPEM("WECHATPAY_PLATFORM_CERTS", path, wechat.ParseCertificatesPEM)
		if err != nil {
			return nil, err
		}
		pc.PlatformCerts = append(pc.PlatformCerts, certs...)
	}
	return wechat.NewPay(pc, hc, log)
}

// readPEM loads one key file; the error names the variable and the path,
// never the contents.
func readPEM[T any](variable, path string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("config: %s: %w", variable, err)
	}
	v, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("config: %s (%s): %w", variable, path, err)
	}
	return v, nil
}

// demoCatalog is what `make run` sells. Prices are integer fen.
var demoCatalog = []postgres.ProductSeed{
	{SKU: "oolong-tea", Name: "乌龙茶 Oolong tea", Description: "250 g, Anxi Tieguanyin", PriceFen: 1280, Stock: 100},
	{SKU: "mug", Name: "马克杯 Mug", Description: "Ceramic, 350 ml", PriceFen: 3500, Stock: 50},
	{SKU: "notebook", Name: "笔记本 Notebook", Description: "A5, dotted", PriceFen: 990, Stock: 200},
	{SKU: "one-fen", Name: "一分钱测试 One-fen test item", Description: "For trying payments", PriceFen: 1, Stock: 1000},
	// Sent to the buyer: checkout asks for the address, the operator ships it.
	{SKU: "teapot", Name: "茶壶 Teapot", Description: "Yixing clay, 300 ml; sent by courier", PriceFen: 8800, Stock: 30,
		Kind: domain.KindPhysical},
	// Delivered on payment: the order is shipped as soon as it is paid.
	{SKU: "vip-month", Name: "会员月卡 Monthly membership", Description: "Delivered at once", PriceFen: 1500, Stock: 1000,
		Kind: domain.KindVirtual},
}

func seedDemoCatalog(lc fx.Lifecycle, store *postgres.Store) {
	lc.Append(fx.StartHook(func(ctx context.Context) error { return store.SeedProducts(ctx, demoCatalog) }))
}

// withEmulatorKeys gives emulator mode its merchant ↔ WeChat Pay key set,
// shared by the emulator and the service, and (with no OPERATOR_API_KEYS)
// make run's operator key. Both are kept under DATA_DIR, like the database
// beside them, so that a restart changes neither: the emulator still
// verifies the merchant, and an open console tab stays signed in.
func withEmulatorKeys(cfg Config) (Config, error) {
	if cfg.WeChatMode != modeEmulator || cfg.emulatorKeys != nil {
		return cfg, nil
	}
	// Made here first, searchable: the embedded cluster's unprivileged
	// user must reach DATA_DIR/postgres through it (a key file's folder
	// alone would make it 0700, owned by whoever runs make run).
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return cfg, err
	}
	if cfg.EmulatorKeysFile == "" {
		cfg.EmulatorKeysFile = filepath.Join(cfg.DataDir, "emulator", "pay-keys.json")
	}
	keys, err := emulatorKeys(cfg)
	if err != nil {
		return cfg, err
	}
	cfg.emulatorKeys = &keys
	if cfg.OperatorAPIKeys == "" {
		k, err := devOperatorKey(filepath.Join(cfg.DataDir, "dev-operator.key"))
		if err != nil {
			return cfg, fmt.Errorf("make run's operator key: %w", err)
		}
		cfg.devOperatorKey = k
	}
	return cfg, nil
}

// devOperatorKey reads make run's operator key from path, minting and
// keeping it there (0600) on first use.
func devOperatorKey(path string) (*mintedKey, error) {
	key, err := keptSecret(path, func() (string, error) {
		key, _, _, err := token.MintOperatorKey("dev")
		return key, err
	})
	if err != nil {
		return nil, err
	}
	id, digest, err := token.DigestOperatorKey(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (delete it to mint a new one)", path, err)
	}
	return &mintedKey{id: id, key: key, digest: digest}, nil
}

// emulatorKeys are kept in EMULATOR_KEYS_FILE (by default under DATA_DIR):
// loaded when the file exists, else made and saved.
func emulatorKeys(cfg Config) (emulator.PayKeys, error) {
	if cfg.EmulatorKeysFile != "" {
		k, err := emulator.LoadPayKeys(cfg.EmulatorKeysFile)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return k, err
		}
	}
	keys, err := emulator.GeneratePayKeys(cfg.WeChatPayMchID)
	if err != nil {
		return keys, err
	}
	if cfg.EmulatorKeysFile != "" {
		if err := emulator.SavePayKeys(cfg.EmulatorKeysFile, keys); err != nil {
			return keys, fmt.Errorf("EMULATOR_KEYS_FILE: %w", err)
		}
	}
	return keys, nil
}

// checkEmulatorKnowsOrders says, in one log line, when the emulator and the
// database disagree: the database has a prepaid order the emulator has no
// transaction for (a DATA_DIR copied without its emulator/ folder, an
// emulator run apart with EMULATOR_EXTERNAL and restarted). Orders from
// before then cannot be refunded through it; /pay asks it anew every time
// in emulator mode (Config.orderPolicy), so no prepay_id it never issued is
// handed out. It runs after start and never holds start-up up.
func checkEmulatorKnowsOrders(lc fx.Lifecycle, store *postgres.Store, pay domain.WeChatPay, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				if no, disagree := emulatorForgot(ctx, store, pay); disagree {
					log.Error("the WeChat emulator has no transaction for order "+no+", which the database says it prepaid: "+
						"the emulator's state was not kept with the database (DATA_DIR copied without DATA_DIR/emulator, or an "+
						"emulator run apart was restarted); orders from before cannot be refunded through it. `make reset` starts both afresh",
						"out_trade_no", no)
				}
			}()
			return nil
		},
		OnStop: func(context.Context) error { cancel(); <-done; return nil },
	})
}

// emulatorForgot asks the emulator about the newest prepaid order, waiting
// a few seconds for it to listen (in-process, it starts beside us).
func emulatorForgot(ctx context.Context, store *postgres.Store, pay domain.WeChatPay) (string, bool) {
	no, err := store.LatestPrepaidOrder(ctx)
	if err != nil {
		return "", false // none yet, or the database will say so elsewhere
	}
	for range 20 {
		_, err = pay.QueryOrder(ctx, no)
		if !errors.Is(err, domain.ErrPaymentUnavailable) {
			break
		}
		select {
		case <-ctx.Done():
			return "", false
		case <-time.After(250 * time.Millisecond):
		}
	}
	return no, errors.Is(err, domain.ErrNotFound)
}
