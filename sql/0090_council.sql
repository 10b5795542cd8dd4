-- 0090_council.sql -- the council's questions (DESIGN 9, issue 16): the
-- municipality's definition of 医療的ケア児, life-stage transitions derived from
-- the birth date, and the exact figures of the council report.  The public
-- version's suppression is applied in C (geo/disclosure.c) on these figures.

-- ---------------------------------------------------------------------------
-- Settings: the municipality's definition
-- ---------------------------------------------------------------------------

CREATE TABLE settings (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE CHECK (key IN ('definition')),
    value           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE settings IS 'Municipal settings, one row per key; every change is in history.';
COMMENT ON COLUMN settings.value IS
    'definition: {"care": [care items that make a child count], "severe_disability_counts": bool, "label": text}.';
CREATE TRIGGER settings_history AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER settings_touch BEFORE UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION powermap_touch();

INSERT INTO settings (key, value) VALUES ('definition', jsonb_build_object(
    'care', jsonb_build_array('ventilator', 'tracheostomy', 'suction', 'oxygen', 'tube_feeding',
                              'iv', 'dialysis', 'other'),
    'severe_disability_counts', false,
    'label', '医療的ケアを日常的に必要とする児（全ケア項目）'));

CREATE FUNCTION powermap_definition() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT value FROM settings WHERE key = 'definition'
$$;

-- Does child c count under definition def?
CREATE FUNCTION powermap_counts(c children, def jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT c.care && ARRAY(SELECT jsonb_array_elements_text(def->'care'))
        OR (coalesce((def->>'severe_disability_counts')::boolean, false) AND c.severe_disability)
$$;
COMMENT ON FUNCTION powermap_counts(children, jsonb) IS
    'The child counts as 医療的ケア児 under the municipality''s definition (DESIGN 9).';

-- ---------------------------------------------------------------------------
-- Life stages.  Japanese school years start on April 1, and a child born on
-- April 1 belongs to the year before (年齢計算ニ関スル法律): the cohort year
-- is the birth year, less one for births from January 1 to April 1.
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_cohort(b date) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT extract(year FROM b)::int
         - CASE WHEN (extract(month FROM b), extract(day FROM b)) < (4, 2) THEN 1 ELSE 0 END
$$;
COMMENT ON FUNCTION powermap_cohort(date) IS
    'School cohort: the child enters primary school on April 1 of cohort + 7.';

-- The transitions of every child between at (excluded) and at + months:
-- preschool (就園: a child at home reaching 3, 4 or 5 in an April), school (就学),
-- junior_high and high_school (進学), graduation (卒業 at 18, March 31).
CREATE FUNCTION powermap_transitions(at date, months integer)
RETURNS TABLE (child_id bigint, event text, event_date date)
LANGUAGE sql STABLE AS $$
    WITH k AS (
        SELECT c.id, c.affiliation, powermap_cohort(c.birth_date) AS y
        FROM children c WHERE c.birth_date IS NOT NULL
    ), ev AS (
        SELECT id, 'preschool' AS event, make_date(y + n, 4, 1) AS d FROM k, generate_series(4, 6) n
        WHERE coalesce(affiliation, 'home') IN ('home', 'day_service', 'other')
        UNION ALL SELECT id, 'school', make_date(y + 7, 4, 1) FROM k
        UNION ALL SELECT id, 'junior_high', make_date(y + 13, 4, 1) FROM k
        UNION ALL SELECT id, 'high_school', make_date(y + 16, 4, 1) FROM k
        UNION ALL SELECT id, 'graduation', make_date(y + 19, 3, 31) FROM k
    )
    SELECT DISTINCT ON (id, event) id, event, d FROM ev
    WHERE d > at AND d <= (at + make_interval(months => months))::date
    ORDER BY id, event, d
$$;
COMMENT ON FUNCTION powermap_transitions(date, integer) IS
    'Life-stage transitions within the window (GET /v1/reports/transitions, the council report).';

-- ---------------------------------------------------------------------------
-- The council report's exact figures.  Every breakdown is a list of cells
-- {key, count}; "partitions" split the counted children (cells add up to the
-- total), "subsets" are overlapping groups of them (care items, departments,
-- transitions), each published beside its complement in the public version.
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_cells(keys text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('key', k, 'count', n) ORDER BY min_o), '[]')
    FROM (SELECT k, count(*) AS n, min(o) AS min_o
          FROM unnest(keys) WITH ORDINALITY AS u(k, o) GROUP BY k) g
$$;

CREATE FUNCTION powermap_council_report(at date, since timestamptz, run_id bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH def AS (SELECT powermap_definition() AS d),
    kids AS (
        SELECT c.*, date_part('year', age(at, c.birth_date))::int AS age
        FROM children c, def WHERE powermap_counts(c, def.d)
    ),
    pl AS (
        SELECT k.id, p.decision, p.reasons[cardinality(p.reasons)] AS reason
        FROM kids k LEFT JOIN plans p ON p.run_id = powermap_council_report.run_id AND p.child_id = k.id
    ),
    tr AS (SELECT t.* FROM powermap_transitions(at, 12) t JOIN kids k ON k.id = t.child_id)
    SELECT jsonb_build_object(
        'at', at,
        'definition', (SELECT d FROM def),
        'registered', (SELECT count(*) FROM children),
        'total', (SELECT count(*) FROM kids),
        'plan_run_id', run_id,
        'partitions', jsonb_build_object(
            'age_band', (SELECT powermap_cells(array_agg(CASE
                    WHEN age IS NULL THEN 'unknown' WHEN age <= 2 THEN '0-2' WHEN age <= 5 THEN '3-5'
                    WHEN age <= 11 THEN '6-11' WHEN age <= 14 THEN '12-14' WHEN age <= 17 THEN '15-17'
                    ELSE '18+' END ORDER BY coalesce(age, 99))) FROM kids),
            'district', (SELECT powermap_cells(array_agg(coalesce(district, 'unknown')
                    ORDER BY district NULLS LAST)) FROM kids),
            'area', (SELECT powermap_cells(array_agg(coalesce(nullif(regexp_replace(district,
                    '[0-9０-９一二三四五六七八九十]+丁目$', ''), ''), 'unknown') ORDER BY district NULLS LAST))
                    FROM kids),
            'affiliation', (SELECT powermap_cells(array_agg(coalesce(affiliation, 'unknown')
                    ORDER BY array_position(ARRAY['home', 'nursery', 'kindergarten', 'school',
                        'special_school', 'day_service', 'other'], affiliation) NULLS LAST)) FROM kids),
            'severe_disability', (SELECT powermap_cells(array_agg(CASE WHEN severe_disability
                    THEN 'yes' ELSE 'no' END ORDER BY severe_disability DESC)) FROM kids),
            'mobility', (SELECT powermap_cells(array_agg(coalesce(mobility, 'unknown')
                    ORDER BY array_position(ARRAY['walk', 'wheelchair', 'stretcher'], mobility)
                    NULLS LAST)) FROM kids),
            'decision', (SELECT powermap_cells(array_agg(coalesce(decision, 'no_plan')
                    ORDER BY array_position(ARRAY['stay_home', 'charge', 'evacuate', 'unassigned'],
                    decision) NULLS LAST)) FROM pl),
            'changes', CASE WHEN since IS NULL THEN '[]'::jsonb ELSE
                (SELECT powermap_cells(array_agg(CASE WHEN created_at > since THEN 'new'
                        WHEN updated_at > since THEN 'updated' ELSE 'unchanged' END
                        ORDER BY CASE WHEN created_at > since THEN 1 WHEN updated_at > since THEN 2 ELSE 3 END))
                 FROM kids) END,
            'plan_document', (SELECT powermap_cells(array_agg(CASE
                    WHEN d.review_due THEN 'review_due' ELSE coalesce(d.status, 'draft') END
                    ORDER BY 1)) FROM kids k LEFT JOIN child_plan_docs d ON d.child_id = k.id)
        ),
        'nested', jsonb_build_object(
            'unassigned_reason', jsonb_build_object('parent', 'decision', 'cell', 'unassigned',
                'cells', (SELECT powermap_cells(array_agg(coalesce(reason, 'unknown') ORDER BY reason))
                          FROM pl WHERE decision = 'unassigned'))
        ),
        'subsets', jsonb_build_object(
            'care', (SELECT coalesce(jsonb_agg(jsonb_build_object('key', ci, 'count',
                    (SELECT count(*) FROM kids WHERE ci = ANY (care))) ORDER BY o), '[]')
                    FROM unnest(ARRAY['ventilator', 'tracheostomy', 'suction', 'oxygen', 'tube_feeding',
                        'iv', 'dialysis', 'other']) WITH ORDINALITY u(ci, o)),
            'department', (SELECT coalesce(jsonb_agg(jsonb_build_object('key', dep, 'count', n)
                    ORDER BY dep), '[]')
                    FROM (SELECT s->>'department' AS dep, count(DISTINCT k.id) AS n
                          FROM kids k, jsonb_array_elements(k.sources) s GROUP BY 1) g),
            'life_sustaining', (SELECT jsonb_build_array(jsonb_build_object('key', 'life_sustaining',
                    'count', count(*))) FROM kids k
                    WHERE EXISTS (SELECT 1 FROM devices d WHERE d.child_id = k.id AND d.life_sustaining)),
            'transition', (SELECT coalesce(jsonb_agg(jsonb_build_object('key', e, 'count',
                    (SELECT count(DISTINCT child_id) FROM tr WHERE event = e)) ORDER BY o), '[]')
                    FROM unnest(ARRAY['preschool', 'school', 'junior_high', 'high_school', 'graduation'])
                    WITH ORDINALITY u(e, o)),
            'without_location', (SELECT jsonb_build_array(jsonb_build_object('key', 'without_location',
                    'count', count(*))) FROM kids WHERE home IS NULL)
        ),
        'removed_since', CASE WHEN since IS NULL THEN NULL ELSE
            (SELECT count(DISTINCT record_id) FROM history
             WHERE table_name = 'children' AND op = 'delete' AND history.at > since) END,
        'since', since,
        'resources', (SELECT coalesce(jsonb_agg(r ORDER BY r->>'municipality'), '[]') FROM (
            SELECT jsonb_build_object('municipality', coalesce(municipality, 'unknown'),
                'child_development_center', count(*) FILTER (WHERE kind = 'child_development_center'),
                'severe_day_service', count(*) FILTER (WHERE kind = 'severe_day_service'),
                'day_service', count(*) FILTER (WHERE kind = 'day_service'),
                'visiting_nurse', count(*) FILTER (WHERE kind = 'visiting_nurse'),
                'short_stay', count(*) FILTER (WHERE kind = 'short_stay'),
                'consultation', count(*) FILTER (WHERE kind = 'consultation'),
                'hospital', count(*) FILTER (WHERE kind IN ('hospital', 'clinic')),
                'medical_care', count(*) FILTER (WHERE medical_care),
                'total', count(*),
                'target_child_development_center', count(*) FILTER (WHERE kind = 'child_development_center') >= 1,
                'target_severe_service', count(*) FILTER (WHERE kind = 'severe_day_service') >= 1) AS r
            FROM facilities GROUP BY municipality) m)
    )
$$;
COMMENT ON FUNCTION powermap_council_report(date, timestamptz, bigint) IS
    'Exact figures of the council report (DESIGN 9); run_id: the plan run whose decisions are counted (NULL: none).';
