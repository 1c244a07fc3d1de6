// Package metrics counts what a person watching the shop alerts on, with
// Prometheus (README: "Metrics"). It implements domain.Monitor; the
// service serves the registry on METRICS_ADDR.
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wxmp/wxmp/domain"
)

// Metrics is the service's Prometheus instruments.
type Metrics struct {
	verdicts        *prometheus.CounterVec
	latePayments    prometheus.Counter
	refusalsDropped prometheus.Counter
	attention       *prometheus.CounterVec
	reconcile       *prometheus.CounterVec
	requests        *prometheus.CounterVec
	requestSeconds  *prometheus.HistogramVec
	wechatCalls     *prometheus.CounterVec
	wechatSeconds   *prometheus.HistogramVec
	jobs            *prometheus.CounterVec
	jobSeconds      *prometheus.HistogramVec
	billDays        *prometheus.CounterVec
	billDiffs       *prometheus.CounterVec
	tokenFetches    *prometheus.CounterVec
	platformErrors  *prometheus.CounterVec
}

var _ domain.BillMonitor = (*Metrics)(nil)

// New registers the instruments with reg (a fresh registry per service,
// so tests and several services in one process do not collide).
func New(reg prometheus.Registerer) *Metrics {
	f := func(c prometheus.Collector) prometheus.Collector { reg.MustRegister(c); return c }
	return &Metrics{
		verdicts: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_payment_verdicts_total",
			Help: "Payment notifications and verified queries, by source and verdict (applied, duplicate, ignored, suspicious, rejected, late).",
		}, []string{"source", "verdict"})).(*prometheus.CounterVec),
		latePayments: f(prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wxmp_late_payments_total",
			Help: "Payments that arrived for a cancelled or expired order; each must be refunded.",
		})).(prometheus.Counter),
		refusalsDropped: f(prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wxmp_refused_notifications_unrecorded_total",
			Help: "Notifications that failed verification and were not written to the ledger because the minute's budget was spent.",
		})).(prometheus.Counter),
		attention: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_attention_items_total",
			Help: "Orders flagged for a person, by kind (late_payment, suspicious_payment, unresolved_order, refund_reported).",
		}, []string{"kind"})).(*prometheus.CounterVec),
		reconcile: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_reconcile_attempts_total",
			Help: "Settle attempts of open orders, by outcome (paid, expired, cancelled, waiting, flagged, failed).",
		}, []string{"outcome"})).(*prometheus.CounterVec),
		requests: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_http_requests_total",
			Help: "HTTP requests by route pattern, method and status (499: the client went away).",
		}, []string{"route", "method", "status"})).(*prometheus.CounterVec),
		requestSeconds: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wxmp_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"})).(*prometheus.HistogramVec),
		wechatCalls: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_wechat_requests_total",
			Help: "Calls to WeChat (and WeChat Pay) by endpoint and result (HTTP status class, or error).",
		}, []string{"endpoint", "result"})).(*prometheus.CounterVec),
		wechatSeconds: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wxmp_wechat_request_duration_seconds",
			Help:    "Latency of calls to WeChat by endpoint.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint"})).(*prometheus.HistogramVec),
		jobs: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_jobs_total",
			Help: "Background jobs run on this instance, by kind and outcome (completed, snoozed, retried, discarded, cancelled).",
		}, []string{"kind", "outcome"})).(*prometheus.CounterVec),
		jobSeconds: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wxmp_job_duration_seconds",
			Help:    "How long background jobs ran, by kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"})).(*prometheus.HistogramVec),
		billDays: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_bill_days_total",
			Help: "Runs of the daily bill's reconciliation, by the day's status after the run (balanced, unbalanced, waiting, failed).",
		}, []string{"status"})).(*prometheus.CounterVec),
		billDiffs: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_bill_differences_total",
			Help: "Differences between the daily bill and the books, acted on, by kind and outcome (applied, explained, attention).",
		}, []string{"kind", "outcome"})).(*prometheus.CounterVec),
		tokenFetches: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_wechat_token_fetches_total",
			Help: "Calls to stable_token for the shared access_token, by mode (normal, force) and result (ok, error, or WeChat's errcode).",
		}, []string{"mode", "result"})).(*prometheus.CounterVec),
		platformErrors: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxmp_wechat_api_errors_total",
			Help: "WeChat server API refusals by API and errcode (45009 quota, 40164 IP whitelist, 40001 token...).",
		}, []string{"api", "errcode"})).(*prometheus.CounterVec),
	}
}

// ObserveRequest counts one HTTP request (api.Observer).
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveJob counts one finished job run.
func (m *Metrics) ObserveJob(kind, outcome string, d time.Duration) {
	m.jobs.WithLabelValues(kind, outcome).Inc()
	m.jobSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

// WeChatTransport counts and times every call to WeChat through base
// (nil: http.DefaultTransport), labelled by endpoint: the path with the
// variable parts (order and refund numbers) taken out.
func (m *Metrics) WeChatTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		res, err := base.RoundTrip(r)
		ep := wechatEndpoint(r.URL.Path)
		result := "error"
		if err == nil {
			result = strconv.Itoa(res.StatusCode/100) + "xx"
		}
		m.wechatCalls.WithLabelValues(ep, result).Inc()
		m.wechatSeconds.WithLabelValues(ep).Observe(time.Since(start).Seconds())
		return res, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// wechatEndpoint names a WeChat API path without its variable parts.
func wechatEndpoint(path string) string {
	switch {
	case strings.HasPrefix(path, "/v3/pay/transactions/out-trade-no/") && strings.HasSuffix(path, "/close"):
		return "pay.close"
	case strings.HasPrefix(path, "/v3/pay/transactions/out-trade-no/"):
		return "pay.query"
	case path == "/v3/pay/transactions/jsapi":
		return "pay.jsapi"
	case path == "/v3/refund/domestic/refunds":
		return "refund.create"
	case strings.HasPrefix(path, "/v3/refund/domestic/refunds/"):
		return "refund.query"
	case path == "/sns/jscode2session":
		return "code2session"
	case strings.HasPrefix(path, "/cgi-bin/"), strings.HasPrefix(path, "/wxa/"):
		return strings.Trim(path, "/")
	default:
		return "other"
	}
}

func (m *Metrics) PaymentVerdict(source string, v domain.Verdict) {
	m.verdicts.WithLabelValues(source, string(v)).Inc()
	if v == domain.VerdictLate {
		m.latePayments.Inc()
	}
}

func (m *Metrics) RefusalNotRecorded() { m.refusalsDropped.Inc() }
func (m *Metrics) NeedsAttention(kind domain.AttentionKind) {
	m.attention.WithLabelValues(string(kind)).Inc()
}
func (m *Metrics) ReconcileOutcome(outcome string) { m.reconcile.WithLabelValues(outcome).Inc() }

func (m *Metrics) TokenFetch(mode, result string) { m.tokenFetches.WithLabelValues(mode, result).Inc() }
func (m *Metrics) PlatformError(api string, errcode int) {
	m.platformErrors.WithLabelValues(api, strconv.Itoa(errcode)).Inc()
}

func (m *Metrics) BillDayChecked(status domain.BillDayStatus) {
	m.billDays.WithLabelValues(string(status)).Inc()
}
func (m *Metrics) BillDifference(kind domain.BillDiffKind, outcome domain.DiffOutcome) {
	m.billDiffs.WithLabelValues(string(kind), string(outcome)).Inc()
}

// Handler serves reg in Prometheus' text format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
