// Package jobs runs the domain's background work on River, in Postgres:
// per-order jobs (check, settle, late payment) that the storage adapter
// inserts in the same transaction as the order change that asked for
// them, and two periodic jobs (the reconciliation sweep, the purge of
// expired rows). River elects one leader among all instances to enqueue
// periodic jobs and locks each job for one worker, so that every job runs
// once however many instances share the database.
//
// Workers are thin driving adapters, like HTTP handlers: they decode the
// job's arguments and call a domain use case.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/wxmp/wxmp/domain"
)

// Job arguments. The kind is what River stores; the domain's JobKind for
// per-order jobs.
type (
	CheckOrderArgs struct {
		OrderID uuid.UUID `json:"order_id"`
	}
	SettleOrderArgs struct {
		OrderID uuid.UUID `json:"order_id"`
	}
	LatePaymentArgs struct {
		OrderID uuid.UUID `json:"order_id"`
	}
	RefundArgs struct {
		OrderID     uuid.UUID `json:"order_id"`
		OutRefundNo string    `json:"out_refund_no"`
	}
	SubmitRefundArgs   struct{ RefundArgs }
	CheckRefundArgs    struct{ RefundArgs }
	SweepArgs          struct{}
	PurgeArgs          struct{}
	ShippingUploadArgs struct {
		OrderID uuid.UUID `json:"order_id"`
	}
	MessageArgs struct {
		OrderID uuid.UUID `json:"order_id"`
		Event   string    `json:"event"`
	}
	// BillArgs reconciles one day's bill; without a day (the daily
	// trigger) it queues the days due.
	BillArgs struct {
		Day string `json:"day,omitempty"`
	}
)

func (CheckOrderArgs) Kind() string   { return string(domain.JobCheckOrder) }
func (SettleOrderArgs) Kind() string  { return string(domain.JobSettleOrder) }
func (LatePaymentArgs) Kind() string  { return string(domain.JobLatePayment) }
func (SubmitRefundArgs) Kind() string { return string(domain.JobSubmitRefund) }
func (CheckRefundArgs) Kind() string  { return string(domain.JobCheckRefund) }
func (SweepArgs) Kind() string        { return "reconcile_sweep" }
func (BillArgs) Kind() string         { return string(domain.JobCheckBill) }
func (ShippingUploadArgs) Kind() string {
	return string(domain.JobUploadShipping)
}
func (MessageArgs) Kind() string { return string(domain.JobSendMessage) }

// InsertOpts: a message is worth a few tries, not a day of them.
func (MessageArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// InsertOpts keeps one run per day waiting or running: a rerun asked for
// while the day runs is that run. Ten attempts span about a day and a half
// of River's back-off when WeChat Pay stays away.
func (BillArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: oneWaitingPerRefund.UniqueOpts}
}

// InsertOpts keeps one check chain per refund: a submit job that runs again
// after its commit (rescued after a crash) would otherwise start a second
// chain beside the snoozing one, and both would count the refund's checks.
// A finished chain (completed, cancelled, discarded) does not block a new one.
func (CheckRefundArgs) InsertOpts() river.InsertOpts { return oneWaitingPerRefund }

// InsertOpts keeps one submit job per refund: a check that finds the refund
// unknown at WeChat asks for a submit, which must not run beside one that
// is still retrying.
func (SubmitRefundArgs) InsertOpts() river.InsertOpts { return oneWaitingPerRefund }

var oneWaitingPerRefund = river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}}}

func (PurgeArgs) Kind() string { return "purge_expired" }

// Scheduler writes domain jobs with River inside the caller's transaction
// (postgres.JobScheduler). It is an insert-only client: it needs no pool.
type Scheduler struct {
	client   *river.Client[pgx.Tx]
	messages bool
}

// SendMessages lets the domain's subscribe-message jobs through: without
// a template configured they would find nothing to send, so they are not
// written at all (a payment's transaction stays as short as it was).
func (s *Scheduler) SendMessages() { s.messages = true }

func NewScheduler() (*Scheduler, error) {
	c, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("river scheduler: %w", err)
	}
	return &Scheduler{client: c}, nil
}

func (s *Scheduler) ScheduleTx(ctx context.Context, tx pgx.Tx, jobs []domain.Job) error {
	if !s.messages {
		kept := jobs[:0:0]
		for _, j := range jobs {
			if j.Kind != domain.JobSendMessage {
				kept = append(kept, j)
			}
		}
		jobs = kept
	}
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		args, err := argsFor(j)
		if err != nil {
			return err
		}
		opts := &river.InsertOpts{}
		if j.RunAt.After(time.Now()) {
			// A job due now is inserted available, for the next free worker;
			// a scheduled one waits for River's scheduler (every 5s).
			opts.ScheduledAt = j.RunAt
		}
		params[i] = river.InsertManyParams{Args: args, InsertOpts: opts}
	}
	_, err := s.client.InsertManyTx(ctx, tx, params)
	return err
}

