-- name: FlagAttention :exec
-- One open item per subject (the order, or one refund) and kind, however
-- often it is flagged: the first says why.
INSERT INTO attention_items (kind, order_id, out_trade_no, out_refund_no, reason, facts, detail, created_at)
VALUES (@kind, @order_id::uuid, @out_trade_no, @out_refund_no, @reason, @facts, @detail, @created_at)
ON CONFLICT (order_id, kind, out_refund_no) WHERE resolved_at IS NULL DO NOTHING;

-- name: ResolveAttentionAbout :exec
-- What the item asked for happened (a refund succeeded, WeChat settled an
-- ABNORMAL one): the service resolves it, saying what settled it.
UPDATE attention_items SET resolved_at = @at, resolved_by = @resolved_by, note = @note
WHERE order_id = @order_id::uuid AND kind = @kind AND out_refund_no = @out_refund_no AND resolved_at IS NULL;
