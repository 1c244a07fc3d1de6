-- name: InsertRefundApplication :exec
INSERT INTO refund_applications (id, order_id, user_id, amount_fen, reason, status, note, out_refund_no, approvals, created_at, updated_at)
VALUES (@id, @order_id, @user_id, @amount_fen, @reason, @status, @note, @out_refund_no, @approvals, @created_at, @updated_at);

-- name: RefundApplicationsOfOrder :many
-- With the status of each one's refund, which the domain follows.
SELECT sqlc.embed(q), o.out_trade_no, COALESCE(r.status, '')::text AS refund_status, r.updated_at AS refund_updated_at
FROM refund_applications q JOIN orders o ON o.id = q.order_id
LEFT JOIN refunds r ON r.out_refund_no = q.out_refund_no AND q.out_refund_no <> ''
WHERE q.order_id = @order_id
ORDER BY q.created_at, q.id;

-- name: RefundApplicationOrder :one
SELECT order_id, user_id FROM refund_applications WHERE id = @id;

-- name: LockRefundApplication :one
SELECT * FROM refund_applications WHERE id = @id FOR UPDATE;

-- name: SaveRefundApplication :exec
UPDATE refund_applications SET status = @status, note = @note, out_refund_no = @out_refund_no, approvals = @approvals, updated_at = @updated_at
WHERE id = @id;

-- name: OpenRefundApplications :many
SELECT sqlc.embed(q), o.out_trade_no, COALESCE(r.status, '')::text AS refund_status, r.updated_at AS refund_updated_at
FROM refund_applications q JOIN orders o ON o.id = q.order_id
LEFT JOIN refunds r ON r.out_refund_no = q.out_refund_no AND q.out_refund_no <> ''
WHERE q.status = 'requested' OR (q.status = 'refunding' AND r.status = 'CLOSED')
ORDER BY q.created_at, q.id
LIMIT @max_rows;
