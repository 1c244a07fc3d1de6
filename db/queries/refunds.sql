-- name: RefundOrderID :one
SELECT order_id FROM refunds WHERE out_refund_no = @out_refund_no;

-- name: UnsettledRefunds :many
-- Refunds WeChat has not settled (PROCESSING or ABNORMAL), oldest first,
-- with their order's out_trade_no; reads refunds_unsettled_idx.
SELECT sqlc.embed(r), o.out_trade_no FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE r.status IN ('PROCESSING', 'ABNORMAL')
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (r.created_at, r.id) > (sqlc.narg(after_created_at)::timestamptz, @after_id::uuid))
ORDER BY r.created_at, r.id
LIMIT @max_rows;
