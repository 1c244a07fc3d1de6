package metrics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxmp/wxmp/domain"
)

// PoolCollector reports the database pool's use at scrape time.
type PoolCollector struct {
	pool                                  *pgxpool.Pool
	total, acquired, idle, max, waits, ns *prometheus.Desc
}

func NewPoolCollector(pool *pgxpool.Pool) *PoolCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &PoolCollector{
		pool:     pool,
		total:    d("wxmp_db_pool_connections", "Open database connections."),
		acquired: d("wxmp_db_pool_acquired_connections", "Connections in use."),
		idle:     d("wxmp_db_pool_idle_connections", "Idle connections."),
		max:      d("wxmp_db_pool_max_connections", "The pool's size (DB_MAX_CONNS)."),
		waits:    d("wxmp_db_pool_empty_acquire_total", "Acquires that had to wait for a connection."),
		ns:       d("wxmp_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection."),
	}
}

func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.total, c.acquired, c.idle, c.max, c.waits, c.ns} {
		ch <- d
	}
}

func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.ns, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds())
}

// Backlog reads, at scrape time, what is waiting in the shared database:
// open orders by status and open attention items by kind. Both queries use
// partial indexes, so they cost in proportion to what is open, not to every
// order ever placed. It is the same on every instance (one database).
type Backlog interface {
	OpenOrderCounts(ctx context.Context) (map[string]int, error)
	OpenAttentionCounts(ctx context.Context) (map[string]int, error)
	// LastBalancedDay is the latest day the bill balanced ("" if none).
	LastBalancedDay(ctx context.Context) (string, error)
}

type BacklogCollector struct {
	store           Backlog
	orders, pending *prometheus.Desc
	balanced        *prometheus.Desc
}

func NewBacklogCollector(store Backlog) *BacklogCollector {
	return &BacklogCollector{
		store:   store,
		orders:  prometheus.NewDesc("wxmp_orders_open", "Orders not yet settled, by status (pending, closing).", []string{"status"}, nil),
		pending: prometheus.NewDesc("wxmp_attention_open", "Items waiting for a person, by kind.", []string{"kind"}, nil),
		balanced: prometheus.NewDesc("wxmp_bill_last_balanced_day_end_seconds",
			"When (Unix seconds) the latest day whose bill balanced ended, Beijing midnight; its age is the age of the last clean day. Absent until a day balances.", nil, nil),
	}
}

func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.orders
	ch <- c.pending
	ch <- c.balanced
}

func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := c.store.OpenOrderCounts(ctx); err == nil {
		for _, st := range []string{"pending", "closing"} {
			ch <- prometheus.MustNewConstMetric(c.orders, prometheus.GaugeValue, float64(n[st]), st)
		}
	}
	if n, err := c.store.OpenAttentionCounts(ctx); err == nil {
		for kind, v := range n {
			ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(v), kind)
		}
	}
	if day, err := c.store.LastBalancedDay(ctx); err == nil && day != "" {
		if start, err := domain.BillDayStart(day); err == nil {
			ch <- prometheus.MustNewConstMetric(c.balanced, prometheus.GaugeValue, float64(start.AddDate(0, 0, 1).Unix()))
		}
	}
}
