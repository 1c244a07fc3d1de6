-- name: AdminListOrders :many
-- Newest first; every filter is optional (NULL matches all).
SELECT * FROM orders
WHERE (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(created_from)::timestamptz IS NULL OR created_at >= sqlc.narg(created_from)::timestamptz)
  AND (sqlc.narg(created_before)::timestamptz IS NULL OR created_at < sqlc.narg(created_before)::timestamptz)
  AND (sqlc.narg(out_trade_no)::text IS NULL OR out_trade_no = sqlc.narg(out_trade_no)::text)
  AND (sqlc.narg(payer_openid)::text IS NULL OR payer_openid = sqlc.narg(payer_openid)::text)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created_at)::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: OrderLedger :many
SELECT * FROM payment_ledger WHERE out_trade_no = @out_trade_no ORDER BY id;

-- name: OrderAttention :many
SELECT * FROM attention_items WHERE order_id = @order_id::uuid ORDER BY id;

-- name: OpenAttentionItems :many
SELECT * FROM attention_items WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT @max_rows;

-- name: ResolveAttention :one
-- The first resolution stands.
UPDATE attention_items SET resolved_at = COALESCE(resolved_at, @at::timestamptz),
    resolved_by = COALESCE(resolved_by, @resolved_by::text), note = COALESCE(note, @note::text)
WHERE id = @id
RETURNING *;

-- name: ListCatalog :many
SELECT * FROM products ORDER BY created_at, sku;

-- name: CreateProduct :one
INSERT INTO products (id, sku, name, description, price_fen, stock, active, created_at, updated_at, kind)
VALUES (@id, @sku, @name, @description, @price_fen, @stock, @active, @created_at, @updated_at, @kind)
RETURNING *;

-- name: LockProduct :one
SELECT * FROM products WHERE id = @id FOR UPDATE;

-- name: SaveProduct :one
UPDATE products SET name = @name, description = @description, price_fen = @price_fen, stock = @stock,
    active = @active, updated_at = @updated_at, kind = @kind
WHERE id = @id
RETURNING *;

-- name: InsertAudit :exec
INSERT INTO operator_audit (key_id, action, target, detail, at)
VALUES (@key_id, @action, @target, @detail, @at);

-- name: OpenOrderCounts :many
-- Uses orders_due_idx (a partial index on open orders).
SELECT status, count(*)::int AS n FROM orders WHERE status IN ('pending', 'closing') GROUP BY status;

-- name: OpenAttentionCounts :many
SELECT kind, count(*)::int AS n FROM attention_items WHERE resolved_at IS NULL GROUP BY kind;
