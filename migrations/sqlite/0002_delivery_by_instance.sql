-- Delivery by instance: an activity is stored once; each instance it goes to has its own place in
-- the queue (delivery_instances) and one row per inbox there (deliveries), kept after delivery as
-- the record of where the activity reached.

-- Activities to send, stored once however many inboxes they go to.
CREATE TABLE outbound_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL,
    signer_id BIGINT NOT NULL REFERENCES local_actors (id),
    payload TEXT,                         -- the JSON as sent; NULL once every delivery is final
    created_at BIGINT NOT NULL
);
CREATE INDEX outbound_activities_by_ap_id ON outbound_activities (ap_id);

ALTER TABLE deliveries RENAME TO deliveries_v1;
DROP INDEX IF EXISTS deliveries_due;

-- One row per activity and inbox. state: 0 pending, 1 delivered, 2 refused for good by the
-- receiver, 3 given up by us (unreadable row, signer gone).
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES outbound_activities (id) ON DELETE CASCADE,
    instance TEXT NOT NULL,               -- host:port of the inbox
    inbox TEXT NOT NULL,
    recipient_actor_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,  -- personal inbox only
    state BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status TEXT,                     -- short outcome of the last try, never a body
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX deliveries_pending ON deliveries (instance, id) WHERE state = 0;
CREATE INDEX deliveries_by_activity ON deliveries (activity_id);
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state <> 0;

-- Each remote instance's place in the queue: its backoff, its claim by a worker, its health.
CREATE TABLE delivery_instances (
    instance TEXT PRIMARY KEY,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,   -- consecutive failed tries; 0 after a success
    claimed_by TEXT,                      -- the worker holding the lease
    claimed_until BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT,
    last_failure_at BIGINT,
    last_status TEXT,
    unavailable_since BIGINT              -- set when the retry schedule ran out; cleared on success
);
CREATE INDEX delivery_instances_due ON delivery_instances (next_attempt_at);

-- Rows still pending from the first schema move over, their instance read from the inbox URL.
INSERT INTO outbound_activities (id, ap_id, signer_id, payload, created_at)
SELECT id, activity_id, signer_id, payload, created_at FROM deliveries_v1 WHERE given_up_at IS NULL;
INSERT INTO deliveries (activity_id, instance, inbox, state, attempts, last_status, created_at)
SELECT id,
       substr(substr(inbox, instr(inbox, '://') + 3), 1,
              instr(substr(inbox, instr(inbox, '://') + 3) || '/', '/') - 1),
       inbox, 0, attempts, last_status, created_at
FROM deliveries_v1 WHERE given_up_at IS NULL;
INSERT INTO delivery_instances (instance) SELECT DISTINCT instance FROM deliveries;
DROP TABLE deliveries_v1;
