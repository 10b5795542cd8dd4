-- 0010_data_model_v2.sql -- the v2 data model (DESIGN 4): more about each
-- child (life stage, every reporting department, structured supporters and
-- medical contacts, power at home), how devices are really used, power that
-- does not depend on the grid at places, the facility registry (資源) and the
-- 安否確認 call log.  Every text field gets a length bound (issue 11.9).
--
-- Structured lists are jsonb arrays of objects with fixed keys:
--   supporters        [{name, relation, phone, address}]
--   medical_contacts  [{role, name, organisation, phone}]
--   sources           [{department, date}]   date: YYYY-MM-DD of its first report
-- Length bounds are NOT VALID constraints: they hold for every row written
-- from now on without refusing to migrate a database that has longer text.

-- ---------------------------------------------------------------------------
-- Children
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_supporters_from_names(names text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('name', n, 'relation', NULL, 'phone', NULL,
                                                 'address', NULL) ORDER BY o), '[]'::jsonb)
    FROM unnest(names) WITH ORDINALITY AS u(n, o)
$$;
COMMENT ON FUNCTION powermap_supporters_from_names(text[]) IS
    'v1 supporters (names) to v2 structured entries; used once by this migration.';

ALTER TABLE children ALTER COLUMN supporters DROP DEFAULT;
ALTER TABLE children ALTER COLUMN supporters TYPE jsonb
    USING powermap_supporters_from_names(supporters);
ALTER TABLE children ALTER COLUMN supporters SET DEFAULT '[]';

ALTER TABLE children
    ADD COLUMN sex text CHECK (sex IN ('male', 'female', 'other')),
    ADD COLUMN phone text,
    ADD COLUMN district text,
    ADD COLUMN affiliation text CHECK (affiliation IN ('home', 'nursery', 'kindergarten', 'school',
        'special_school', 'day_service', 'other')),
    ADD COLUMN affiliation_name text,
    ADD COLUMN grade text,
    ADD COLUMN severe_disability boolean NOT NULL DEFAULT false,
    ADD COLUMN sources jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(sources) = 'array'),
    ADD COLUMN medical_contacts jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(medical_contacts) = 'array'),
    ADD COLUMN utility_registered boolean NOT NULL DEFAULT false,
    ADD COLUMN consent_date date,
    ADD COLUMN consent_scope text,
    ADD COLUMN home_battery_wh double precision NOT NULL DEFAULT 0 CHECK (home_battery_wh >= 0),
    ADD COLUMN home_generator_w double precision NOT NULL DEFAULT 0 CHECK (home_generator_w >= 0),
    ADD COLUMN home_generator_h double precision NOT NULL DEFAULT 0 CHECK (home_generator_h >= 0),
    ADD COLUMN car_inverter_w double precision NOT NULL DEFAULT 0 CHECK (car_inverter_w >= 0);
ALTER TABLE children ADD CONSTRAINT children_supporters_array
    CHECK (jsonb_typeof(supporters) = 'array');

