-- Moderation: held and removed posts, locks, reply policies, screening words, bans, instance
-- policies, reports, participant labels and the record of every decision.

-- A held post waits for a moderator (the reason says why); a removed one was taken down by a
-- moderator (restorable, unlike an author's deletion). Neither is shown publicly or relayed.
ALTER TABLE posts ADD COLUMN held_reason TEXT;
ALTER TABLE posts ADD COLUMN removed_at BIGINT;
-- A locked conversation takes no more replies (set on its first post).
ALTER TABLE posts ADD COLUMN locked_at BIGINT;
CREATE INDEX posts_held ON posts (held_reason) WHERE held_reason IS NOT NULL;

-- How replies to a forum's (or the journal's, or the webinars') conversations are treated:
-- open | first_time (hold an actor's first reply until one is approved) | hold_remote | closed.
CREATE TABLE reply_policies (
    actor_id BIGINT PRIMARY KEY REFERENCES local_actors (id) ON DELETE CASCADE,
    policy TEXT NOT NULL
);

-- Remote actors whose replies a moderator approved, per conversation owner (for first_time).
CREATE TABLE approved_participants (
    audience_id BIGINT NOT NULL REFERENCES local_actors (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (audience_id, remote_actor_id)
);

-- Words and phrases that hold a reply for review, kept by moderators (lower-cased).
CREATE TABLE screening_words (
    word TEXT PRIMARY KEY,
    added_by BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

-- Bans of an actor (remote by its id, or a local member) from one forum or (forum_id NULL) the
-- whole server, until expires_at (NULL: no end) or until lifted.
CREATE TABLE bans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_ap_id TEXT NOT NULL,
    forum_id BIGINT REFERENCES local_actors (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    expires_at BIGINT,
    created_by BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    lifted_at BIGINT
);
CREATE INDEX bans_by_actor ON bans (actor_ap_id);

-- Per instance (host, or host:port): suspend | limit | allow (the last for allowlist mode).
CREATE TABLE instance_policies (
    instance TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

-- Server-wide moderation settings (federation_mode: open | allowlist).
CREATE TABLE moderation_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Reports: Flags from other servers and reports by members.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter TEXT NOT NULL,               -- the reporting actor's id (remote or local)
    reported_actor TEXT,                  -- the actor reported, if any
    reported_posts TEXT NOT NULL,         -- JSON array of post ids (ActivityPub ids)
    comment TEXT NOT NULL,
    flag_activity_id TEXT UNIQUE,         -- inbound Flags: their id
    state TEXT NOT NULL,                  -- open | resolved
    resolution TEXT,                      -- the action taken
    resolution_note TEXT,
    resolved_by BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    resolved_at BIGINT,
    forwarded_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX reports_by_state ON reports (state, id);

-- The Society's statement about a participant, after verifying it: clinician | patient |
-- caregiver | researcher.
CREATE TABLE participant_labels (
    actor_ap_id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    set_by BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

-- Every moderation decision: who, what, on what, where, why, when.
CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    moderator_id BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    moderator_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    forum_id BIGINT REFERENCES local_actors (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    activity_id TEXT,                     -- what it sent, if anything (its delivery records)
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_by_time ON moderation_log (created_at);
CREATE INDEX moderation_log_by_forum ON moderation_log (forum_id, created_at);

-- Whether a forum publishes its moderation log as a page (1) or not (0, the default).
ALTER TABLE forum_settings ADD COLUMN public_log BIGINT NOT NULL DEFAULT 0;
