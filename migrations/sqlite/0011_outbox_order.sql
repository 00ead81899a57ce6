-- An actor's outbox (`/actors/{name}/outbox?page=N`) and a member's page list posts newest
-- first. `posts_by_audience` had the kind between the forum and the time, so a forum's outbox
-- sorted every post of the forum for each page (≈ 500 ms at a million replies on SQLite), and
-- nothing indexed a member's posts (the table scanned: ≈ 200 ms). Both now read a page from an
-- index in order. Replies from other servers have no local author: the second index costs them
-- nothing.
DROP INDEX posts_by_audience;
CREATE INDEX posts_by_audience ON posts (audience_id, published_at, id);
CREATE INDEX posts_by_local_author ON posts (author_local_id, published_at, id)
    WHERE author_local_id IS NOT NULL;
