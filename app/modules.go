package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/wxmp/wxmp/adapters/images"
	"github.com/wxmp/wxmp/adapters/jobs"
	"github.com/wxmp/wxmp/adapters/metrics"
	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/api/console"
	"github.com/wxmp/wxmp/domain"
)

// serviceOptions is the whole service graph. Modules only list
// constructors; the adapters' and domain's constructors are plain functions
// that tests call without fx. The emulator is not part of it (serve adds
// it in emulator mode), so that several instances can share one.
func serviceOptions(cfg Config, log *slog.Logger) fx.Option {
	opts := []fx.Option{
		fx.Supply(cfg, log),
		fx.WithLogger(fxLogger),
		storageModule,
		wechatModule,
		domainModule,
		jobsModule,
		httpModule,
		metricsModule,
	}
	if cfg.WeChatMode == modeEmulator {
		opts = append(opts, fx.Invoke(seedDemoCatalog, checkEmulatorKnowsOrders))
	}
	// Last: readiness reports ready once every other start hook has run.
	opts = append(opts, fx.Invoke(releaseReadiness))
	return fx.Options(opts...)
}

func releaseReadiness(lc fx.Lifecycle, server *api.Server) {
	lc.Append(fx.StartHook(server.Release))
}

var storageModule = fx.Module("storage",
	fx.Provide(
		newPool,
		newSealer,
		fx.Annotate(newScheduler, fx.As(new(postgres.JobScheduler))),
		fx.Annotate(postgres.NewStore, fx.As(fx.Self()), fx.As(new(domain.Logins)),
			fx.As(new(domain.Sessions)), fx.As(new(domain.Orders)), fx.As(new(domain.Catalog)), fx.As(new(jobs.Purger)),
			fx.As(new(domain.Backoffice)), fx.As(new(domain.BillChecks)), fx.As(new(domain.RefundApplications)), fx.As(new(domain.Profiles)), fx.As(new(domain.Subscriptions)), fx.As(new(domain.SendMessages))),
		func(s *postgres.Store) api.ReadinessCheck { return s.Ping },
	),
)

var wechatModule = fx.Module("wechat",
	fx.Provide(
		fx.Annotate(newWeChatAuth, fx.As(new(domain.WeChatAuth))),
		fx.Annotate(newPlatform, fx.As(fx.Self()), fx.As(new(domain.Platform)), fx.As(new(domain.WeChatPhone)), fx.As(new(domain.WeChatMessages))),
		fx.Annotate(func() images.Pictures { return images.Pictures{} }, fx.As(new(domain.Pictures))),
		fx.Annotate(func(p *wechat.Platform, c Config) *wechat.Shipping { return wechat.NewShipping(p, c.WeChatPayMchID) },
			fx.As(new(domain.WeChatShipping))),
		fx.Annotate(newWeChatPay, fx.As(new(domain.WeChatPay)), fx.As(new(api.NotificationVerifier)),
			fx.As(new(domain.WeChatRefunds)), fx.As(new(api.RefundNotificationVerifier)), fx.As(new(domain.WeChatBills))),
	),
)

// setMsgJumpPath points WeChat's shipping messages at the order page, in
// the background at start: a WeChat that does not answer must not keep the
// service from serving, and the next start sets it again.
func setMsgJumpPath(lc fx.Lifecycle, p *wechat.Platform, cfg Config, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				if err := p.SetMsgJumpPath(ctx, cfg.MsgJumpPath); err != nil && ctx.Err() == nil {
					log.Warn("could not set the page WeChat's shipping messages open", "path", cfg.MsgJumpPath, "err", err)
				}
			}()
			return nil
		},
		OnStop: func(context.Context) error { cancel(); return nil },
	})
}

