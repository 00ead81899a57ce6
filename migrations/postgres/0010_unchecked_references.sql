-- PostgreSQL only: the references that every reply writes to rows it shares with every other
-- reply (its forum, its thread's first post, its parent, and the Group that signs its relay)
-- are no longer foreign keys. Each check was a query taking a `KEY SHARE` lock on the row
-- referred to; the forum and the thread's first post are the same rows for every reply of a
-- burst, so the concurrent writers kept sharing their locks (multixacts): +16 % replies a
-- second without them, on two machines (docs/performance.md, Ingest).
--
-- What the keys guarded holds by construction: posts and local actors are never removed as
-- rows (a deleted post keeps its row as a tombstone: an invariant in docs/ARCHITECTURE.md),
-- and a reply's forum, thread and parent are read from the database before it is written.
-- SQLite keeps these keys (a check there is an index probe, with no lock), so a write that
-- broke them would still fail there. The keys that cascade (a post's author, a delivery's
-- activity) stay on both databases.
ALTER TABLE posts
    DROP CONSTRAINT posts_audience_id_fkey,
    DROP CONSTRAINT posts_root_id_fkey,
    DROP CONSTRAINT posts_parent_id_fkey;
ALTER TABLE outbound_activities DROP CONSTRAINT outbound_activities_signer_id_fkey;
