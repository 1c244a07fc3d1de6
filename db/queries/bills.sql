-- The daily bill's reconciliation (adapters/postgres/bills.go). Staging
-- and matching the bill's lines use a temporary table, which sqlc cannot
-- see; they are written out in bills.go.

-- name: OpenBillDay :exec
-- A run begins: the day exists (its differences refer to it) and counts
-- one more run. Counts and status follow when the bill has been compared.
INSERT INTO bill_days (day, status, runs, checked_at) VALUES (@day, 'unbalanced', 1, @checked_at)
ON CONFLICT (day) DO UPDATE SET runs = bill_days.runs + 1, checked_at = excluded.checked_at;

-- name: CountBillDay :exec
UPDATE bill_days SET status = 'unbalanced', lines = @lines, payments = @payments, refunds = @refunds,
    wechat_paid_fen = @wechat_paid_fen, wechat_refunded_fen = @wechat_refunded_fen, failure = '', failed_line = 0
WHERE day = @day;

-- name: MarkBillDay :one
-- The bill could not be used (not made yet, or not to be believed): the
-- day says so; differences found by earlier runs stay as they were.
INSERT INTO bill_days (day, status, failure, failed_line, runs, checked_at)
VALUES (@day, @status, @failure, @failed_line, 1, @checked_at)
ON CONFLICT (day) DO UPDATE SET status = excluded.status, failure = excluded.failure, failed_line = excluded.failed_line,
    runs = bill_days.runs + 1, checked_at = excluded.checked_at
RETURNING *;

-- name: InsertBillDifference :batchexec
-- Found once per day: a rerun that finds it again keeps what was done.
INSERT INTO bill_differences (day, kind, subject, out_trade_no, out_refund_no, transaction_id, line_no, order_id,
                              ours, wechat, ours_fen, wechat_fen, found_at)
VALUES (@day, @kind, @subject, @out_trade_no, @out_refund_no, @transaction_id, @line_no, @order_id,
        @ours, @wechat, @ours_fen, @wechat_fen, @found_at)
ON CONFLICT (day, kind, subject, out_trade_no, out_refund_no) DO NOTHING;

-- name: PendingBillDifferences :many
SELECT * FROM bill_differences WHERE day = @day AND outcome = 'pending'
ORDER BY line_no = 0, line_no, id
LIMIT @max_rows;

-- name: SettleBillDifference :execrows
UPDATE bill_differences SET outcome = @outcome, action = @action, attention_kind = @attention_kind, acted_at = @acted_at
WHERE id = @id AND outcome = 'pending';

-- name: FlagAttentionOrderless :exec
-- A bill line no order of ours explains: the item is about its numbers.
INSERT INTO attention_items (kind, order_id, out_trade_no, out_refund_no, reason, facts, detail, created_at)
VALUES (@kind, NULL, @out_trade_no, @out_refund_no, @reason, @facts, @detail, @created_at)
ON CONFLICT (kind, out_trade_no, out_refund_no) WHERE resolved_at IS NULL AND order_id IS NULL DO NOTHING;

-- name: FinishBillDay :one
-- A difference is open while it waits for WeChat Pay (pending) or for a
-- person (the item it raised is not resolved); a day without open ones is
-- balanced. Our side of the day's totals is counted after the differences
-- were acted on: payments by WeChat's success time, successful refunds by
-- when we asked for them.
WITH ours AS (
    SELECT
        (SELECT COALESCE(sum(total_fen), 0) FROM orders
         WHERE paid_at >= @start::timestamptz AND paid_at < @stop::timestamptz)::bigint AS paid_fen,
        (SELECT COALESCE(sum(amount_fen), 0) FROM refunds
         WHERE created_at >= @start::timestamptz AND created_at < @stop::timestamptz AND status = 'SUCCESS')::bigint AS refunded_fen
), c AS (
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE x.outcome = 'pending' OR (x.outcome = 'attention' AND EXISTS (
               SELECT 1 FROM attention_items a
               WHERE a.resolved_at IS NULL AND a.kind = x.attention_kind AND a.out_trade_no = x.out_trade_no
                 AND a.out_refund_no IN (x.out_refund_no, ''))))::int AS open
    FROM bill_differences x WHERE x.day = @day
)
UPDATE bill_days d SET differences = c.total, open_differences = c.open,
    status = CASE WHEN c.open = 0 THEN 'balanced' ELSE 'unbalanced' END, checked_at = @checked_at,
    ours_paid_fen = ours.paid_fen, ours_refunded_fen = ours.refunded_fen
FROM c, ours WHERE d.day = @day
RETURNING d.*;

-- name: GetBillDay :one
SELECT * FROM bill_days WHERE day = @day;

-- name: BillDifferencesOfDay :many
SELECT * FROM bill_differences WHERE day = @day ORDER BY line_no = 0, line_no, id LIMIT @max_rows;

-- name: ListBillDays :many
SELECT * FROM bill_days WHERE (sqlc.narg(before)::date IS NULL OR day < sqlc.narg(before)::date)
ORDER BY day DESC LIMIT @max_rows;

-- name: LastBalancedBillDay :one
SELECT max(day)::date AS day FROM bill_days WHERE status = 'balanced';
