-- 0003_plans.sql -- city-wide plan runs and each child's plan (個別避難計画).

CREATE TABLE plan_runs (
    id              bigserial PRIMARY KEY,
    scenario_key    text NOT NULL,
    scenario        jsonb NOT NULL,
    actor           text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    history_mark    bigint NOT NULL DEFAULT 0,
    summary         jsonb
);
COMMENT ON TABLE plan_runs IS 'One city-wide assignment (DESIGN 6) for one scenario.';
COMMENT ON COLUMN plan_runs.scenario_key IS
    'The scenario in canonical text (hazard, outage_hours, speed_kmh, detour, margin_h, start_at), to find the latest run for it.';
COMMENT ON COLUMN plan_runs.history_mark IS
    'The last history id when the run read the registry: a later change makes its plans stale.';
COMMENT ON COLUMN plan_runs.summary IS 'Counts per decision, solver figures, and the unassigned children with reasons.';
CREATE INDEX plan_runs_key_idx ON plan_runs (scenario_key, id DESC) WHERE finished_at IS NOT NULL;
COMMENT ON INDEX plan_runs_key_idx IS 'The latest finished run for a scenario (GET /v1/children/{id}/plan).';

CREATE TABLE plans (
    run_id          bigint NOT NULL REFERENCES plan_runs (id) ON DELETE CASCADE,
    child_id        bigint NOT NULL,
    decision        text NOT NULL CHECK (decision IN ('stay_home', 'charge', 'evacuate', 'unassigned')),
    reasons         text[] NOT NULL DEFAULT '{}',
    need_w          double precision NOT NULL,
    runtime_h       double precision,
    leave_by_h      double precision,
    dest_type       text CHECK (dest_type IN ('shelter', 'power_point')),
    dest_id         bigint,
    distance_m      double precision,
    travel_min      double precision,
    alternatives    jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, child_id)
);
COMMENT ON TABLE plans IS 'The plan of each child in a run. child_id is not a foreign key: a deleted child''s old plans stay with their run.';
COMMENT ON COLUMN plans.runtime_h IS 'NULL: unlimited (no devices).';
COMMENT ON COLUMN plans.leave_by_h IS 'Hours after the outage starts by which the family must leave (travel and margin counted).';
COMMENT ON COLUMN plans.alternatives IS 'Up to three other destinations: [{type, id, external_id, name, distance_m, travel_min, hours}].';
CREATE INDEX plans_dest_idx ON plans (run_id, dest_type, dest_id);
COMMENT ON INDEX plans_dest_idx IS 'Load per destination in a run (the overload checks).';

CREATE FUNCTION powermap_designated(s shelters, hazard text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE hazard
        WHEN 'none' THEN true
        WHEN 'flood' THEN s.flood WHEN 'landslide' THEN s.landslide
        WHEN 'storm_surge' THEN s.storm_surge WHEN 'earthquake' THEN s.earthquake
        WHEN 'tsunami' THEN s.tsunami WHEN 'fire' THEN s.fire
        WHEN 'inland_flood' THEN s.inland_flood WHEN 'volcano' THEN s.volcano
        ELSE false END
$$;
COMMENT ON FUNCTION powermap_designated(shelters, text) IS
    'The shelter is designated for the hazard (always for ''none'').';

CREATE FUNCTION powermap_dest_json(dtype text, did bigint, distance_m double precision,
                                   travel_min double precision, extra jsonb) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE dtype
    WHEN 'shelter' THEN (
        SELECT json_build_object('type', 'shelter', 'id', s.id, 'external_id', s.external_id,
            'name', s.name, 'kind', s.kind, 'address', s.address, 'phone', s.phone,
            'lat', ST_Y(s.geom), 'lon', ST_X(s.geom), 'distance_m', round(distance_m::numeric, 1),
            'travel_min', round(travel_min::numeric, 1), 'hours', '24h',
            'usable', coalesce((extra->>'usable')::boolean, true))
        FROM shelters s WHERE s.id = did)
    ELSE (
        SELECT json_build_object('type', 'power_point', 'id', p.id, 'external_id', p.external_id,
            'name', p.name, 'kind', p.kind, 'address', p.address, 'phone', p.phone,
            'lat', ST_Y(p.geom), 'lon', ST_X(p.geom), 'distance_m', round(distance_m::numeric, 1),
            'travel_min', round(travel_min::numeric, 1), 'hours', p.hours,
            'usable', coalesce((extra->>'usable')::boolean, true))
        FROM power_points p WHERE p.id = did)
    END
$$;
COMMENT ON FUNCTION powermap_dest_json(text, bigint, double precision, double precision, jsonb) IS
    'A plan''s destination or alternative as JSON, with the place''s current name and address.';
