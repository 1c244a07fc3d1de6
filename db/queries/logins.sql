-- name: FindSessionByDigest :one
SELECT s.id, s.expires_at, s.revoked_at,
       u.id AS user_id, u.openid, u.unionid, u.created_at AS user_created_at,
       u.nickname, COALESCE(u.avatar_id, '')::text AS avatar_id, u.phone_masked
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_digest = @token_digest;

-- name: RevokeSession :exec
UPDATE sessions SET revoked_at = @revoked_at
WHERE id = @id AND revoked_at IS NULL;

-- name: GetSessionKeyCiphertext :one
SELECT openid, session_key_ciphertext FROM users WHERE id = @id;

-- name: DeleteSessionsExpiredBefore :execrows
-- Housekeeping: a session past its expiry can never authenticate again.
DELETE FROM sessions WHERE expires_at < @before;

-- name: SetNickname :one
UPDATE users SET nickname = @nickname, updated_at = now() WHERE id = @id
RETURNING nickname, COALESCE(avatar_id, '')::text AS avatar_id, phone_masked;

-- name: SetAvatar :one
UPDATE users SET avatar_id = @avatar_id, updated_at = now() WHERE id = @id
RETURNING nickname, COALESCE(avatar_id, '')::text AS avatar_id, phone_masked;

-- name: SetPhone :one
UPDATE users SET phone_sealed = @phone_sealed, phone_masked = @phone_masked, updated_at = now() WHERE id = @id
RETURNING nickname, COALESCE(avatar_id, '')::text AS avatar_id, phone_masked;

-- name: PutImage :exec
-- Content-addressed: the same picture twice is one row.
INSERT INTO images (id, content_type, bytes, created_at) VALUES (@id, @content_type, @bytes, now())
ON CONFLICT (id) DO NOTHING;

-- name: GetImage :one
SELECT id, content_type, bytes FROM images WHERE id = @id;

-- name: GrantSubscription :exec
INSERT INTO subscriptions (user_id, template_id, remaining) VALUES (@user_id, @template_id, @n)
ON CONFLICT (user_id, template_id) DO UPDATE SET remaining = subscriptions.remaining + EXCLUDED.remaining;

-- name: SubscriptionsOf :many
SELECT template_id, remaining FROM subscriptions WHERE user_id = @user_id;

-- name: UseSubscription :execrows
UPDATE subscriptions SET remaining = remaining - 1 WHERE user_id = @user_id AND template_id = @template_id AND remaining > 0;

-- name: ClearSubscription :exec
UPDATE subscriptions SET remaining = 0 WHERE user_id = @user_id AND template_id = @template_id;

-- name: SaveLogin :one
-- UpsertUserLogin and CreateSession in one statement: one round trip, and
-- one implicit transaction (both rows or neither).
WITH u AS (
    INSERT INTO users (openid, unionid, session_key_ciphertext, session_key_updated_at, created_at, updated_at)
    VALUES (@openid, sqlc.narg(unionid), @session_key_ciphertext, @now, @now, @now)
    ON CONFLICT (openid) DO UPDATE SET
        unionid                = COALESCE(EXCLUDED.unionid, users.unionid),
        session_key_ciphertext = EXCLUDED.session_key_ciphertext,
        session_key_updated_at = EXCLUDED.session_key_updated_at,
        updated_at             = EXCLUDED.updated_at
    RETURNING id, openid, unionid, created_at
), s AS (
    INSERT INTO sessions (user_id, token_digest, created_at, expires_at)
    SELECT id, @token_digest, @now, @expires_at FROM u
)
SELECT id, openid, unionid, created_at FROM u;
