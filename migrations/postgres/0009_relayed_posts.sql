-- A forum's Group relays each public reply from another server as an `Announce` of the `Create`
-- that brought it. Such an activity is queued as a reference to the post (relayed_post_id) with
-- no payload: the delivery worker renders it from the post when it first sends it. The queue
-- keeps no copy of what was written, the group-commit writer builds no JSON, and a post deleted,
-- removed or held before its relay goes out is not sent (docs/federation.md). Not a foreign key:
-- post ids are never reused, and a post row that is gone simply has nothing to send.
ALTER TABLE outbound_activities ADD COLUMN relayed_post_id BIGINT;
