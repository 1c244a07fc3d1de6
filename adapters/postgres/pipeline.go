package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wxmp/wxmp/db/dbsqlc"
)

// A pipelined transaction is an ordinary one, BEGIN … COMMIT on one
// connection, that sends fewer requests: its BEGIN travels with its first
// statement, and the writes whose results nobody reads (queued with the
// write-behind Queries) travel with the next statement that is read, or
// with COMMIT. pgx sends each such group as one batch: one round trip.
// The row locks, the isolation and the all-or-nothing are those of any
// transaction; only the moment a queued write's error is seen moves (at
// the next read or at commit, where the whole transaction fails anyway).
//
// A transaction that has to decide on what it read (lock the order, let
// the domain decide, write) costs two round trips this way, where
// BEGIN, lock, update, insert, COMMIT cost five.

// inPipe runs fn in one pipelined transaction, committed when fn returns
// nil. q reads and writes at once (each call is one round trip, carrying
// what was queued before it); w queues writes that return nothing (sqlc's
// :exec), to be sent with the next read or with COMMIT. tx is the
// transaction for others' writes (River's job insert), which run at once.
func (s *Store) inPipe(ctx context.Context, fn func(tx *pipeTx, q, w *dbsqlc.Queries) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	p := &pipeTx{conn: conn.Conn()}
	defer func() {
		if p.open() {
			// A failed transaction, or fn's error: roll back what began
			// (pgxpool closes a connection left inside a transaction).
			_ = p.rollback(context.WithoutCancel(ctx))
		}
		conn.Release()
	}()
	if err := fn(p, s.q.WithTx(p), dbsqlc.New(writeBehind{p})); err != nil {
		return err
	}
	return p.Commit(ctx)
}

// reads runs several sqlc reads in one round trip (with BEGIN and what is
// queued): each call is made once to learn its statement, then again
// against its result. Each call must send exactly one statement, and be
// the same call both times. The statements run one after the other, each
// with its own snapshot (READ COMMITTED), exactly as if sent one by one.
func (p *pipeTx) reads(ctx context.Context, calls ...func(q *dbsqlc.Queries) error) error {
	b := &pgx.Batch{}
	capture := dbsqlc.New(capturer{b})
	for _, call := range calls {
		n := len(b.QueuedQueries)
		_ = call(capture)
		if len(b.QueuedQueries) != n+1 {
			return errors.New("postgres: a pipelined read must send exactly one statement")
		}
	}
	br, err := p.send(ctx, b)
	if err != nil {
		return err
	}
	replay := dbsqlc.New(replayer{br})
	var first error
	for _, call := range calls {
		if err := call(replay); err != nil && first == nil {
			first = err
		}
	}
	if err := p.close(br, nil); err != nil {
		return err
	}
	return first
}

// capturer queues the statement a sqlc call sends, and fails the call.
type capturer struct{ b *pgx.Batch }

var errCaptured = errors.New("postgres: statement captured")

func (c capturer) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.b.Queue(sql, args...)
	return pgconn.CommandTag{}, errCaptured
}

func (c capturer) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.b.Queue(sql, args...)
	return nil, errCaptured
}

func (c capturer) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	c.b.Queue(sql, args...)
	return pipeRow{err: errCaptured}
}

func (c capturer) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errNotQueueable
}

func (c capturer) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return errBatch{errNotQueueable}
}

// replayer answers a sqlc call with the next result of a sent batch.
type replayer struct{ br pgx.BatchResults }

func (r replayer) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return r.br.Exec()
}

func (r replayer) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return r.br.Query()
}

func (r replayer) QueryRow(context.Context, string, ...any) pgx.Row {
	return r.br.QueryRow()
}

func (r replayer) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errNotQueueable
}

func (r replayer) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return errBatch{errNotQueueable}
}

// pipeTx is a pgx.Tx whose BEGIN and queued writes go with its next
// statement.
type pipeTx struct {
	conn    *pgx.Conn
	begun   bool // BEGIN was sent
	done    bool // committed or rolled back
	pending pgx.Batch
	err     error // a queued write failed: the transaction is lost
	spNum   int
}

func (p *pipeTx) open() bool { return p.begun && !p.done }

// send sends BEGIN (once), the queued writes and then b's statements as
// one batch, and reads the results of all but b's; the caller reads b's
// from the returned results and closes them.
func (p *pipeTx) send(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	if p.err != nil {
		return nil, p.err
	}
	if p.done {
		return nil, pgx.ErrTxClosed
	}
	out := &pgx.Batch{}
	lead := 0
	if !p.begun {
		out.Queue("BEGIN")
		p.begun = true
		lead++
	}
	out.QueuedQueries = append(out.QueuedQueries, p.pending.QueuedQueries...)
	lead += len(p.pending.QueuedQueries)
	p.pending.QueuedQueries = nil
	out.QueuedQueries = append(out.QueuedQueries, b.QueuedQueries...)
	br := p.conn.SendBatch(ctx, out)
	for range lead {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			p.err = err
			return nil, err
		}
	}
	return br, nil
}

func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br, err := p.send(ctx, b)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, p.close(br, err)
}

func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br, err := p.send(ctx, b)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, p.close(br, err)
	}
	return &pipeRows{Rows: rows, p: p, br: br}, nil
}

func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := p.Query(ctx, sql, args...)
	return pipeRow{rows: rows, err: err}
}

