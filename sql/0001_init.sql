-- 0001_init.sql -- the registry: children and their devices, shelters, power-supply
-- points, hazard areas, outages; API keys, the audit log and the change history.
--
-- Coordinates are stored as WGS 84 (EPSG:4326) points, as they arrive and leave.
-- Distances are measured on the geography type, which has its own GiST index.

CREATE EXTENSION IF NOT EXISTS postgis;

-- ---------------------------------------------------------------------------
-- Children (医療的ケア児) and their devices
-- ---------------------------------------------------------------------------

CREATE TABLE children (
    id              bigserial PRIMARY KEY,
    external_id     text NOT NULL UNIQUE CHECK (external_id <> ''),
    name            text,
    name_kana       text,
    birth_date      date,
    address         text,
    home            geometry(Point, 4326),
    mobility        text CHECK (mobility IN ('walk', 'wheelchair', 'stretcher')),
    care            text[] NOT NULL DEFAULT '{}' CHECK (care <@ ARRAY['ventilator', 'tracheostomy',
                        'suction', 'oxygen', 'tube_feeding', 'iv', 'dialysis', 'other']),
    guardian_name   text,
    guardian_phone  text,
    supporters      text[] NOT NULL DEFAULT '{}',
    hospital        text,
    consent         boolean NOT NULL DEFAULT false,
    source          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE children IS
    '医療的ケア児: special-care personal information. Never exposed without a token; every read is audited.';
COMMENT ON COLUMN children.external_id IS 'Municipal ledger number; imports upsert on it.';
COMMENT ON COLUMN children.home IS
    'Home location (EPSG:4326). NULL when the address could not be geocoded: the plan is then unassigned.';
COMMENT ON COLUMN children.consent IS 'The family agreed to share the record with its supporters.';
COMMENT ON COLUMN children.source IS 'Department that reported the child (health, childcare, education, ...).';
CREATE INDEX children_home_gix ON children USING gist (home);
COMMENT ON INDEX children_home_gix IS 'Children inside an outage or hazard polygon; the children map layer by bbox.';
CREATE INDEX children_home_geog_gix ON children USING gist ((home::geography));
COMMENT ON INDEX children_home_geog_gix IS 'Distance searches from destinations back to homes (ST_DWithin on geography).';

CREATE TABLE devices (
    id              bigserial PRIMARY KEY,
    child_id        bigint NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    type            text NOT NULL CHECK (type <> ''),
    power_w         double precision NOT NULL CHECK (power_w >= 0),
    battery_h       double precision NOT NULL CHECK (battery_h >= 0),
    life_sustaining boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE devices IS 'Medical devices of a child. need_w = sum(power_w); runtime_h = min(battery_h) of life-sustaining ones (DESIGN 6).';
COMMENT ON COLUMN devices.battery_h IS 'Hours on internal plus spare batteries.';
CREATE INDEX devices_child_idx ON devices (child_id);
COMMENT ON INDEX devices_child_idx IS 'A child''s devices, nested in every child record and plan.';

-- ---------------------------------------------------------------------------
-- Shelters (避難所) and power-supply points (電源供給ポイント)
-- ---------------------------------------------------------------------------

CREATE TABLE shelters (
    id              bigserial PRIMARY KEY,
    external_id     text NOT NULL UNIQUE CHECK (external_id <> ''),
    name            text NOT NULL,
    kind            text NOT NULL DEFAULT 'designated' CHECK (kind IN ('designated', 'emergency_site', 'welfare')),
    geom            geometry(Point, 4326) NOT NULL,
    address         text,
    capacity        integer CHECK (capacity >= 0),
    welfare         boolean NOT NULL DEFAULT false,
    power_w         double precision NOT NULL DEFAULT 0 CHECK (power_w >= 0),
    outlets         integer NOT NULL DEFAULT 0 CHECK (outlets >= 0),
    flood           boolean NOT NULL DEFAULT false,
    landslide       boolean NOT NULL DEFAULT false,
    storm_surge     boolean NOT NULL DEFAULT false,
    earthquake      boolean NOT NULL DEFAULT false,
    tsunami         boolean NOT NULL DEFAULT false,
    fire            boolean NOT NULL DEFAULT false,
    inland_flood    boolean NOT NULL DEFAULT false,
    volcano         boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'full')),
    phone           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE shelters IS '指定避難所, 指定緊急避難場所 and 福祉避難所.';
COMMENT ON COLUMN shelters.capacity IS 'Persons indoors (the 屋内 figure of 想定収容人数).';
COMMENT ON COLUMN shelters.welfare IS 'Accepts people needing care (福祉避難所 or 要配慮者 accepted).';
COMMENT ON COLUMN shelters.power_w IS 'Medical-grade power available for devices, watts (0 if none).';
COMMENT ON COLUMN shelters.flood IS 'Designated for this hazard (災害種別); likewise the seven columns after it.';
CREATE INDEX shelters_geom_gix ON shelters USING gist (geom);
COMMENT ON INDEX shelters_geom_gix IS 'Map layers, OGC items and tiles by bbox.';
CREATE INDEX shelters_geog_gix ON shelters USING gist ((geom::geography));
COMMENT ON INDEX shelters_geog_gix IS 'Planner candidates: ST_DWithin(home, shelter, reach) on geography.';

CREATE TABLE power_points (
    id              bigserial PRIMARY KEY,
    external_id     text NOT NULL UNIQUE CHECK (external_id <> ''),
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('generator', 'ev', 'hospital', 'battery_station',
                        'public_facility', 'business', 'power_vehicle')),
    geom            geometry(Point, 4326) NOT NULL,
    address         text,
    output_w        double precision NOT NULL DEFAULT 0 CHECK (output_w >= 0),
    outlets         integer NOT NULL DEFAULT 0 CHECK (outlets >= 0),
    hours           text NOT NULL DEFAULT '24h'
                        CHECK (hours ~ '^(24h|([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9])$'),
    public          boolean NOT NULL DEFAULT true,
    status          text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'unavailable')),
    phone           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE power_points IS '電源供給ポイント: places that lend electricity in a blackout.';