var domainModule = fx.Module("domain",
	fx.Provide(
		func() domain.Clock { return time.Now },
		func(c Config) domain.SessionPolicy { return domain.SessionPolicy{TTL: c.TokenTTL} },
		fx.Annotate(token.NewOpaque, fx.As(new(domain.TokenIssuer))),
		func(c Config) domain.OrderPolicy { return c.orderPolicy() },
		func(c Config) domain.Merchant { return domain.Merchant{AppID: c.WeChatAppID, MchID: c.WeChatPayMchID} },
		func(c Config) domain.ReconcilePolicy { return c.reconcilePolicy() },
		func(c Config) domain.LedgerPolicy { return domain.LedgerPolicy{RefusalsPerMinute: c.RefusalsPerMinute} },
		domain.DefaultRefundPolicy,
		domain.NewLogin,
		domain.NewAuthenticate,
		domain.NewLogout,
		domain.NewPlaceOrder,
		domain.NewPayOrder,
		domain.NewCancelOrder,
		domain.NewConfirmPayment,
		domain.NewReconcile,
		domain.NewRefreshOrder,
		domain.NewHandleLatePayment,
		domain.NewRefundOrder,
		domain.NewConfirmRefund,
		domain.NewSubmitRefund,
		domain.NewCheckRefund,
		func(c Config) domain.BillPolicy { return c.billPolicy() },
		domain.NewCheckBill,
		domain.NewUploadShipment,
		domain.NewConfirmReceipt,
		domain.NewAskRefund,
		domain.NewEditProfile,
		func(c Config) domain.SubscribePolicy { return c.subscribePolicy() },
		domain.NewSubscribe,
		domain.NewSendMessage,
		domain.NewOperate,
	),
)

var jobsModule = fx.Module("jobs",
	fx.Provide(func(c Config) jobs.Config { return c.jobsConfig() }),
	fx.Invoke(runJobs, setMsgJumpPath),
)

var httpModule = fx.Module("http",
	fx.Provide(api.NewServer, api.NewNotifyHandler, api.NewRefundNotifyHandler, api.NewHandler, api.NewPushHandler, newPushOpener,
		fx.Annotate(newOperatorKeys, fx.As(new(api.OperatorVerifier))),
		func(c Config) api.AccessLog { return api.AccessLog(c.AccessLog) }),
	fx.Invoke(serveHTTP),
)

var metricsModule = fx.Module("metrics",
	fx.Provide(
		prometheus.NewRegistry,
		func(r *prometheus.Registry) prometheus.Registerer { return r },
		fx.Annotate(metrics.New, fx.As(fx.Self()), fx.As(new(domain.Monitor)), fx.As(new(domain.BillMonitor)), fx.As(new(api.Observer))),
	),
	fx.Invoke(registerCollectors, serveMetrics),
)

// registerCollectors adds what is read at scrape time: the process, the
// database pool, and the backlog in the shared database.
func registerCollectors(reg prometheus.Registerer, pool *pgxpool.Pool, store *postgres.Store) {
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewPoolCollector(pool),
		metrics.NewBacklogCollector(store),
	)
}

// runJobs works this instance's share of the River jobs until stop. River
// elects one leader for the periodic jobs and locks every job for one
// worker, so any number of instances can run it.
func runJobs(lc fx.Lifecycle, pool *pgxpool.Pool, cfg jobs.Config, refresh *domain.RefreshOrder, reconcile *domain.Reconcile,
	late *domain.HandleLatePayment, submit *domain.SubmitRefund, check *domain.CheckRefund, bill *domain.CheckBill, upload *domain.UploadShipment, message *domain.SendMessage, store *postgres.Store,
	m *metrics.Metrics, now domain.Clock, log *slog.Logger,
) error {
	runner, err := jobs.NewRunner(pool, cfg, jobs.Deps{
		Refresh: refresh, Reconcile: reconcile, Late: late, Submit: submit, Check: check, Bill: bill, Upload: upload, Message: message, Purger: store, Now: now, Log: log,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	events, unsubscribe := runner.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	counted := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(counted)
				for e := range events {
					m.ObserveJob(e.Job.Kind, jobOutcome(e), e.JobStats.RunDuration)
				}
			}()
			log.Info("background jobs started", "workers", cfg.Workers)
			return runner.Start(ctx)
		},
		OnStop: func(stopCtx context.Context) error {
			defer cancel()
			err := runner.Stop(stopCtx)
			unsubscribe()
			<-counted
			log.Info("background jobs stopped")
			return err
		},
	})
	return nil
}