-- Every department that already reported a child keeps its report.
UPDATE children SET sources = jsonb_build_array(jsonb_build_object(
        'department', source, 'date', to_char(created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD')))
WHERE source IS NOT NULL AND source <> '';

ALTER TABLE children ADD CONSTRAINT children_text_bounds CHECK (
    char_length(external_id) <= 100 AND char_length(name) <= 300
    AND char_length(name_kana) <= 300 AND char_length(address) <= 300
    AND char_length(guardian_name) <= 300 AND char_length(guardian_phone) <= 300
    AND char_length(hospital) <= 300 AND char_length(source) <= 300
    AND char_length(phone) <= 300 AND char_length(district) <= 300
    AND char_length(affiliation_name) <= 300 AND char_length(grade) <= 300
    AND char_length(consent_scope) <= 4000
    AND octet_length(supporters::text) <= 65536
    AND octet_length(medical_contacts::text) <= 65536
    AND octet_length(sources::text) <= 65536) NOT VALID;

COMMENT ON COLUMN children.supporters IS
    '避難支援等実施者: [{name, relation, phone, address}] (a v1 name became {name}).';
COMMENT ON COLUMN children.sources IS
    'Every department that reported the child: [{department, date}], date of its first report (JST).';
COMMENT ON COLUMN children.medical_contacts IS
    '[{role, name, organisation, phone}], role doctor|visiting_nurse|consultant|device_dealer|utility|other.';
COMMENT ON COLUMN children.district IS '町丁目 or school district.';
COMMENT ON COLUMN children.affiliation IS 'Where the child spends the day; with affiliation_name and grade.';
COMMENT ON COLUMN children.severe_disability IS '重症心身障害 (counted by some municipalities without medical care).';
COMMENT ON COLUMN children.utility_registered IS 'The family registered the devices with the power company.';
COMMENT ON COLUMN children.home_battery_wh IS 'Portable power station / home battery at home, watt-hours (0: none).';
COMMENT ON COLUMN children.home_generator_w IS 'Home generator output, watts (0: none).';
COMMENT ON COLUMN children.home_generator_h IS 'Hours of fuel for the home generator at that output.';
COMMENT ON COLUMN children.car_inverter_w IS 'A car with an inverter usable for the devices, watts (0: none).';

-- ---------------------------------------------------------------------------
-- Devices
-- ---------------------------------------------------------------------------

ALTER TABLE devices
    ADD COLUMN maker text,
    ADD COLUMN model text,
    ADD COLUMN settings text,
    ADD COLUMN duty text NOT NULL DEFAULT 'continuous' CHECK (duty IN ('continuous', 'intermittent')),
    ADD COLUMN minutes_per_hour double precision CHECK (minutes_per_hour > 0 AND minutes_per_hour <= 60),
    ADD COLUMN charge_h double precision CHECK (charge_h >= 0),
    ADD COLUMN backup_h double precision NOT NULL DEFAULT 0 CHECK (backup_h >= 0);
-- Issue 15 prints internal and spare batteries apart; battery_h stays the
-- total the planner uses.  (IF NOT EXISTS: doc's 0082 may add them too.)
ALTER TABLE devices
    ADD COLUMN IF NOT EXISTS battery_internal_h double precision CHECK (battery_internal_h >= 0),
    ADD COLUMN IF NOT EXISTS battery_spare_h double precision CHECK (battery_spare_h >= 0);
ALTER TABLE devices ADD CONSTRAINT devices_intermittent_minutes
    CHECK (duty = 'continuous' OR minutes_per_hour IS NOT NULL);
ALTER TABLE devices ADD CONSTRAINT devices_text_bounds CHECK (
    char_length(type) <= 300 AND char_length(maker) <= 300 AND char_length(model) <= 300
    AND char_length(settings) <= 4000) NOT VALID;
COMMENT ON COLUMN devices.duty IS 'continuous, or intermittent: used minutes_per_hour of each hour.';
COMMENT ON COLUMN devices.charge_h IS 'Hours to recharge the batteries from empty (NULL: unknown).';
COMMENT ON COLUMN devices.backup_h IS
    'Hours a non-electric backup replaces the device (oxygen cylinders for a concentrator; not a bag squeezed by hand).';

-- ---------------------------------------------------------------------------
-- Shelters and power points: power that does not depend on the grid
-- ---------------------------------------------------------------------------

ALTER TABLE shelters
    ADD COLUMN municipality text,
    ADD COLUMN backup_power text NOT NULL DEFAULT 'none'
        CHECK (backup_power IN ('none', 'generator', 'solar_battery', 'vehicle', 'battery')),
    ADD COLUMN backup_h double precision NOT NULL DEFAULT 0 CHECK (backup_h >= 0),
    ADD COLUMN notes text;
ALTER TABLE shelters ADD CONSTRAINT shelters_text_bounds CHECK (
    char_length(external_id) <= 100 AND char_length(name) <= 300
    AND char_length(address) <= 300 AND char_length(phone) <= 300
    AND char_length(municipality) <= 100 AND char_length(notes) <= 4000) NOT VALID;
COMMENT ON COLUMN shelters.municipality IS '全国地方公共団体コード.';
COMMENT ON COLUMN shelters.backup_power IS 'Power that does not depend on the grid (none: only the grid).';
COMMENT ON COLUMN shelters.backup_h IS 'Hours the backup power lasts at full output.';

ALTER TABLE power_points
    ADD COLUMN municipality text,
    ADD COLUMN backup_power text NOT NULL DEFAULT 'none'
        CHECK (backup_power IN ('none', 'generator', 'solar_battery', 'vehicle', 'battery')),
    ADD COLUMN backup_h double precision NOT NULL DEFAULT 0 CHECK (backup_h >= 0),
    ADD COLUMN dispatchable boolean NOT NULL DEFAULT false,
    ADD COLUMN range_km double precision CHECK (range_km >= 0);
ALTER TABLE power_points ADD CONSTRAINT power_points_text_bounds CHECK (
    char_length(external_id) <= 100 AND char_length(name) <= 300
    AND char_length(address) <= 300 AND char_length(phone) <= 300
    AND char_length(municipality) <= 100) NOT VALID;
COMMENT ON COLUMN power_points.backup_power IS
    'As for shelters; kinds generator, ev, battery_station and power_vehicle are grid-independent by nature.';
COMMENT ON COLUMN power_points.dispatchable IS
    'A vehicle or lending battery brought to a home rather than visited; range_km from its base (geom).';

-- ---------------------------------------------------------------------------
-- Facilities (資源): the places that serve children with medical care
-- ---------------------------------------------------------------------------

CREATE TABLE facilities (
    id              bigserial PRIMARY KEY,
    external_id     text NOT NULL UNIQUE CHECK (external_id <> ''),
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('child_development_center', 'severe_day_service',
                        'day_service', 'visiting_nurse', 'short_stay', 'consultation', 'hospital',
                        'clinic', 'nursery', 'school', 'other')),
    geom            geometry(Point, 4326) NOT NULL,
    address         text,
    phone           text,
    medical_care    boolean NOT NULL DEFAULT false,
    capacity        integer CHECK (capacity >= 0),
    municipality    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT facilities_text_bounds CHECK (
        char_length(external_id) <= 100 AND char_length(name) <= 300
        AND char_length(address) <= 300 AND char_length(phone) <= 300
        AND char_length(municipality) <= 100)
);
COMMENT ON TABLE facilities IS
    '資源: 児童発達支援センター, 放課後等デイ, 訪問看護, 短期入所, 相談支援, hospitals, nurseries, schools. Public data.';
COMMENT ON COLUMN facilities.medical_care IS 'Accepts children with medical care.';
COMMENT ON COLUMN facilities.municipality IS '全国地方公共団体コード.';
CREATE INDEX facilities_geom_gix ON facilities USING gist (geom);
COMMENT ON INDEX facilities_geom_gix IS 'The facilities layer by bbox.';
CREATE TRIGGER facilities_history AFTER INSERT OR UPDATE OR DELETE ON facilities
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER facilities_touch BEFORE UPDATE ON facilities
    FOR EACH ROW EXECUTE FUNCTION powermap_touch();

-- ---------------------------------------------------------------------------
-- Calls (安否確認): append-only
-- ---------------------------------------------------------------------------

CREATE TABLE calls (
    id              bigserial PRIMARY KEY,
    child_id        bigint NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor           text NOT NULL,
    status          text NOT NULL CHECK (status IN ('not_reached', 'safe_home', 'leaving',
                        'needs_transport', 'arrived', 'hospitalised', 'other')),
    note            text CHECK (char_length(note) <= 4000)
);
COMMENT ON TABLE calls IS
    '安否確認: each call to a family, append-only. Deleted only with the child (cascade) or by a purge.';
COMMENT ON COLUMN calls.actor IS 'Who called: key:NAME or user:LOGIN (the powermap.actor setting).';
CREATE INDEX calls_child_at_idx ON calls (child_id, at DESC, id DESC);
COMMENT ON INDEX calls_child_at_idx IS 'A child''s calls, newest first; the latest call of each child.';

-- UPDATE is refused always; DELETE only when the child itself is gone (the
-- cascade of a child delete or purge runs after the child row is removed).
CREATE FUNCTION powermap_calls_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM children WHERE id = OLD.child_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'calls is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER calls_append_only BEFORE UPDATE OR DELETE ON calls
    FOR EACH ROW EXECUTE FUNCTION powermap_calls_guard();
CREATE TRIGGER calls_no_truncate BEFORE TRUNCATE ON calls
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_append_only();

CREATE FUNCTION powermap_call_json(k calls) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', k.id, 'child_id', k.child_id, 'at', k.at, 'actor', k.actor,
                             'status', k.status, 'note', k.note)
$$;

CREATE VIEW child_latest_call AS
    SELECT DISTINCT ON (child_id) child_id, id AS call_id, at, actor, status, note
    FROM calls ORDER BY child_id, at DESC, id DESC;
COMMENT ON VIEW child_latest_call IS 'Each child''s latest 安否確認 (the affected list carries it).';

CREATE FUNCTION powermap_latest_call_json(child bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT powermap_call_json(k) FROM calls k WHERE k.child_id = child
    ORDER BY k.at DESC, k.id DESC LIMIT 1
$$;
COMMENT ON FUNCTION powermap_latest_call_json(bigint) IS
    'The child''s latest call as JSON {id, child_id, at, actor, status, note}, or NULL.';

-- ---------------------------------------------------------------------------
-- The JSON shapes of records (replacing 0002's)
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_device_json(d devices) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'type', d.type, 'power_w', d.power_w, 'battery_h', d.battery_h,
        'life_sustaining', d.life_sustaining, 'maker', d.maker, 'model', d.model,
        'settings', d.settings, 'duty', d.duty, 'minutes_per_hour', d.minutes_per_hour,
        'charge_h', d.charge_h, 'backup_h', d.backup_h,
        'battery_internal_h', d.battery_internal_h, 'battery_spare_h', d.battery_spare_h)
$$;

CREATE OR REPLACE FUNCTION powermap_child_json(c children) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', c.id, 'external_id', c.external_id, 'name', c.name, 'name_kana', c.name_kana,
        'birth_date', c.birth_date, 'sex', c.sex, 'address', c.address,
        'lat', ST_Y(c.home), 'lon', ST_X(c.home), 'phone', c.phone, 'district', c.district,
        'mobility', c.mobility, 'care', c.care, 'severe_disability', c.severe_disability,
        'affiliation', c.affiliation, 'affiliation_name', c.affiliation_name, 'grade', c.grade,
        'guardian_name', c.guardian_name, 'guardian_phone', c.guardian_phone,
        'supporters', c.supporters, 'hospital', c.hospital,
        'medical_contacts', c.medical_contacts, 'utility_registered', c.utility_registered,
        'consent', c.consent, 'consent_date', c.consent_date, 'consent_scope', c.consent_scope,
        'source', c.source, 'sources', c.sources,
        'home_battery_wh', c.home_battery_wh, 'home_generator_w', c.home_generator_w,
        'home_generator_h', c.home_generator_h, 'car_inverter_w', c.car_inverter_w,
        'devices', coalesce((SELECT json_agg(powermap_device_json(d) ORDER BY d.id)
            FROM devices d WHERE d.child_id = c.id), '[]'::json),
        'need_w', powermap_need_w(c.id), 'runtime_h', powermap_runtime_h(c.id),
        'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

CREATE OR REPLACE FUNCTION powermap_shelter_json(s shelters) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', s.id, 'external_id', s.external_id, 'name', s.name, 'kind', s.kind,
        'lat', ST_Y(s.geom), 'lon', ST_X(s.geom), 'address', s.address,
        'capacity', s.capacity, 'welfare', s.welfare, 'power_w', s.power_w, 'outlets', s.outlets,
        'flood', s.flood, 'landslide', s.landslide, 'storm_surge', s.storm_surge,
        'earthquake', s.earthquake, 'tsunami', s.tsunami, 'fire', s.fire,
        'inland_flood', s.inland_flood, 'volcano', s.volcano,
        'status', s.status, 'phone', s.phone, 'municipality', s.municipality,
        'backup_power', s.backup_power, 'backup_h', s.backup_h, 'notes', s.notes,
        'updated_at', s.updated_at)
$$;

CREATE OR REPLACE FUNCTION powermap_power_point_json(p power_points) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', p.id, 'external_id', p.external_id, 'name', p.name, 'kind', p.kind,
        'lat', ST_Y(p.geom), 'lon', ST_X(p.geom), 'address', p.address,
        'output_w', p.output_w, 'outlets', p.outlets, 'hours', p.hours, 'public', p.public,
        'status', p.status, 'phone', p.phone, 'municipality', p.municipality,
        'backup_power', p.backup_power, 'backup_h', p.backup_h,
        'dispatchable', p.dispatchable, 'range_km', p.range_km, 'updated_at', p.updated_at)
$$;

CREATE FUNCTION powermap_facility_json(f facilities) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', f.id, 'external_id', f.external_id, 'name', f.name, 'kind', f.kind,
        'lat', ST_Y(f.geom), 'lon', ST_X(f.geom), 'address', f.address, 'phone', f.phone,
        'medical_care', f.medical_care, 'capacity', f.capacity,
        'municipality', f.municipality, 'updated_at', f.updated_at)
