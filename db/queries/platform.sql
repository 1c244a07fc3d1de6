-- name: SharedToken :one
SELECT * FROM platform_tokens WHERE appid = @appid;

-- name: EnsureTokenRow :exec
INSERT INTO platform_tokens (appid) VALUES (@appid) ON CONFLICT (appid) DO NOTHING;

-- name: LockToken :one
-- One instance renews at a time; the others wait here.
SELECT * FROM platform_tokens WHERE appid = @appid FOR UPDATE;

-- name: StoreToken :exec
UPDATE platform_tokens SET access_token = @access_token, expires_at = @expires_at, fetched_at = @fetched_at,
    forced_at = @forced_at, forces = @forces
WHERE appid = @appid;
