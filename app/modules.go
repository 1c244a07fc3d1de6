package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// serviceOptions is the whole service graph. Modules only list
// constructors; the adapters' and domain's constructors are plain functions
// that tests call without fx.
func serviceOptions(cfg Config, log *slog.Logger) fx.Option {
	opts := []fx.Option{
		fx.Supply(cfg, log),
		fx.WithLogger(fxLogger),
		storageModule,
		wechatModule,
		domainModule,
		httpModule,
	}
	if cfg.WeChatMode == modeEmulator {
		opts = append(opts, fx.Invoke(runEmulator, seedDemoCatalog))
	}
	return fx.Options(opts...)
}

var storageModule = fx.Module("storage",
	fx.Provide(
		newPool,
		newSealer,
		fx.Annotate(postgres.NewStore, fx.As(fx.Self()), fx.As(new(domain.Logins)),
			fx.As(new(domain.Sessions)), fx.As(new(domain.Orders)), fx.As(new(domain.Catalog))),
		func(s *postgres.Store) api.ReadinessCheck { return s.Ping },
	),
)

var wechatModule = fx.Module("wechat",
	fx.Provide(
		fx.Annotate(newWeChatAuth, fx.As(new(domain.WeChatAuth))),
		fx.Annotate(newWeChatPay, fx.As(new(domain.WeChatPay)), fx.As(new(api.NotificationVerifier))),
	),
)

var domainModule = fx.Module("domain",
	fx.Provide(
		func() domain.Clock { return time.Now },
		func(c Config) domain.SessionPolicy { return domain.SessionPolicy{TTL: c.TokenTTL} },
		fx.Annotate(token.NewOpaque, fx.As(new(domain.TokenIssuer))),
		func(c Config) domain.OrderPolicy { return domain.OrderPolicy{TTL: c.OrderTTL} },
		func(c Config) domain.Merchant { return domain.Merchant{AppID: c.WeChatAppID, MchID: c.WeChatPayMchID} },
		domain.NewLogin,
		domain.NewAuthenticate,
		domain.NewLogout,
		domain.NewPlaceOrder,
		domain.NewPayOrder,
		domain.NewCancelOrder,
		domain.NewConfirmPayment,
		domain.NewReconcile,
	),
	fx.Invoke(runReconciler),
)

var httpModule = fx.Module("http",
	fx.Provide(api.NewServer, api.NewNotifyHandler, api.NewHandler),
	fx.Invoke(serveHTTP),
)

// newPool connects lazily; the start hook pings so that a wrong
// DATABASE_URL stops the start instead of failing the first request.
func newPool(lc fx.Lifecycle, cfg Config) (*pgxpool.Pool, error) {
	pool, err := postgres.NewPool(context.Background(), cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := pool.Ping(ctx); err != nil {
				return fmt.Errorf("database does not answer: %w", err)
			}
			return nil
		},
		OnStop: func(context.Context) error { pool.Close(); return nil },
	})
	return pool, nil
}

func newSealer(cfg Config) (*postgres.Sealer, error) {
	key, err := cfg.sessionKeyEncryptionKey()
	if err != nil {
		return nil, err
	}
	return postgres.NewSealer(key)
}

func newWeChatAuth(cfg Config, log *slog.Logger) (*wechat.Auth, error) {
	return wechat.NewAuth(wechat.AuthConfig{
		BaseURL: cfg.WeChatAPIBase,
		AppID:   cfg.WeChatAppID,
		Secret:  cfg.WeChatSecret,
	}, nil, log)
}

// serveHTTP listens in the start hook (so a taken port fails the start),
// serves in a goroutine, and drains in-flight requests on stop.
func serveHTTP(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, h http.Handler, log *slog.Logger) {
	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.HTTPAddr)
			if err != nil {
				return fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
			}
			log.Info("serving HTTP", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					log.Error("HTTP server stopped", "err", err)
					_ = sd.Shutdown(fx.ExitCode(1))
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}

// runEmulator serves the WeChat emulator in-process (WECHAT_MODE=emulator,
// and the `emulator` subcommand) with the same credentials the service uses.
func runEmulator(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, log *slog.Logger) error {
	emuCfg := emulator.Config{AppID: cfg.WeChatAppID, Secret: cfg.WeChatSecret}
	if cfg.emulatorKeys != nil {
		// make run serves plain HTTP locally, so the emulator must accept an
		// http:// notify_url, which real WeChat Pay never would.
		emuCfg.Pay = &emulator.PayConfig{Keys: *cfg.emulatorKeys, AllowHTTPNotify: true}
	}
	emu, err := emulator.New(emuCfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.EmulatorAddr, Handler: emu.Handler(), ReadHeaderTimeout: 5 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.EmulatorAddr)
			if err != nil {
				return fmt.Errorf("listen on EMULATOR_ADDR %s: %w", cfg.EmulatorAddr, err)
			}
			log.Info("WeChat emulator serving", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					log.Error("emulator stopped", "err", err)
					_ = sd.Shutdown(fx.ExitCode(1))
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			err := srv.Shutdown(ctx)
			emu.Close() // stop pending notification retries
			return err
		},
	})
	return nil
}

func fxLogger(log *slog.Logger) fxevent.Logger {
	l := &fxevent.SlogLogger{Logger: log}
	l.UseLogLevel(slog.LevelDebug) // fx's own wiring chatter is for debugging only
	return l
}
