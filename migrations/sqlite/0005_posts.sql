-- Publishing: everything posted in a conversation, local (threads, replies, journal
-- announcements, webinars) and, from the conversations issue on, remote replies. A deleted post
-- keeps only its row (kind, place, times) so that its id answers 410 with a Tombstone; its
-- words are erased.

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT UNIQUE,                    -- remote posts only; a local post's id is /posts/{id}
    kind TEXT NOT NULL,                   -- thread | reply | article | event
    author_local_id BIGINT REFERENCES local_actors (id),
    author_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    audience_id BIGINT NOT NULL REFERENCES local_actors (id),  -- forum, journal or webinars
    root_id BIGINT REFERENCES posts (id),     -- the thread, article or event; NULL for a root
    parent_id BIGINT REFERENCES posts (id),   -- what it answers; NULL for a root
    title TEXT,
    summary TEXT,                         -- articles and events: a summary that stands alone
    content_warning TEXT,
    source TEXT,                          -- local posts: the Markdown as written
    content_html TEXT NOT NULL,           -- always sanitized
    visibility TEXT NOT NULL,             -- public | followers | direct
    details TEXT NOT NULL,                -- JSON: fields of one kind (link, doi, join_url, tags...)
    starts_at BIGINT,                     -- events
    ends_at BIGINT,                       -- events
    remote_url TEXT,                      -- remote posts: their page
    published_at BIGINT NOT NULL,
    updated_at BIGINT,
    deleted_at BIGINT
);
CREATE INDEX posts_by_audience ON posts (audience_id, kind, published_at);
CREATE INDEX posts_by_root ON posts (root_id, published_at);
CREATE INDEX posts_by_parent ON posts (parent_id, published_at);
CREATE INDEX posts_by_start ON posts (kind, starts_at);

-- Remote actors taking part in a webinar (Mobilizon's Join, answered with Accept).
CREATE TABLE event_participants (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    join_activity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, remote_actor_id)
);

-- Hashtags of each post, lower-cased, for the tag pages.
CREATE TABLE post_hashtags (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_hashtags_by_tag ON post_hashtags (tag, post_id);