func argsFor(j domain.Job) (river.JobArgs, error) {
	switch j.Kind {
	case domain.JobCheckOrder:
		return CheckOrderArgs{OrderID: j.OrderID}, nil
	case domain.JobSettleOrder:
		return SettleOrderArgs{OrderID: j.OrderID}, nil
	case domain.JobLatePayment:
		return LatePaymentArgs{OrderID: j.OrderID}, nil
	case domain.JobSubmitRefund:
		return SubmitRefundArgs{RefundArgs{OrderID: j.OrderID, OutRefundNo: j.RefundNo}}, nil
	case domain.JobCheckRefund:
		return CheckRefundArgs{RefundArgs{OrderID: j.OrderID, OutRefundNo: j.RefundNo}}, nil
	case domain.JobCheckBill:
		return BillArgs{Day: j.Day}, nil
	case domain.JobUploadShipping:
		return ShippingUploadArgs{OrderID: j.OrderID}, nil
	case domain.JobSendMessage:
		return MessageArgs{OrderID: j.OrderID, Event: j.Event}, nil
	}
	return nil, fmt.Errorf("no River job for kind %q", j.Kind)
}

// Purger deletes rows nobody needs any more (the Postgres store).
type Purger interface {
	PurgeExpiredSessions(ctx context.Context, before time.Time) (int64, error)
	PurgeRefusalBudget(ctx context.Context, before time.Time) error
}

// Config tunes the runner; zero values take the defaults.
type Config struct {
	// SweepInterval is how often the reconciliation sweep runs (the safety
	// net under the per-order jobs). Default 1m.
	SweepInterval time.Duration
	// PurgeInterval is how often expired sessions are deleted. Default 1h.
	PurgeInterval time.Duration
	// SweepLimit bounds the orders one sweep settles. Default 100.
	SweepLimit int
	// Workers is how many jobs one instance runs at once. Default 10.
	Workers int
	// PollInterval is how often River looks for work without a LISTEN
	// wake-up. Default River's (1s).
	PollInterval time.Duration
	// PollOnly: no LISTEN at all (behind a transaction pooler, which drops
	// NOTIFYs); new jobs wait up to PollInterval, and a leader that resigns
	// is replaced within about 5 s.
	PollOnly bool
	// BillAt is when, after Beijing midnight, the day before is reconciled
	// with WeChat Pay's bill. Default 10h30m (WeChat makes it from 9:00).
	BillAt time.Duration
	// BillCatchUp is how many days before yesterday a daily run looks back
	// at for days not reconciled. Default 7.
	BillCatchUp int
	// BillRetry is the wait before asking again for a bill not made yet.
	// Default 30m.
	BillRetry time.Duration
}

// Deps are the use cases the workers call.
type Deps struct {
	Refresh   *domain.RefreshOrder
	Reconcile *domain.Reconcile
	Late      *domain.HandleLatePayment
	Submit    *domain.SubmitRefund
	Check     *domain.CheckRefund
	Bill      *domain.CheckBill
	Upload    *domain.UploadShipment
	Message   *domain.SendMessage
	Purger    Purger
	Now       domain.Clock
	Log       *slog.Logger
}

