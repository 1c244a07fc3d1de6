-- name: ListActiveProducts :many
SELECT id, name, description, price_fen, stock, kind
FROM products WHERE active
ORDER BY created_at, sku;

-- name: SeedProduct :exec
-- Demo catalog for emulator mode; an existing sku is left as it is.
INSERT INTO products (sku, name, description, price_fen, stock, kind)
VALUES (@sku, @name, @description, @price_fen, @stock, @kind)
ON CONFLICT (sku) DO NOTHING;

-- name: ReserveStock :one
-- Atomic check-and-decrement: the row lock serialises buyers, so stock
-- never goes below zero and never oversells.
UPDATE products SET stock = stock - @quantity
WHERE id = @id AND active AND stock >= @quantity
RETURNING id, name, price_fen, kind;

-- name: ProductIsActive :one
SELECT EXISTS (SELECT 1 FROM products WHERE id = @id AND active);

-- name: ReleaseStock :exec
-- The product rows are locked in id order first, the order placing an
-- order locks them in (ReserveStock, lines sorted by product id): a plain
-- UPDATE ... FROM locks them in whatever order its plan meets them, and
-- could deadlock with an order being placed. A locking SELECT sorts before
-- it locks, and, locking, is never folded into the UPDATE; the UPDATE then
-- only meets rows it already holds. An order has one line per product.
WITH locked AS (
    SELECT p.id, l.quantity
    FROM products p JOIN order_lines l ON l.product_id = p.id
    WHERE l.order_id = @order_id
    ORDER BY p.id
    FOR UPDATE OF p
)
UPDATE products p SET stock = p.stock + locked.quantity
FROM locked
WHERE p.id = locked.id;

-- name: ClaimIdempotencyKey :exec
-- Requests with one user's Idempotency-Key queue here until the first
-- commits, so every one of them finds the same order.
SELECT pg_advisory_xact_lock(hashtextextended(sqlc.arg(lock_key)::text, 0));

-- name: FindIdempotentOrder :one
SELECT id, request_hash FROM orders
WHERE user_id = @user_id AND idempotency_key = @idempotency_key;

-- name: InsertOrder :exec
INSERT INTO orders (id, user_id, payer_openid, out_trade_no, status, description, total_fen,
                    idempotency_key, request_hash, created_at, updated_at, expires_at, next_check_at, kind, address)
VALUES (@id, @user_id, @payer_openid, @out_trade_no, @status, @description, @total_fen,
        sqlc.narg(idempotency_key), @request_hash, @created_at, @created_at, @expires_at, sqlc.narg(next_check_at),
        @kind, sqlc.narg(address));

-- name: GetOrder :one
SELECT * FROM orders WHERE id = @id;

-- name: LockOrder :one
SELECT * FROM orders WHERE id = @id FOR UPDATE;

-- name: LockOrderByOutTradeNo :one
SELECT * FROM orders WHERE out_trade_no = @out_trade_no FOR UPDATE;

-- name: OrderLines :many
SELECT order_id, product_id, name, unit_price_fen, quantity, kind
FROM order_lines WHERE order_id = ANY(@order_ids::uuid[])
ORDER BY order_id, line_no;

-- name: SaveOrderState :exec
UPDATE orders SET status = @status, close_to = sqlc.narg(close_to),
    prepay_id = sqlc.narg(prepay_id), prepay_issued_at = sqlc.narg(prepay_issued_at),
    transaction_id = sqlc.narg(transaction_id), paid_at = sqlc.narg(paid_at),
    check_attempts = @check_attempts, next_check_at = sqlc.narg(next_check_at),
    last_query_at = sqlc.narg(last_query_at), refunded_fen = @refunded_fen, updated_at = @updated_at,
    shipment = sqlc.narg(shipment), received_at = sqlc.narg(received_at), completed_at = sqlc.narg(completed_at)
WHERE id = @id;

-- name: ListDueOrders :many
SELECT id FROM orders
WHERE status IN ('pending', 'closing') AND next_check_at <= @now
ORDER BY next_check_at
LIMIT @max_rows;

