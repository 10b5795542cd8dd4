-- 0006_plan_reads.sql -- a child's plan is read often during a blackout:
-- powermap_dest_json as PL/pgSQL keeps its plans cached per connection
-- instead of planning the SQL body on every call.

CREATE OR REPLACE FUNCTION powermap_dest_json(dtype text, did bigint, distance_m double precision,
                                              travel_min double precision, extra jsonb)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    j json;
BEGIN
    IF dtype = 'shelter' THEN
        SELECT json_build_object('type', 'shelter', 'id', s.id, 'external_id', s.external_id,
            'name', s.name, 'kind', s.kind, 'address', s.address, 'phone', s.phone,
            'lat', ST_Y(s.geom), 'lon', ST_X(s.geom), 'distance_m', round(distance_m::numeric, 1),
            'travel_min', round(travel_min::numeric, 1), 'hours', '24h',
            'usable', coalesce((extra->>'usable')::boolean, true))
        INTO j FROM shelters s WHERE s.id = did;
    ELSE
        SELECT json_build_object('type', 'power_point', 'id', p.id, 'external_id', p.external_id,
            'name', p.name, 'kind', p.kind, 'address', p.address, 'phone', p.phone,
            'lat', ST_Y(p.geom), 'lon', ST_X(p.geom), 'distance_m', round(distance_m::numeric, 1),
            'travel_min', round(travel_min::numeric, 1), 'hours', p.hours,
            'usable', coalesce((extra->>'usable')::boolean, true))
        INTO j FROM power_points p WHERE p.id = did;
    END IF;
    RETURN j;
END $$;
