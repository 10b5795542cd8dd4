-- queries_roster.sql -- the 名簿 (roster): GET /v1/children with its filters,
-- sort and paging, and the same list written out as CSV or Excel
-- (server/routes_roster.c).  Split like queries.sql.
--
-- Every filter is a parameter, NULL when not asked for.  Words typed by staff
-- are compared as powermap_norm_kana compares reports (0091): NFKC (full- and
-- half-width alike), no spaces or middle dots, katakana as hiragana, so that
-- 「ヤマダ」「やまだ」「ﾔﾏﾀﾞ」 find the same child.  A child's plan is that of the
-- latest finished run (as GET /v1/plans/children), with its document's status.

-- name: roster_filter
-- $1 q (name, kana or 台帳番号)  $2 care text[] (any of)  $3 youngest age
-- $4 oldest age (years, JST today)  $5 district (part of)  $6 department
-- (part of, any report)  $7 affiliation text[] ('unknown': none given)
-- $8 decision text[] ('none': not in the latest run)  $9 plan status text[]
-- $10 review due (bool)  $11 sort key  $12 descending (bool)  $13 limit
-- $14 offset.  Returns the ids of the page in order (bigint[] text), the
-- number of children matching, and the number registered.
WITH run AS (
    SELECT id FROM plan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
), today AS (
    SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date AS d
), f AS (
    SELECT c.id, c.external_id, c.name, c.name_kana, c.district, c.birth_date, c.care,
           coalesce(p.decision, 'none') AS decision, coalesce(cp.status, 'draft') AS status,
           cp.review_date,
           CASE WHEN $11 = 'runtime_h' THEN powermap_runtime_h(c.id) END AS runtime_h
    FROM children c
    LEFT JOIN plans p ON p.run_id = (SELECT id FROM run) AND p.child_id = c.id
    LEFT JOIN child_plans cp ON cp.child_id = c.id
    WHERE ($1::text IS NULL
           OR strpos(powermap_norm_kana(c.name_kana), powermap_norm_kana($1)) > 0
           OR strpos(powermap_norm_kana(c.name), powermap_norm_kana($1)) > 0
           OR strpos(lower(powermap_norm_kana(c.external_id)), lower(powermap_norm_kana($1))) > 0)
      AND ($2::text[] IS NULL OR c.care && $2::text[])
      AND ($3::int IS NULL OR (c.birth_date IS NOT NULL AND
           extract(year FROM age((SELECT d FROM today), c.birth_date)) >= $3::int))
      AND ($4::int IS NULL OR (c.birth_date IS NOT NULL AND
           extract(year FROM age((SELECT d FROM today), c.birth_date)) <= $4::int))
      AND ($5::text IS NULL OR strpos(powermap_norm_kana(c.district), powermap_norm_kana($5)) > 0)
      AND ($6::text IS NULL
           OR strpos(powermap_norm_kana(c.source), powermap_norm_kana($6)) > 0
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(c.sources) s
                      WHERE strpos(powermap_norm_kana(s ->> 'department'), powermap_norm_kana($6)) > 0))
      AND ($7::text[] IS NULL OR coalesce(c.affiliation, 'unknown') = ANY ($7::text[]))
      AND ($8::text[] IS NULL OR coalesce(p.decision, 'none') = ANY ($8::text[]))
      AND ($9::text[] IS NULL OR coalesce(cp.status, 'draft') = ANY ($9::text[]))
      AND ($10::bool IS NULL OR $10::bool = coalesce(cp.review_date <= (SELECT d FROM today)
                                                     OR cardinality(cp.review_reasons) > 0, false))
), k AS (
    SELECT id,
           CASE $11 WHEN 'external_id' THEN external_id WHEN 'name' THEN name
                    WHEN 'name_kana' THEN powermap_norm_kana(name_kana) WHEN 'district' THEN district
                    WHEN 'decision' THEN decision WHEN 'plan_status' THEN status END AS t,
           CASE $11 WHEN 'id' THEN id::float8
                    WHEN 'age' THEN ((SELECT d FROM today) - birth_date)::float8
                    WHEN 'runtime_h' THEN runtime_h
                    WHEN 'review_date' THEN (review_date - date '2000-01-01')::float8
                    WHEN 'care' THEN cardinality(care)::float8 END AS n
    FROM f
), page AS (
    SELECT id, row_number() OVER (ORDER BY
               CASE WHEN NOT $12::bool THEN t END ASC NULLS LAST,
               CASE WHEN $12::bool THEN t END DESC NULLS LAST,
               CASE WHEN NOT $12::bool THEN n END ASC NULLS LAST,
               CASE WHEN $12::bool THEN n END DESC NULLS LAST, id) AS ord
    FROM k ORDER BY ord LIMIT $13::bigint OFFSET $14::bigint
)
SELECT coalesce((SELECT array_agg(id ORDER BY ord) FROM page), '{}')::text,
       (SELECT count(*) FROM f), (SELECT count(*) FROM children)

