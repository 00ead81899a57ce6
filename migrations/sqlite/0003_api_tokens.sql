-- API bearer tokens of members: only a SHA-256 of each token is kept; the token is shown once.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the token
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_by_actor ON api_tokens (actor_id);
