-- name: UpsertUserLogin :one
-- One row per openid. A unionid, once known, is kept even if a later
-- code2session omits it; the session key is always replaced by the newest.
INSERT INTO users (openid, unionid, session_key_ciphertext, session_key_updated_at, created_at, updated_at)
VALUES (@openid, sqlc.narg(unionid), @session_key_ciphertext, @now, @now, @now)
ON CONFLICT (openid) DO UPDATE SET
    unionid                = COALESCE(EXCLUDED.unionid, users.unionid),
    session_key_ciphertext = EXCLUDED.session_key_ciphertext,
    session_key_updated_at = EXCLUDED.session_key_updated_at,
    updated_at             = EXCLUDED.updated_at
RETURNING id, openid, unionid, created_at;

-- name: CreateSession :exec
INSERT INTO sessions (user_id, token_digest, created_at, expires_at)
VALUES (@user_id, @token_digest, @created_at, @expires_at);

-- name: FindSessionByDigest :one
SELECT s.id, s.expires_at, s.revoked_at,
       u.id AS user_id, u.openid, u.unionid, u.created_at AS user_created_at
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
