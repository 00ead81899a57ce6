-- `posts_by_start` (kind, start) served the pages that list one kind of root post across every
-- audience: the home page's journal articles and upcoming webinars, the calendar, the
-- webinars page. Every reply had an entry in it too (kind 'reply', no start) that nothing ever
-- read: one index entry written a reply, and a million of them in a large thread's database.
-- Only roots are in it now, and the queries that read it say `root_id IS NULL` (they list
-- roots only) so that both databases can use it (docs/performance.md, Ingest).
DROP INDEX posts_by_start;
CREATE INDEX posts_by_start ON posts (kind, starts_at) WHERE root_id IS NULL;
-- The newest roots of one kind (the home page's journal articles), in order. Without it, the
-- query's `root_id IS NULL` led SQLite to `posts_by_root` instead, reading every thread's first
-- post newest first for the few articles among them (3 ms a home page at a million replies).
CREATE INDEX posts_roots_by_kind ON posts (kind, published_at, id) WHERE root_id IS NULL;
