-- +goose Up
-- The buyer's side (README: "The buyer's side"): refund applications
-- (售后), the profile (nickname, avatar, the verified phone, sealed like
-- the session_key), uploaded images behind one storage port, and the sends
-- of subscribe messages each buyer granted (no WeChat API reports them, so
-- the shop counts).

CREATE TABLE refund_applications (
    id            uuid        PRIMARY KEY,
    order_id      uuid        NOT NULL REFERENCES orders (id),
    user_id       uuid        NOT NULL REFERENCES users (id),
    amount_fen    bigint      NOT NULL CHECK (amount_fen > 0),
    reason        text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 80),
    status        text        NOT NULL CHECK (status IN ('requested', 'refunding', 'refunded', 'rejected', 'withdrawn')),
    note          text        NOT NULL DEFAULT '',
    out_refund_no text        NOT NULL DEFAULT '',
    approvals     integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX refund_applications_order_idx ON refund_applications (order_id, created_at);
-- The operator's queue: what may wait for a decision, oldest first.
CREATE INDEX refund_applications_open_idx ON refund_applications (created_at) WHERE status IN ('requested', 'refunding');

ALTER TABLE users
    ADD COLUMN nickname     text NOT NULL DEFAULT '' CHECK (char_length(nickname) <= 20),
    ADD COLUMN avatar_id    text,
    ADD COLUMN phone_sealed bytea,
    ADD COLUMN phone_masked text NOT NULL DEFAULT '';

CREATE TABLE images (
    id           text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    content_type text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes        bytea       NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE subscriptions (
    user_id     uuid    NOT NULL REFERENCES users (id),
    template_id text    NOT NULL,
    remaining   integer NOT NULL CHECK (remaining >= 0),
    PRIMARY KEY (user_id, template_id)
);

-- +goose Down
DROP TABLE subscriptions;
DROP TABLE images;
ALTER TABLE users DROP COLUMN phone_masked, DROP COLUMN phone_sealed, DROP COLUMN avatar_id, DROP COLUMN nickname;
DROP TABLE refund_applications;