func (p *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	br, err := p.send(ctx, b)
	if err != nil {
		return errBatch{err}
	}
	return br
}

func (p *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if _, err := p.Exec(ctx, "SELECT 1"); err != nil { // BEGIN and what is queued
		return 0, err
	}
	n, err := p.conn.CopyFrom(ctx, table, cols, src)
	if err != nil {
		p.err = err
	}
	return n, err
}

func (p *pipeTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return p.conn.Prepare(ctx, name, sql)
}

func (p *pipeTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (p *pipeTx) Conn() *pgx.Conn { return p.conn }

// Begin starts a savepoint, the way pgx nests transactions.
func (p *pipeTx) Begin(ctx context.Context) (pgx.Tx, error) {
	p.spNum++
	sp := &savepoint{p: p, name: fmt.Sprintf("sp_%d", p.spNum)}
	if _, err := p.Exec(ctx, "SAVEPOINT "+sp.name); err != nil {
		return nil, err
	}
	return sp, nil
}

// Commit sends the queued writes and COMMIT in one round trip.
func (p *pipeTx) Commit(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	if p.done {
		return pgx.ErrTxClosed
	}
	if !p.begun && len(p.pending.QueuedQueries) == 0 {
		p.done = true // nothing was sent: nothing to commit
		return nil
	}
	b := &pgx.Batch{}
	b.Queue("COMMIT")
	br, err := p.send(ctx, b)
	if err != nil {
		return err
	}
	tag, err := br.Exec()
	if err = p.close(br, err); err != nil {
		return err
	}
	p.done = true
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (p *pipeTx) Rollback(ctx context.Context) error {
	if p.done {
		return pgx.ErrTxClosed
	}
	return p.rollback(ctx)
}

func (p *pipeTx) rollback(ctx context.Context) error {
	p.done = true
	p.pending.QueuedQueries = nil
	if !p.begun {
		return nil
	}
	_, err := p.conn.Exec(ctx, "ROLLBACK")
	if err != nil {
		// The connection cannot be trusted: close it rather than return a
		// connection in a transaction to the pool.
		_ = p.conn.Close(ctx)
	}
	return err
}

// close closes the batch results, keeping the first error; an error
// leaves the transaction lost.
func (p *pipeTx) close(br pgx.BatchResults, err error) error {
	err = errors.Join(err, br.Close())
	if err != nil && p.err == nil {
		p.err = err
	}
	return err
}

// pipeRows closes the batch with the rows.
type pipeRows struct {
	pgx.Rows
	p      *pipeTx
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *pipeRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.p.close(r.br, r.Rows.Err())
}

func (r *pipeRows) Err() error {
	if r.closed {
		return r.err
	}
	return r.Rows.Err()
}

type pipeRow struct {
	rows pgx.Rows
	err  error
}

func (r pipeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		r.rows.Close()
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return pipeRow{err: b.err} }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }

// writeBehind is the DBTX of the write-behind Queries: :exec statements
// are queued on the transaction; anything whose answer is read is refused.
type writeBehind struct{ p *pipeTx }

var errNotQueueable = errors.New("postgres: only statements whose result is not read can be queued")

func (w writeBehind) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if w.p.err != nil {
		return pgconn.CommandTag{}, w.p.err
	}
	if w.p.done {
		return pgconn.CommandTag{}, pgx.ErrTxClosed
	}
	w.p.pending.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

func (w writeBehind) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errNotQueueable
}

func (w writeBehind) QueryRow(context.Context, string, ...any) pgx.Row {
	return pipeRow{err: errNotQueueable}
}

func (w writeBehind) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errNotQueueable
}

func (w writeBehind) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return errBatch{errNotQueueable}
}

// savepoint is a nested transaction of a pipeTx.
type savepoint struct {
	p      *pipeTx
	name   string
	closed bool
}

func (s *savepoint) Begin(ctx context.Context) (pgx.Tx, error) { return s.p.Begin(ctx) }

func (s *savepoint) Commit(ctx context.Context) error {
	if s.closed {
		return pgx.ErrTxClosed
	}
	s.closed = true
	_, err := s.p.Exec(ctx, "RELEASE SAVEPOINT "+s.name)
	return err
}

func (s *savepoint) Rollback(ctx context.Context) error {
	if s.closed {
		return pgx.ErrTxClosed
	}
	s.closed = true
	if s.p.err != nil {
		return s.p.err
	}
	_, err := s.p.Exec(ctx, "ROLLBACK TO SAVEPOINT "+s.name)
	return err
}

func (s *savepoint) CopyFrom(ctx context.Context, t pgx.Identifier, c []string, src pgx.CopyFromSource) (int64, error) {
	return s.p.CopyFrom(ctx, t, c, src)
}
func (s *savepoint) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return s.p.SendBatch(ctx, b)
}
func (s *savepoint) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }
func (s *savepoint) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return s.p.Prepare(ctx, name, sql)
}
func (s *savepoint) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return s.p.Exec(ctx, sql, args...)
}
func (s *savepoint) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return s.p.Query(ctx, sql, args...)
}
func (s *savepoint) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return s.p.QueryRow(ctx, sql, args...)
}
func (s *savepoint) Conn() *pgx.Conn { return s.p.conn }

var (
	_ pgx.Tx      = (*pipeTx)(nil)
	_ pgx.Tx      = (*savepoint)(nil)
	_ dbsqlc.DBTX = writeBehind{}
)
