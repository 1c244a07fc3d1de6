-- +goose Up
-- Users are keyed by the openid WeChat gives per appid. The session key is
-- kept only as AES-256-GCM ciphertext (see adapters/postgres/seal.go).
CREATE TABLE users (
    id                     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    openid                 text        NOT NULL UNIQUE CHECK (openid <> ''),
    unionid                text,
    session_key_ciphertext bytea       NOT NULL,
    session_key_updated_at timestamptz NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL
);

-- A session is one login. Only the SHA-256 of the bearer token is stored;
-- the unique index on it is the one lookup every authenticated request makes.
CREATE TABLE sessions (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest bytea       NOT NULL UNIQUE CHECK (octet_length(token_digest) = 32),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL CHECK (expires_at > created_at),
    revoked_at   timestamptz
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