// NewRunner builds the River client that works the jobs on this instance.
// Start it with a context that lives until Stop.
func NewRunner(pool *pgxpool.Pool, cfg Config, d Deps) (*river.Client[pgx.Tx], error) {
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = time.Minute
	}
	if cfg.PurgeInterval <= 0 {
		cfg.PurgeInterval = time.Hour
	}
	if cfg.SweepLimit <= 0 {
		cfg.SweepLimit = 100
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 10
	}
	if cfg.BillAt <= 0 {
		cfg.BillAt = 10*time.Hour + 30*time.Minute
	}
	if cfg.BillCatchUp <= 0 {
		cfg.BillCatchUp = 7
	}
	if cfg.BillRetry <= 0 {
		cfg.BillRetry = 30 * time.Minute
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &checkWorker{refresh: d.Refresh})
	river.AddWorker(workers, &settleWorker{reconcile: d.Reconcile, now: d.Now})
	river.AddWorker(workers, &lateWorker{late: d.Late})
	river.AddWorker(workers, &submitRefundWorker{submit: d.Submit})
	river.AddWorker(workers, &checkRefundWorker{check: d.Check})
	river.AddWorker(workers, &sweepWorker{reconcile: d.Reconcile, limit: cfg.SweepLimit, log: d.Log})
	river.AddWorker(workers, &purgeWorker{purger: d.Purger, now: d.Now, log: d.Log})
	river.AddWorker(workers, &uploadWorker{upload: d.Upload})
	river.AddWorker(workers, &messageWorker{send: d.Message})
	river.AddWorker(workers, &billWorker{check: d.Bill, catchUp: cfg.BillCatchUp, retry: cfg.BillRetry, now: d.Now})
	return river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		PollOnly:          cfg.PollOnly,
		Logger:            slog.New(chatterAtDebug{d.Log.Handler()}).With("component", "river"),
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepInterval),
				func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, sweepOpts }, &river.PeriodicJobOpts{ID: "reconcile_sweep"}),
			river.NewPeriodicJob(river.PeriodicInterval(cfg.PurgeInterval),
				func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil }, &river.PeriodicJobOpts{ID: "purge_expired", RunOnStart: true}),
			river.NewPeriodicJob(DailyAt(cfg.BillAt),
				func() (river.JobArgs, *river.InsertOpts) { return BillArgs{}, nil }, &river.PeriodicJobOpts{ID: "bill_check"}),
		},
	})
}

// A sweep that is still queued or running makes the next one redundant.
var sweepOpts = &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
}}}

type checkWorker struct {
	river.WorkerDefaults[CheckOrderArgs]
	refresh *domain.RefreshOrder
}

func (w *checkWorker) Work(ctx context.Context, j *river.Job[CheckOrderArgs]) error {
	return w.refresh.Check(ctx, j.Args.OrderID)
}

// settleWorker makes one settle attempt; while the order stays open it
// snoozes until the attempt the order's own back-off says is next. River
// does not count snoozes, the order counts its attempts and stops itself.
type settleWorker struct {
	river.WorkerDefaults[SettleOrderArgs]
	reconcile *domain.Reconcile
	now       domain.Clock
}

func (w *settleWorker) Work(ctx context.Context, j *river.Job[SettleOrderArgs]) error {
	outcome, settleErr := w.reconcile.Settle(ctx, j.Args.OrderID)
	if outcome != domain.OutcomeWaiting && outcome != domain.OutcomeFailed {
		// Done, or not due: whoever holds the attempt (the sweep, another
		// job) carries on from here.
		return nil
	}
	next, err := w.reconcile.NextAttempt(ctx, j.Args.OrderID)
	if err != nil {
		return err // River retries with its own back-off
	}
	if next.IsZero() {
		return nil
	}
	if settleErr != nil && !next.After(w.now()) {
		// The attempt failed before the order's back-off moved on (its own
		// save failed): a snooze of 0 would run it again at once, forever.
		// Returned, the error gets River's back-off and attempt limit.
		return settleErr
	}
	return river.JobSnooze(max(0, next.Sub(w.now())))
}

type lateWorker struct {
	river.WorkerDefaults[LatePaymentArgs]
	late *domain.HandleLatePayment
}

func (w *lateWorker) Work(ctx context.Context, j *river.Job[LatePaymentArgs]) error {
	return w.late.Execute(ctx, j.Args.OrderID)
}

// submitRefundWorker asks WeChat for the refund; an error (WeChat says
// later) is retried by River on its back-off, with the same out_refund_no.
type submitRefundWorker struct {
	river.WorkerDefaults[SubmitRefundArgs]
	submit *domain.SubmitRefund
}

func (w *submitRefundWorker) Work(ctx context.Context, j *river.Job[SubmitRefundArgs]) error {
	err := w.submit.Execute(ctx, j.Args.OrderID, j.Args.OutRefundNo)
	if err != nil && j.Attempt >= j.MaxAttempts {
		// River discards the job after this: hand the refund to a person.
		return errors.Join(err, w.submit.GiveUp(ctx, j.Args.OrderID, j.Args.OutRefundNo, err))
	}
	return err
}

// checkRefundWorker asks about a PROCESSING refund and snoozes until the
// next check the refund's policy says, until it is final or a person is
// asked (the refund counts its checks; River does not count snoozes).
type checkRefundWorker struct {
	river.WorkerDefaults[CheckRefundArgs]
	check *domain.CheckRefund
}

