-- 0052_outage_replan_queue.sql -- an outage's event waits for its re-plan
-- (rule 8, issue 14): POST/PUT /v1/outages and the outage feed store the
-- change and its event here in one transaction and answer at once; the
-- daemon's re-plan worker stores the outage's new plan run, then turns each
-- waiting event into a webhook event (sql/0005 webhook_events) carrying the
-- counts of that run, and deletes it here, in one transaction.

CREATE TABLE outage_events_pending (
    id bigserial PRIMARY KEY,
    outage_id bigint NOT NULL REFERENCES outages (id) ON DELETE CASCADE,
    type text NOT NULL,
    extra jsonb,
    urls text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outage_events_pending_outage_idx ON outage_events_pending (outage_id, id);
COMMENT ON TABLE outage_events_pending IS
    'Events of created or changed outages waiting for their re-plan (server/events.c re-plan worker). extra: members added to the payload ({"source": "feed"}); urls: the receivers of the daemon that took the change.';