-- name: AppendLedger :exec
INSERT INTO payment_ledger (event_id, source, event_type, verdict, reason,
                            out_trade_no, transaction_id, out_refund_no, amount_fen, received_at)
VALUES (@event_id, @source, @event_type, @verdict, @reason,
        @out_trade_no, @transaction_id, @out_refund_no, sqlc.narg(amount_fen), @received_at);

-- name: AppendRefusal :execrows
-- A refused notification is written only while the minute's budget lasts:
-- one statement, so concurrent refusals on any instance share one count.
WITH budget AS (
    INSERT INTO ledger_refusal_budget (minute, used)
    VALUES (date_trunc('minute', @received_at::timestamptz), 1)
    ON CONFLICT (minute) DO UPDATE SET used = ledger_refusal_budget.used + 1
    RETURNING used
)
INSERT INTO payment_ledger (event_id, source, event_type, verdict, reason, received_at)
SELECT @event_id, @source, '', 'rejected', @reason, @received_at
FROM budget WHERE used <= @per_minute::integer;

-- name: PurgeRefusalBudget :exec
DELETE FROM ledger_refusal_budget WHERE minute < @before;

-- name: OrderRefunds :many
SELECT * FROM refunds WHERE order_id = @order_id ORDER BY created_at, id;

-- name: SaveRefund :exec
-- Insert a new refund, or write what the domain decided about one.
INSERT INTO refunds (id, order_id, out_refund_no, amount_fen, reason, status, refund_id, failure,
                     requested_by, idempotency_key, request_hash, check_attempts, created_at, updated_at, succeeded_at)
VALUES (@id, @order_id, @out_refund_no, @amount_fen, @reason, @status, sqlc.narg(refund_id), @failure,
        @requested_by, sqlc.narg(idempotency_key), sqlc.narg(request_hash), @check_attempts, @created_at, @updated_at, sqlc.narg(succeeded_at))
ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, refund_id = EXCLUDED.refund_id, failure = EXCLUDED.failure,
    check_attempts = EXCLUDED.check_attempts, updated_at = EXCLUDED.updated_at, succeeded_at = EXCLUDED.succeeded_at;

-- name: FindRefundByKey :one
SELECT id, order_id, request_hash FROM refunds WHERE idempotency_key = @idempotency_key;

-- name: LatestPrepaidOrder :one
-- The newest order WeChat Pay was asked to prepay (emulator mode's start-up
-- check that the emulator still knows it).
SELECT out_trade_no FROM orders WHERE prepay_id IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: ListUserOrdersWithLines :many
SELECT sqlc.embed(o),
       l.product_ids::uuid[] AS line_product_ids, l.names::text[] AS line_names,
       l.unit_prices::bigint[] AS line_unit_prices, l.quantities::integer[] AS line_quantities,
       l.kinds::text[] AS line_kinds
FROM orders o
CROSS JOIN LATERAL (
    SELECT array_agg(product_id ORDER BY line_no) AS product_ids, array_agg(name ORDER BY line_no) AS names,
           array_agg(unit_price_fen ORDER BY line_no) AS unit_prices, array_agg(quantity ORDER BY line_no) AS quantities,
           array_agg(kind ORDER BY line_no) AS kinds
    FROM order_lines WHERE order_id = o.id
) l
WHERE o.user_id = @user_id
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (o.created_at, o.id) < (sqlc.narg(after_created_at)::timestamptz, @after_id::uuid))
ORDER BY o.created_at DESC, o.id DESC
LIMIT @max_rows;

-- name: ReadOrder :one
-- An order by id (and, for a buyer, only theirs) with its lines and
-- refunds.
SELECT sqlc.embed(o),
       l.product_ids::uuid[] AS line_product_ids, l.names::text[] AS line_names,
       l.unit_prices::bigint[] AS line_unit_prices, l.quantities::integer[] AS line_quantities,
       l.kinds::text[] AS line_kinds,
       r.refunds::jsonb AS refunds
