-- 0011_sources_merge_inline.sql -- powermap_sources_merge as one expression.
--
-- 0010's version selected FROM a subquery, so PostgreSQL could not inline it
-- and ran it as a function call per row of an import: a third of the time of
-- re-importing 20,000 unchanged children.  Same contract, written as a single
-- expression (jsonb containment finds the department) that the planner
-- inlines into the upsert.

CREATE OR REPLACE FUNCTION powermap_sources_merge(present text[], new_sources jsonb,
                                                  old_sources jsonb, department text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN department IS NULL OR department = '' OR NOT ('source' = ANY (present))
             OR coalesce(CASE WHEN 'sources' = ANY (present) THEN new_sources ELSE old_sources END,
                         '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('department', department))
        THEN coalesce(CASE WHEN 'sources' = ANY (present) THEN new_sources ELSE old_sources END,
                      '[]'::jsonb)
        ELSE coalesce(CASE WHEN 'sources' = ANY (present) THEN new_sources ELSE old_sources END,
                      '[]'::jsonb)
             || jsonb_build_array(jsonb_build_object('department', department,
                    'date', to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD')))
    END
$$;
COMMENT ON FUNCTION powermap_sources_merge(text[], jsonb, jsonb, text) IS
    'children.sources after a report (import row or API write) with the columns present: the given list when the report has sources, else the stored one, plus {department, today JST} when the report names a new department.';
