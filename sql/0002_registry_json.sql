-- 0002_registry_json.sql -- the JSON shape of registry records, and the
-- planning figures of a child (DESIGN 6), in one place for every query.

CREATE FUNCTION powermap_need_w(child bigint) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(power_w), 0) FROM devices WHERE child_id = child
$$;
COMMENT ON FUNCTION powermap_need_w(bigint) IS 'need_w: the sum of the child''s device watts.';

CREATE FUNCTION powermap_runtime_h(child bigint) RETURNS double precision
LANGUAGE sql STABLE AS $$
    -- Smallest battery_h among life-sustaining devices; with none, among all
    -- devices; with no devices, unlimited (NULL).
    SELECT coalesce(min(battery_h) FILTER (WHERE life_sustaining), min(battery_h))
    FROM devices WHERE child_id = child
$$;
COMMENT ON FUNCTION powermap_runtime_h(bigint) IS
    'runtime_h (DESIGN 6): NULL means unlimited (no devices).';

CREATE FUNCTION powermap_child_json(c children) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', c.id, 'external_id', c.external_id, 'name', c.name, 'name_kana', c.name_kana,
        'birth_date', c.birth_date, 'address', c.address,
        'lat', ST_Y(c.home), 'lon', ST_X(c.home),
        'mobility', c.mobility, 'care', c.care,
        'guardian_name', c.guardian_name, 'guardian_phone', c.guardian_phone,
        'supporters', c.supporters, 'hospital', c.hospital, 'consent', c.consent,
        'source', c.source,
        'devices', coalesce((SELECT json_agg(json_build_object(
                'id', d.id, 'type', d.type, 'power_w', d.power_w, 'battery_h', d.battery_h,
                'life_sustaining', d.life_sustaining) ORDER BY d.id)
            FROM devices d WHERE d.child_id = c.id), '[]'::json),
        'need_w', powermap_need_w(c.id), 'runtime_h', powermap_runtime_h(c.id),
        'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

CREATE FUNCTION powermap_shelter_json(s shelters) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', s.id, 'external_id', s.external_id, 'name', s.name, 'kind', s.kind,
        'lat', ST_Y(s.geom), 'lon', ST_X(s.geom), 'address', s.address,
        'capacity', s.capacity, 'welfare', s.welfare, 'power_w', s.power_w, 'outlets', s.outlets,
        'flood', s.flood, 'landslide', s.landslide, 'storm_surge', s.storm_surge,
        'earthquake', s.earthquake, 'tsunami', s.tsunami, 'fire', s.fire,
        'inland_flood', s.inland_flood, 'volcano', s.volcano,
        'status', s.status, 'phone', s.phone, 'updated_at', s.updated_at)
$$;

CREATE FUNCTION powermap_power_point_json(p power_points) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', p.id, 'external_id', p.external_id, 'name', p.name, 'kind', p.kind,
        'lat', ST_Y(p.geom), 'lon', ST_X(p.geom), 'address', p.address,
        'output_w', p.output_w, 'outlets', p.outlets, 'hours', p.hours, 'public', p.public,
        'status', p.status, 'phone', p.phone, 'updated_at', p.updated_at)
$$;

-- Canonical device signature, so a re-import that changes nothing writes nothing.
CREATE FUNCTION powermap_device_sig(type text, power_w double precision,
                                    battery_h double precision, life boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT type || '|' || power_w || '|' || battery_h || '|' || life
$$;

-- On re-import, a column the file does not have keeps its stored value: a
-- published shelter list has no power_w, and must not erase the one staff set.
CREATE FUNCTION powermap_pick(present text[], col text, new anyelement, old anyelement)
RETURNS anyelement LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN col = ANY (present) THEN new ELSE old END
$$;
COMMENT ON FUNCTION powermap_pick(text[], text, anyelement, anyelement) IS
    'new when the import file has column col, else old.';
