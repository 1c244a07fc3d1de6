-- +goose Up
-- From paid to delivered (README: "From paid to delivered"). A product says
-- how it reaches the buyer; an order keeps how it is fulfilled, the buyer's
-- address when goods are sent, its
-- shipment, and when WeChat said the buyer received it and the trade
-- completed. Products and orders from before default to pickup, which asks
-- nothing of the buyer and leaves the order paid until someone ships it.
ALTER TABLE products
    ADD COLUMN kind text NOT NULL DEFAULT 'pickup' CHECK (kind IN ('physical', 'virtual', 'pickup'));

ALTER TABLE order_lines
    ADD COLUMN kind text NOT NULL DEFAULT 'pickup' CHECK (kind IN ('physical', 'virtual', 'pickup'));

ALTER TABLE orders
    ADD COLUMN kind         text NOT NULL DEFAULT 'pickup' CHECK (kind IN ('physical', 'virtual', 'pickup')),
    ADD COLUMN address      jsonb,
    ADD COLUMN shipment     jsonb,
    ADD COLUMN received_at  timestamptz,
    ADD COLUMN completed_at timestamptz,
    ADD CONSTRAINT orders_address_check CHECK ((kind = 'physical') = (address IS NOT NULL)),
    DROP CONSTRAINT orders_status_check,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'closing', 'paid', 'shipped', 'received', 'completed', 'cancelled', 'expired', 'late_paid', 'refunded')),
    DROP CONSTRAINT orders_paid_check,
    ADD CONSTRAINT orders_paid_check
        CHECK ((status IN ('paid', 'shipped', 'received', 'completed', 'late_paid', 'refunded')) = (transaction_id IS NOT NULL AND paid_at IS NOT NULL));

-- WeChat's shipping management answers a refusal; a person looks at it.
ALTER TABLE attention_items DROP CONSTRAINT attention_items_kind_check,
    ADD CONSTRAINT attention_items_kind_check CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order',
        'refund_reported', 'refund_abnormal', 'refund_failed', 'refund_unresolved', 'bill_difference', 'shipping_refused'));

-- +goose Down
DELETE FROM attention_items WHERE kind = 'shipping_refused';
ALTER TABLE attention_items DROP CONSTRAINT attention_items_kind_check,
    ADD CONSTRAINT attention_items_kind_check CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order',
        'refund_reported', 'refund_abnormal', 'refund_failed', 'refund_unresolved', 'bill_difference'));
UPDATE orders SET status = 'paid' WHERE status IN ('shipped', 'received', 'completed');
ALTER TABLE orders
    DROP CONSTRAINT orders_paid_check,
    ADD CONSTRAINT orders_paid_check
        CHECK ((status IN ('paid', 'late_paid', 'refunded')) = (transaction_id IS NOT NULL AND paid_at IS NOT NULL)),
    DROP CONSTRAINT orders_status_check,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'closing', 'paid', 'cancelled', 'expired', 'late_paid', 'refunded')),
    DROP CONSTRAINT orders_address_check,
    DROP COLUMN completed_at, DROP COLUMN received_at, DROP COLUMN shipment, DROP COLUMN address, DROP COLUMN kind;
ALTER TABLE order_lines DROP COLUMN kind;
ALTER TABLE products DROP COLUMN kind;