func jobOutcome(e *river.Event) string {
	switch {
	case e.Kind == river.EventKindJobCompleted:
		return "completed"
	case e.Kind == river.EventKindJobSnoozed:
		return "snoozed"
	case e.Kind == river.EventKindJobCancelled:
		return "cancelled"
	case e.Job.State == rivertype.JobStateDiscarded:
		return "discarded"
	default:
		return "retried"
	}
}

// newOperatorKeys accepts the configured operator keys, and in emulator
// mode the one minted at start (printed by make run).
func newOperatorKeys(cfg Config) (*token.OperatorKeys, error) {
	keys, err := token.ParseOperatorKeys(cfg.OperatorAPIKeys)
	if err != nil {
		return nil, err
	}
	if k := cfg.devOperatorKey; k != nil {
		keys.Add(k.id, k.digest)
	}
	return keys, nil
}

// serveMetrics serves /metrics on METRICS_ADDR, a listener of its own so
// that it is never exposed with the API; empty serves nothing.
func serveMetrics(lc fx.Lifecycle, cfg Config, reg *prometheus.Registry, log *slog.Logger) {
	if cfg.MetricsAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	// Profiles for finding what keeps a path from its floor (make bench),
	// in emulator mode only: in production anyone who reaches the metrics
	// port could otherwise make the service spend CPU on a profile.
	if cfg.WeChatMode == modeEmulator {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	}
	srv := &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.MetricsAddr)
			if err != nil {
				return fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
			}
			log.Info("serving metrics", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					log.Error("metrics server stopped", "err", err)
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}

// newPool connects lazily; the start hook pings so that a wrong
// DATABASE_URL stops the start instead of failing the first request.
func newPool(lc fx.Lifecycle, cfg Config) (*pgxpool.Pool, error) {
	pool, err := postgres.NewPool(context.Background(), cfg.DatabaseURL, cfg.DBMaxConns)
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

var templateTitles = map[domain.SubscribeEvent]string{
	domain.MessagePaid: "支付成功通知", domain.MessageShipped: "订单发货提醒", domain.MessageRefunded: "退款成功通知",
	domain.MessageRefundRequest: "售后申请提醒",
}

// keywordNames are the names the emulator's phone shows for a template's keywords.
func keywordNames(t domain.SubscribeTemplate) map[string]string {
	names := map[domain.MessageSource]string{domain.SourceOrderNo: "订单编号", domain.SourceGoods: "商品名称", domain.SourceTotal: "订单金额",
		domain.SourceRefund: "退款金额", domain.SourceTime: "时间", domain.SourceStatus: "状态", domain.SourceNote: "说明"}
	keywords := t.Keywords
	if len(keywords) == 0 {
		keywords = domain.DefaultKeywords[t.Event]
	}
	out := map[string]string{}
	for k, src := range keywords {
		out[k] = names[src]
	}
	return out
}

// newScheduler writes the domain's jobs; subscribe-message jobs only when
// a template is configured.
func newScheduler(c Config) (*jobs.Scheduler, error) {
	s, err := jobs.NewScheduler()
	if err == nil && len(c.subscribePolicy().Templates) > 0 {
		s.SendMessages()
	}
	return s, err
}

// newPushOpener checks WeChat's pushes with the admin console's settings;
// nil (the push URL answers 404) when none are configured.
func newPushOpener(cfg Config) (api.PushOpener, error) {
	if cfg.WeChatPushToken == "" {
		return nil, nil
	}
	return wechat.NewPush(wechat.PushConfig{Token: cfg.WeChatPushToken, EncodingAESKey: cfg.WeChatPushAESKey, AppID: cfg.WeChatAppID})
}

// newPlatform is WeChat's server API client, with the access_token shared
// through the database; every call goes to WECHAT_API_BASE.
func newPlatform(cfg Config, store *postgres.Store, m *metrics.Metrics, log *slog.Logger) (*wechat.Platform, error) {
	return wechat.NewPlatform(wechat.PlatformConfig{BaseURL: cfg.WeChatAPIBase, AppID: cfg.WeChatAppID, Secret: cfg.WeChatSecret},
		store, &http.Client{Transport: m.WeChatTransport(wechat.NewTransport())}, m, log)
}

func newWeChatAuth(cfg Config, m *metrics.Metrics, log *slog.Logger) (*wechat.Auth, error) {
	return wechat.NewAuth(wechat.AuthConfig{
		BaseURL: cfg.WeChatAPIBase,
		AppID:   cfg.WeChatAppID,
		Secret:  cfg.WeChatSecret,
	}, &http.Client{Transport: m.WeChatTransport(wechat.NewTransport())}, log)
}

// serveHTTP listens in the start hook (so a taken port fails the start),
// serves in a goroutine, and drains in-flight requests on stop.
func serveHTTP(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, h http.Handler, server *api.Server, log *slog.Logger) {
	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	server.Hold() // until every start hook has run (releaseReadiness)
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
		OnStop: func(ctx context.Context) error {
			// Readiness fails first; the listener stays open a little
			// longer, so that what a load balancer sent at the moment of the
			// signal is still answered.
			server.Drain()
			log.Info("stopping: readiness fails now; the listener closes after the delay", "delay", cfg.ShutdownDelay)
			select {
			case <-time.After(cfg.ShutdownDelay):
			case <-ctx.Done():
			}
			err := srv.Shutdown(ctx)
			log.Info("HTTP server stopped")
			return err
		},
	})
}

