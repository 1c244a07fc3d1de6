// Package metrics counts what a person watching the shop alerts on, with
// Prometheus (README: "Metrics"). It implements domain.Monitor; the
// service serves the registry on METRICS_ADDR.
package metrics

import (
	"net/http"

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
}

var _ domain.Monitor = (*Metrics)(nil)

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

// Handler serves reg in Prometheus' text format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