func (w *checkRefundWorker) Work(ctx context.Context, j *river.Job[CheckRefundArgs]) error {
	again, err := w.check.Execute(ctx, j.Args.OrderID, j.Args.OutRefundNo)
	if err != nil {
		return err
	}
	if again > 0 {
		return river.JobSnooze(again)
	}
	return nil
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	reconcile *domain.Reconcile
	limit     int
	log       *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	res, err := w.reconcile.Execute(ctx, w.limit)
	if err != nil {
		return err
	}
	if res != (domain.ReconcileResult{}) {
		w.log.InfoContext(ctx, "reconciliation sweep", "paid", res.Paid, "expired", res.Expired, "cancelled", res.Cancelled,
			"waiting", res.Waiting, "flagged", res.Flagged, "failed", res.Failed)
	}
	return nil
}

type messageWorker struct {
	river.WorkerDefaults[MessageArgs]
	send *domain.SendMessage
}

func (w *messageWorker) Work(ctx context.Context, j *river.Job[MessageArgs]) error {
	return w.send.Execute(ctx, j.Args.OrderID, domain.SubscribeEvent(j.Args.Event))
}

type uploadWorker struct {
	river.WorkerDefaults[ShippingUploadArgs]
	upload *domain.UploadShipment
}

// Work uploads the shipment; while WeChat does not know the payment yet
// (it learns within about 10 s), it asks again 10 s later.
func (w *uploadWorker) Work(ctx context.Context, j *river.Job[ShippingUploadArgs]) error {
	err := w.upload.Execute(ctx, j.Args.OrderID)
	if errors.Is(err, domain.ErrShippingNotSynced) {
		return river.JobSnooze(10 * time.Second)
	}
	return err
}

// DailyAt is River's schedule for once a day at offset after Beijing
// midnight (WeChat Pay's days are Beijing days, wherever we run).
type DailyAt time.Duration

func (d DailyAt) Next(t time.Time) time.Time {
	b := t.In(domain.Beijing)
	midnight := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, domain.Beijing)
	if next := midnight.Add(time.Duration(d)); next.After(t) {
		return next
	}
	return midnight.AddDate(0, 0, 1).Add(time.Duration(d))
}

type billWorker struct {
	river.WorkerDefaults[BillArgs]
	check   *domain.CheckBill
	catchUp int
	retry   time.Duration
	now     domain.Clock
}

// Timeout: a busy merchant's bill has a million lines.
func (w *billWorker) Timeout(*river.Job[BillArgs]) time.Duration { return 30 * time.Minute }

func (w *billWorker) Work(ctx context.Context, j *river.Job[BillArgs]) error {
	if j.Args.Day == "" {
		days, err := w.check.DueDays(ctx, w.catchUp)
		if err != nil || len(days) == 0 {
			return err
		}
		params := make([]river.InsertManyParams, len(days))
		for i, d := range days {
			params[i] = river.InsertManyParams{Args: BillArgs{Day: d}}
		}
		_, err = river.ClientFromContext[pgx.Tx](ctx).InsertMany(ctx, params)
		return err
	}
	_, err := w.check.Execute(ctx, j.Args.Day)
	if errors.Is(err, domain.ErrBillNotReady) {
		// WeChat Pay makes the bill from 9:00 the next day; past two days
		// something else is wrong: the day stays waiting, and the next
		// daily run asks again.
		start, _ := domain.BillDayStart(j.Args.Day)
		if w.now().Before(start.AddDate(0, 0, 3)) {
			return river.JobSnooze(w.retry)
		}
		return nil
	}
	return err
}

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	purger Purger
	now    domain.Clock
	log    *slog.Logger
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	now := w.now()
	n, err := w.purger.PurgeExpiredSessions(ctx, now)
	if err == nil {
		err = w.purger.PurgeRefusalBudget(ctx, now.Add(-time.Hour))
	}
	if err != nil {
		return errors.Join(errors.New("purge expired rows"), err)
	}
	if n > 0 {
		w.log.InfoContext(ctx, "purged expired sessions", "count", n)
	}
	return nil
}

// chatterAtDebug passes River's logs on, except its periodic "Producer job
// counts" (every 5 s per queue, at info), which it logs at debug: a
// developer's terminal is for what happened, not for a heartbeat.
type chatterAtDebug struct{ slog.Handler }

func (h chatterAtDebug) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo && strings.Contains(r.Message, "Producer job counts") {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h chatterAtDebug) WithAttrs(as []slog.Attr) slog.Handler {
	return chatterAtDebug{h.Handler.WithAttrs(as)}
}

func (h chatterAtDebug) WithGroup(name string) slog.Handler {
	return chatterAtDebug{h.Handler.WithGroup(name)}
}
