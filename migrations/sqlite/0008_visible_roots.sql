-- The visible roots (threads, journal articles, webinars) of each forum or publication, newest
-- first, in an index of their own: a forum page reads its 20 threads from it, and its pager
-- counts the forum's visible threads from it alone, without visiting the posts table
-- (docs/performance.md, Reads). Replies are not in it, so taking a reply costs no more.
CREATE INDEX posts_visible_roots ON posts (audience_id, kind, published_at, id)
    WHERE root_id IS NULL AND visibility = 'public' AND deleted_at IS NULL
        AND held_reason IS NULL AND removed_at IS NULL;
