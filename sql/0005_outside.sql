-- 0005_outside.sql -- the outside world: geocoding cache, webhook events and
-- their deliveries (an outbox, so any number of daemons deliver each once),
-- and the battery-deadline alerts of outages.

CREATE TABLE geocode_cache (
    address         text PRIMARY KEY,
    lat             double precision,
    lon             double precision,
    title           text,
    found           boolean NOT NULL,
    fetched_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE geocode_cache IS
    'Answers of the geocoder (GSI AddressSearch format) by address; found = false: the address did not resolve.';

CREATE TABLE webhook_events (
    id              bigserial PRIMARY KEY,
    type            text NOT NULL,
    outage_id       bigint,
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE webhook_events IS
    'Events for webhook receivers. Payloads carry counts and times only: never names, addresses or coordinates of children.';

CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    event_id        bigint NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    url             text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    UNIQUE (event_id, url)
);
COMMENT ON TABLE webhook_deliveries IS
    'One row per event and receiver. Workers take due rows with FOR UPDATE SKIP LOCKED, so each is sent by one daemon.';
COMMENT ON COLUMN webhook_deliveries.status IS 'failed: gave up after the last retry.';
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
COMMENT ON INDEX webhook_deliveries_due_idx IS 'The delivery worker''s queue.';

CREATE TABLE outage_alerts (
    outage_id       bigint NOT NULL REFERENCES outages (id) ON DELETE CASCADE,
    child_id        bigint NOT NULL,
    threshold_h     integer NOT NULL,
    fired_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (outage_id, child_id, threshold_h)
);
COMMENT ON TABLE outage_alerts IS
    'A child''s remaining battery time crossed 6, 3 or 1 hours in an outage: recorded once, so each threshold fires once.';
