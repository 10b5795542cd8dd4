-- 0031_facilities_layer.sql -- the public facilities collection (資源, DESIGN §4
-- v2): the feature text of a facility and its data version.  The layer itself
-- is one row of server/layers.c and one "-- layer:" line of sql/queries_maps.sql.

CREATE FUNCTION powermap_facility_feature(f facilities) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":' || f.id || ',"geometry":' || ST_AsGeoJSON(f.geom, 7)
        || ',"properties":{"external_id":' || powermap_j(f.external_id)
        || ',"name":' || powermap_j(f.name) || ',"kind":' || powermap_j(f.kind)
        || ',"address":' || powermap_j(f.address) || ',"phone":' || powermap_j(f.phone)
        || ',"medical_care":' || powermap_j(f.medical_care)
        || ',"capacity":' || powermap_j(f.capacity)
        || ',"municipality":' || powermap_j(f.municipality)
        || ',"updated_at":' || powermap_j(powermap_utc(f.updated_at)) || '}}'
$$;
COMMENT ON FUNCTION powermap_facility_feature(facilities) IS
    'The OGC API feature of a facility: every public property, nulls included.';

CREATE TRIGGER facilities_map AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON facilities
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_touch('facilities');
ALTER TABLE facilities ENABLE ALWAYS TRIGGER facilities_map;