// runEmulator serves the WeChat emulator in-process (WECHAT_MODE=emulator,
// and the `emulator` subcommand) with the same credentials the service uses.
func runEmulator(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, log *slog.Logger) error {
	// Its web console at /console/ (api/console) shows what WeChat saw.
	emuCfg := emulator.Config{AppID: cfg.WeChatAppID, Secret: cfg.WeChatSecret, Console: console.Emulator(), Hosts: emulatorHosts(cfg),
		StateFile: cfg.emulatorStateFile, OnSaveError: func(err error) { log.Error("the emulator could not keep its state", "err", err) }}
	if cfg.emulatorKeys != nil {
		// make run serves plain HTTP locally, so the emulator must accept an
		// http:// notify_url, which real WeChat Pay never would.
		emuCfg.Pay = &emulator.PayConfig{Keys: *cfg.emulatorKeys, AllowHTTPNotify: true}
	}
	// The subscribe-message templates the service sends, as the admin
	// console would have them.
	for _, t := range cfg.subscribePolicy().Templates {
		emuCfg.Subscribe.Templates = append(emuCfg.Subscribe.Templates, emulator.SubscribeTemplate{
			ID: t.ID, Title: templateTitles[t.Event], Fields: keywordNames(t)})
	}
	// WeChat's shipping management learns of a payment about 10 s after it;
	// make run's emulator takes a second, so that a shipment made at once is
	// uploaded at once.
	emuCfg.Shipping = emulator.ShippingConfig{SyncDelay: time.Second}
	if cfg.WeChatPushToken != "" {
		// WeChat's events (shipping, receipt, settlement) go to the service.
		emuCfg.Push = &emulator.PushConfig{URL: strings.TrimRight(cfg.PublicURL, "/") + "/v1/wechat/push",
			Token: cfg.WeChatPushToken, EncodingAESKey: cfg.WeChatPushAESKey}
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

// emulatorHosts are the names the service was configured to reach the
// emulator at (WECHAT_API_BASE, WECHATPAY_API_BASE; by default EMULATOR_ADDR,
// which is loopback): a name in /etc/hosts, say. The emulator answers
// them besides loopback ones and refuses every other Host (DNS rebinding).
func emulatorHosts(cfg Config) []string {
	var hosts []string
	for _, base := range []string{cfg.WeChatAPIBase, cfg.WeChatPayAPIBase} {
		if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	return hosts
}

func fxLogger(log *slog.Logger) fxevent.Logger {
	l := &fxevent.SlogLogger{Logger: log}
	l.UseLogLevel(slog.LevelDebug) // fx's own wiring chatter is for debugging only
	return l
}
