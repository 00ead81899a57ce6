-- Foundation: actors, follows, inbound de-duplication and the durable delivery queue.
-- Times are Unix milliseconds (BIGINT) so that SQLite and PostgreSQL read them alike.

-- Actors this server owns: the instance actor, the Society's actors, forums and members.
CREATE TABLE local_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,            -- preferredUsername and the acct: name
    kind TEXT NOT NULL,                   -- Application | Group | Organization | Person
    role TEXT,                            -- members only: admin | moderator | author
    display_name TEXT NOT NULL,
    summary TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,        -- never served, never logged
    password_hash TEXT,                   -- members only, argon2id
    created_at BIGINT NOT NULL
);

-- Actors of other instances, as last fetched and verified.
CREATE TABLE remote_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    instance TEXT NOT NULL,               -- host:port, the unit of delivery and policy
    kind TEXT NOT NULL,
    preferred_username TEXT,
    display_name TEXT,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    public_key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);

-- Who follows which local actor.
CREATE TABLE follows (
    local_actor_id BIGINT NOT NULL REFERENCES local_actors (id),
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    follow_activity_id TEXT NOT NULL,     -- the id of the Follow we accepted
    created_at BIGINT NOT NULL,
    PRIMARY KEY (local_actor_id, remote_actor_id)
);
CREATE INDEX follows_by_time ON follows (local_actor_id, created_at);

-- Ids of inbound activities already acted on: a replay changes nothing.
CREATE TABLE received_activities (
    ap_id TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);

-- The durable delivery queue: one row per activity and inbox, written in the same transaction
-- as the change that caused it, deleted once delivered (or refused for good).
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL,
    signer_id BIGINT NOT NULL REFERENCES local_actors (id),
    inbox TEXT NOT NULL,
    payload TEXT NOT NULL,                -- the activity JSON exactly as it will be sent
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,  -- a worker's lease; 0 when unclaimed
    last_status TEXT,                     -- short outcome of the last try, never a body
    given_up_at BIGINT,                   -- set after the last retry; kept for operators
    created_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at);