COMMENT ON COLUMN power_points.hours IS '24h, or HH:MM-HH:MM local opening hours.';
COMMENT ON COLUMN power_points.public IS 'May appear on the public map; otherwise token holders only.';
CREATE INDEX power_points_geom_gix ON power_points USING gist (geom);
COMMENT ON INDEX power_points_geom_gix IS 'Map layers, OGC items and tiles by bbox.';
CREATE INDEX power_points_geog_gix ON power_points USING gist ((geom::geography));
COMMENT ON INDEX power_points_geog_gix IS 'Planner candidates: ST_DWithin(home, point, reach) on geography.';

-- ---------------------------------------------------------------------------
-- Hazard areas and outages
-- ---------------------------------------------------------------------------

CREATE TABLE hazard_areas (
    id              bigserial PRIMARY KEY,
    external_id     text NOT NULL UNIQUE,
    hazard          text NOT NULL CHECK (hazard IN ('flood', 'landslide', 'storm_surge', 'earthquake',
                        'tsunami', 'fire', 'inland_flood', 'volcano')),
    level           integer,
    geom            geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN hazard_areas.external_id IS
    'The feature''s external_id property, or hazard:md5(geometry, level) so that re-importing a file changes nothing.';
CREATE INDEX hazard_areas_geom_gix ON hazard_areas USING gist (geom);
COMMENT ON INDEX hazard_areas_geom_gix IS 'Is a home or destination inside an area of the scenario hazard (ST_Intersects).';

CREATE TABLE outages (
    id                  bigserial PRIMARY KEY,
    external_id         text UNIQUE,
    geom                geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    started_at          timestamptz NOT NULL,
    expected_restore_at timestamptz,
    ended_at            timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN outages.external_id IS 'Identifier in an outage feed, when the outage came from one.';
COMMENT ON COLUMN outages.ended_at IS 'Power is back; NULL while the outage lasts.';
CREATE INDEX outages_geom_gix ON outages USING gist (geom);
COMMENT ON INDEX outages_geom_gix IS 'The outages layer by bbox.';

-- ---------------------------------------------------------------------------
-- Keys, audit, history
-- ---------------------------------------------------------------------------

CREATE TABLE api_keys (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (name <> ''),
    role            text NOT NULL CHECK (role IN ('viewer', 'planner', 'admin')),
    token_hash      bytea NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz
);
COMMENT ON COLUMN api_keys.token_hash IS 'SHA-256 of the token. The token itself is printed once and never stored.';

CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    key_id          bigint,
    key_name        text,
    role            text,
    action          text NOT NULL,
    child_ids       bigint[] NOT NULL DEFAULT '{}',
    remote_addr     text
);
COMMENT ON TABLE audit_log IS 'Who read or changed which child''s record, plan or location, and when.';
CREATE INDEX audit_log_at_idx ON audit_log (at);
COMMENT ON INDEX audit_log_at_idx IS 'GET /v1/audit?since=.';

CREATE TABLE history (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor           text NOT NULL,
    table_name      text NOT NULL,
    record_id       bigint NOT NULL,
    op              text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    old_row         jsonb,
    new_row         jsonb
);
COMMENT ON TABLE history IS
    'Every insert, update and delete of a child, device, shelter or power point, with old and new values. Nothing is ever lost.';
COMMENT ON COLUMN history.actor IS 'The API key (key:NAME) or CLI user (cli:USER) from the powermap.actor setting.';
CREATE INDEX history_record_idx ON history (table_name, record_id);
COMMENT ON INDEX history_record_idx IS 'The history of one record.';

CREATE FUNCTION powermap_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text := coalesce(nullif(current_setting('powermap.actor', true), ''), 'db:' || session_user);
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO history (actor, table_name, record_id, op, new_row)
        VALUES (who, TG_TABLE_NAME, NEW.id, 'insert', to_jsonb(NEW));
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO history (actor, table_name, record_id, op, old_row, new_row)
        VALUES (who, TG_TABLE_NAME, NEW.id, 'update', to_jsonb(OLD), to_jsonb(NEW));
    ELSE
        INSERT INTO history (actor, table_name, record_id, op, old_row)
        VALUES (who, TG_TABLE_NAME, OLD.id, 'delete', to_jsonb(OLD));
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION powermap_history() IS 'Row trigger: writes the change to history.';

CREATE FUNCTION powermap_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER children_history AFTER INSERT OR UPDATE OR DELETE ON children
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER devices_history AFTER INSERT OR UPDATE OR DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER shelters_history AFTER INSERT OR UPDATE OR DELETE ON shelters
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER power_points_history AFTER INSERT OR UPDATE OR DELETE ON power_points
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER children_touch BEFORE UPDATE ON children FOR EACH ROW EXECUTE FUNCTION powermap_touch();
CREATE TRIGGER shelters_touch BEFORE UPDATE ON shelters FOR EACH ROW EXECUTE FUNCTION powermap_touch();
CREATE TRIGGER power_points_touch BEFORE UPDATE ON power_points FOR EACH ROW EXECUTE FUNCTION powermap_touch();
CREATE TRIGGER outages_touch BEFORE UPDATE ON outages FOR EACH ROW EXECUTE FUNCTION powermap_touch();
