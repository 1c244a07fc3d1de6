-- +goose Up
-- The mini-program's access_token (stable_token), one per appid, shared by
-- every instance: an instance renews it under this row's lock, so that one
-- fetches while the others wait and then read what it stored. The token is
-- sealed like a session_key (a credential to every server API of the app).
-- forced_at and forces record operator-forced refreshes, which WeChat
-- limits to 20 a day, 30 s apart.
CREATE TABLE platform_tokens (
    appid        text        PRIMARY KEY,
    access_token bytea,
    expires_at   timestamptz,
    fetched_at   timestamptz,
    forced_at    timestamptz,
    forces       integer     NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE platform_tokens;
