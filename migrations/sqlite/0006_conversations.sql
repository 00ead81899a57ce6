-- Conversations: replies from other servers, their edits, reactions, and what forums accept.

-- How a remote actor is shown beside its replies: its avatar (http(s) only, checked before it is
-- stored) and its profile page.
ALTER TABLE remote_actors ADD COLUMN avatar_url TEXT;
ALTER TABLE remote_actors ADD COLUMN profile_url TEXT;

-- The id of the Create that brought a remote post (relayed as is by the forum's Group).
ALTER TABLE posts ADD COLUMN activity_ap_id TEXT;

-- Earlier versions of edited posts, with when they were replaced. Erased with the post.
CREATE TABLE post_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    title TEXT,
    content_warning TEXT,
    content_html TEXT NOT NULL,
    replaced_at BIGINT NOT NULL
);
CREATE INDEX post_edits_by_post ON post_edits (post_id, id);

-- Likes and boosts (Announce) of posts, one per actor and kind.
CREATE TABLE reactions (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                   -- like | announce
    activity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, remote_actor_id, kind)
);
CREATE INDEX reactions_by_activity ON reactions (activity_id);

-- Per forum: whether a public note from another server that addresses or mentions the forum
-- (without inReplyTo) starts a new thread. 1 yes, 0 no; a forum without a row: yes for the
-- built-in community, no for the others (decided in service::conversations).
CREATE TABLE forum_settings (
    actor_id BIGINT PRIMARY KEY REFERENCES local_actors (id) ON DELETE CASCADE,
    remote_threads BIGINT NOT NULL
);