FROM orders o
CROSS JOIN LATERAL (
    SELECT array_agg(product_id ORDER BY line_no) AS product_ids, array_agg(name ORDER BY line_no) AS names,
           array_agg(unit_price_fen ORDER BY line_no) AS unit_prices, array_agg(quantity ORDER BY line_no) AS quantities,
           array_agg(kind ORDER BY line_no) AS kinds
    FROM order_lines WHERE order_id = o.id
) l
CROSS JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'id', id, 'order_id', order_id, 'out_refund_no', out_refund_no, 'amount_fen', amount_fen,
               'reason', reason, 'status', status, 'refund_id', refund_id, 'failure', failure,
               'requested_by', requested_by, 'check_attempts', check_attempts, 'created_at', created_at,
               'updated_at', updated_at, 'succeeded_at', succeeded_at) ORDER BY created_at, id) AS refunds
    FROM refunds WHERE order_id = o.id AND o.transaction_id IS NOT NULL
) r
WHERE o.id = @id AND (sqlc.narg(user_id)::uuid IS NULL OR o.user_id = sqlc.narg(user_id)::uuid);

-- name: ReadOrderByOutTradeNo :one
-- ReadOrder by out_trade_no.
SELECT sqlc.embed(o),
       l.product_ids::uuid[] AS line_product_ids, l.names::text[] AS line_names,
       l.unit_prices::bigint[] AS line_unit_prices, l.quantities::integer[] AS line_quantities,
       l.kinds::text[] AS line_kinds,
       r.refunds::jsonb AS refunds
FROM orders o
CROSS JOIN LATERAL (
    SELECT array_agg(product_id ORDER BY line_no) AS product_ids, array_agg(name ORDER BY line_no) AS names,
           array_agg(unit_price_fen ORDER BY line_no) AS unit_prices, array_agg(quantity ORDER BY line_no) AS quantities,
           array_agg(kind ORDER BY line_no) AS kinds
    FROM order_lines WHERE order_id = o.id
) l
CROSS JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'id', id, 'order_id', order_id, 'out_refund_no', out_refund_no, 'amount_fen', amount_fen,
               'reason', reason, 'status', status, 'refund_id', refund_id, 'failure', failure,
               'requested_by', requested_by, 'check_attempts', check_attempts, 'created_at', created_at,
               'updated_at', updated_at, 'succeeded_at', succeeded_at) ORDER BY created_at, id) AS refunds
    FROM refunds WHERE order_id = o.id AND o.transaction_id IS NOT NULL
) r
WHERE o.out_trade_no = @out_trade_no;

-- name: LockOrderWithLines :one
-- An order under its row lock, with its lines (they never change once
-- written). Not its refunds: a lock that waited sees the order as its
-- holder left it, but a join in the same statement would still see the
-- refunds as they were before the wait; OrderRefunds, the next statement
-- (in the same round trip), takes its snapshot once the lock is held.
SELECT sqlc.embed(o),
       l.product_ids::uuid[] AS line_product_ids, l.names::text[] AS line_names,
       l.unit_prices::bigint[] AS line_unit_prices, l.quantities::integer[] AS line_quantities,
       l.kinds::text[] AS line_kinds
FROM orders o
CROSS JOIN LATERAL (
    SELECT array_agg(product_id ORDER BY line_no) AS product_ids, array_agg(name ORDER BY line_no) AS names,
           array_agg(unit_price_fen ORDER BY line_no) AS unit_prices, array_agg(quantity ORDER BY line_no) AS quantities,
           array_agg(kind ORDER BY line_no) AS kinds
    FROM order_lines WHERE order_id = o.id
) l
WHERE o.id = @id
FOR UPDATE OF o;

-- name: OrderRefundsByOutTradeNo :many
-- OrderRefunds by the order's out_trade_no (after LockOrderByOutTradeNo).
SELECT * FROM refunds
WHERE order_id = (SELECT id FROM orders WHERE out_trade_no = @out_trade_no)
ORDER BY created_at, id;

-- name: InsertOrderLineArrays :exec
-- An order's lines in one statement (a pipelined batch cannot COPY).
INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price_fen, quantity, kind)
SELECT @order_id, unnest(@line_nos::integer[]), unnest(@product_ids::uuid[]), unnest(@names::text[]),
       unnest(@unit_prices::bigint[]), unnest(@quantities::integer[]), unnest(@kinds::text[]);