$$;

-- A device's values in one comparable text (defaults applied), so a
-- re-import or PUT that changes nothing writes nothing.
CREATE FUNCTION powermap_device_sig2(d devices) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_array(d.type, d.power_w, d.battery_h, coalesce(d.life_sustaining, false),
                             d.maker, d.model, d.settings, coalesce(d.duty, 'continuous'),
                             d.minutes_per_hour, d.charge_h, coalesce(d.backup_h, 0),
                             d.battery_internal_h, d.battery_spare_h)::text
$$;
COMMENT ON FUNCTION powermap_device_sig2(devices) IS
    'Signature of a device row (id and child ignored): equal devices, equal text.';

-- sources after a report: the given list when the report has one, else the
-- stored one; plus {department, today} when the report names a department
-- not yet in it.  A department keeps the date of its first report.
CREATE FUNCTION powermap_sources_merge(present text[], new_sources jsonb, old_sources jsonb,
                                       department text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN department IS NULL OR department = '' OR NOT ('source' = ANY (present))
             OR EXISTS (SELECT 1 FROM jsonb_array_elements(base) e WHERE e->>'department' = department)
        THEN base
        ELSE base || jsonb_build_array(jsonb_build_object(
            'department', department, 'date', to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD')))
        END
    FROM (SELECT CASE WHEN 'sources' = ANY (present) THEN coalesce(new_sources, '[]'::jsonb)
                      ELSE coalesce(old_sources, '[]'::jsonb) END AS base) b
$$;
COMMENT ON FUNCTION powermap_sources_merge(text[], jsonb, jsonb, text) IS
    'children.sources after a report (import row or API write) with the columns present.';

-- The daemon's role may add calls, never change or remove them.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'powermap_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON calls FROM powermap_app;
    END IF;
END $$;

-- A child's devices replaced by the list devs (objects with the devices
-- columns, values as text or JSON), unless the two lists are the same.
-- Returns (inserted, removed).  The API's single-record write (POST/PUT).
CREATE FUNCTION powermap_devices_replace(child bigint, devs jsonb,
                                         OUT inserted bigint, OUT removed bigint)
LANGUAGE plpgsql AS $$
DECLARE
    want text[];
    have text[];
BEGIN
    SELECT coalesce(array_agg(powermap_device_sig2(n)), '{}') INTO want
    FROM jsonb_populate_recordset(NULL::devices, devs) n;
    SELECT coalesce(array_agg(powermap_device_sig2(d)), '{}') INTO have
    FROM devices d WHERE d.child_id = child;
    inserted := 0;
    removed := 0;
    IF (SELECT array_agg(x ORDER BY x) FROM unnest(want) x) IS NOT DISTINCT FROM
       (SELECT array_agg(x ORDER BY x) FROM unnest(have) x) THEN
        RETURN;
    END IF;
    DELETE FROM devices WHERE child_id = child;
    GET DIAGNOSTICS removed = ROW_COUNT;
    INSERT INTO devices (child_id, type, power_w, battery_h, life_sustaining, maker, model,
                         settings, duty, minutes_per_hour, charge_h, backup_h,
                         battery_internal_h, battery_spare_h)
    SELECT child, n.type, n.power_w, n.battery_h, coalesce(n.life_sustaining, false), n.maker,
           n.model, n.settings, coalesce(n.duty, 'continuous'), n.minutes_per_hour, n.charge_h,
           coalesce(n.backup_h, 0), n.battery_internal_h, n.battery_spare_h
    FROM jsonb_array_elements(devs) WITH ORDINALITY AS e(v, o),
         LATERAL jsonb_populate_record(NULL::devices, e.v) n
    ORDER BY e.o;
    GET DIAGNOSTICS inserted = ROW_COUNT;
END $$;
COMMENT ON FUNCTION powermap_devices_replace(bigint, jsonb) IS
    'Replaces a child''s devices by a list (API writes); writes nothing when equal.';
