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

	"go.uber.org/fx"

	"github.com/wxmp/wxmp/adapters/metrics"
	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
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
}

func seedDemoCatalog(lc fx.Lifecycle, store *postgres.Store) {
	lc.Append(fx.StartHook(func(ctx context.Context) error { return store.SeedProducts(ctx, demoCatalog) }))
}

// withEmulatorKeys gives emulator mode a fresh merchant ↔ WeChat Pay key
// set, shared in memory by the emulator and the service.
func withEmulatorKeys(cfg Config) (Config, error) {
	if cfg.WeChatMode != modeEmulator || cfg.emulatorKeys != nil {
		return cfg, nil
	}
	keys, err := emulatorKeys(cfg)
	if err != nil {
		return cfg, err
	}
	cfg.emulatorKeys = &keys
	if cfg.OperatorAPIKeys == "" {
		key, _, digest, err := token.MintOperatorKey("dev")
		if err != nil {
			return cfg, err
		}
		cfg.devOperatorKey = &mintedKey{id: "dev", key: key, digest: digest}
	}
	return cfg, nil
}

// emulatorKeys are fresh for every start, or shared through
// EMULATOR_KEYS_FILE: loaded when the file exists, else made and saved.
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