-- name: roster_items
-- $1 ids (bigint[], in the order to list), $2 the number matching.  Streamed
-- like children_items (maps.h): a head row, then each record with its plan.
WITH run AS (
    SELECT id FROM plan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
)
SELECT 0 AS part, NULL::text AS version, $2::bigint AS matched, NULL::text AS item
UNION ALL
(SELECT 1, NULL, NULL,
        left(powermap_child_json(c)::text, -1) || ',"plan":' || json_build_object(
            'run_id', (SELECT id FROM run), 'decision', p.decision, 'dest_type', p.dest_type,
            'dest_id', p.dest_id, 'dest_name', coalesce(s.name, pp.name),
            'leave_by_h', p.leave_by_h, 'status', coalesce(cp.status, 'draft'),
            'review_date', cp.review_date,
            'review_due', coalesce(cp.review_date <= (now() AT TIME ZONE 'Asia/Tokyo')::date
                                   OR cardinality(cp.review_reasons) > 0, false))::text || '}'
 FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, ord)
 JOIN children c ON c.id = u.id
 LEFT JOIN plans p ON p.run_id = (SELECT id FROM run) AND p.child_id = c.id
 LEFT JOIN shelters s ON p.dest_type = 'shelter' AND s.id = p.dest_id
 LEFT JOIN power_points pp ON p.dest_type = 'power_point' AND pp.id = p.dest_id
 LEFT JOIN child_plans cp ON cp.child_id = c.id
 ORDER BY u.ord)

-- name: roster_export
-- $1 ids (bigint[], in order): one row per child for the CSV and Excel
-- export, every column text with Japanese labels (numbers as digits; the
-- writer makes them numbers in Excel).  Columns as ROSTER_COLUMNS in
-- server/routes_roster.c.
WITH run AS (
    SELECT id FROM plan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
)
SELECT c.external_id, c.name, c.name_kana, to_char(c.birth_date, 'YYYY-MM-DD'),
       extract(year FROM age((now() AT TIME ZONE 'Asia/Tokyo')::date, c.birth_date))::int::text,
       c.address, c.district, c.phone,
       CASE c.mobility WHEN 'walk' THEN '歩行' WHEN 'wheelchair' THEN '車いす'
                       WHEN 'stretcher' THEN 'ストレッチャー' END,
       array_to_string(ARRAY(SELECT CASE x WHEN 'ventilator' THEN '人工呼吸器'
                WHEN 'tracheostomy' THEN '気管切開' WHEN 'suction' THEN '吸引'
                WHEN 'oxygen' THEN '在宅酸素' WHEN 'tube_feeding' THEN '経管栄養'
                WHEN 'iv' THEN '中心静脈栄養' WHEN 'dialysis' THEN '透析' ELSE 'その他' END
                FROM unnest(c.care) WITH ORDINALITY AS e(x, o) ORDER BY o), '・'),
       CASE c.affiliation WHEN 'home' THEN '在宅' WHEN 'nursery' THEN '保育所'
            WHEN 'kindergarten' THEN '幼稚園' WHEN 'school' THEN '小・中学校'
            WHEN 'special_school' THEN '特別支援学校' WHEN 'day_service' THEN '通所（デイ）'
            WHEN 'other' THEN 'その他' END,
       c.affiliation_name, c.guardian_name, c.guardian_phone, c.hospital,
       array_to_string(ARRAY(SELECT s ->> 'department' FROM jsonb_array_elements(c.sources)
                             WITH ORDINALITY AS e(s, o) ORDER BY o), '・'),
       powermap_need_w(c.id)::text, powermap_runtime_h(c.id)::text,
       CASE p.decision WHEN 'stay_home' THEN '在宅避難' WHEN 'charge' THEN '充電に行く'
            WHEN 'evacuate' THEN '避難する' WHEN 'unassigned' THEN '行き先なし' ELSE '計画なし' END,
       coalesce(s.name, pp.name),
       CASE coalesce(cp.status, 'draft') WHEN 'draft' THEN '下書き' WHEN 'agreed' THEN '合意済み'
            ELSE '共有済み' END,
       to_char(cp.review_date, 'YYYY-MM-DD')
FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, ord)
JOIN children c ON c.id = u.id
LEFT JOIN plans p ON p.run_id = (SELECT id FROM run) AND p.child_id = c.id
LEFT JOIN shelters s ON p.dest_type = 'shelter' AND s.id = p.dest_id
LEFT JOIN power_points pp ON p.dest_type = 'power_point' AND pp.id = p.dest_id
LEFT JOIN child_plans cp ON cp.child_id = c.id
ORDER BY u.ord
