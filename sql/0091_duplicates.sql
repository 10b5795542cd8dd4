-- 0091_duplicates.sql -- one child, many reports (名寄せ, issue 16.1).
--
-- Each department reports children under its own ledger numbers.  When an
-- import brings a child under an external_id the registry does not know, the
-- row is compared with the children already there (kana and address
-- normalised: NFKC, no spaces, katakana as hiragana):
--   * same birth date and same kana name: the same child.  The report is
--     merged into it (empty fields filled, the department added to sources,
--     differing values kept aside with their department) and its
--     external_id becomes an alias, so the department's next import updates
--     the same child;
--   * same birth date and the same address or name (kanji) but another kana:
--     maybe the same child (a typo), maybe a twin.  The report waits in the
--     duplicates queue for a person (merge | keep_apart);
-- Only children registered before the import are compared: rows of one file
-- are one department's ledger, distinct children by its own numbers.
--   * otherwise a new child.
-- Nothing is lost: every report is kept in child_reports, and merges change
-- children through ordinary updates that history records.  The comparison
-- runs inside imports (powermap.dedupe, or the import's staging table).

CREATE FUNCTION powermap_norm_kana(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT nullif(translate(regexp_replace(normalize(coalesce(s, ''), NFKC), '[\s　・･]', '', 'g'),
        'ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴ',
        'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔ'), '')
$$;
COMMENT ON FUNCTION powermap_norm_kana(text) IS
    'Kana for comparing reports: NFKC, no spaces or middle dots, katakana as hiragana; NULL when empty.';

CREATE FUNCTION powermap_norm_text(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT nullif(translate(regexp_replace(normalize(coalesce(s, ''), NFKC), '\s', '', 'g'),
                            '‐‑‒–—―−ーｰ', '---------'), '')
$$;
COMMENT ON FUNCTION powermap_norm_text(text) IS
    'Names and addresses for comparing reports: NFKC, no spaces, one kind of dash; NULL when empty.';

CREATE INDEX children_match_kana_idx ON children (birth_date, powermap_norm_kana(name_kana));
COMMENT ON INDEX children_match_kana_idx IS 'Reports matching a child by birth date and kana (powermap_dedupe).';
CREATE INDEX children_match_addr_idx ON children (birth_date, powermap_norm_text(address));
COMMENT ON INDEX children_match_addr_idx IS 'Reports matching a child by birth date and address (powermap_dedupe).';

CREATE TABLE child_aliases (
    external_id     text PRIMARY KEY CHECK (external_id <> ''),
    child_id        bigint NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE child_aliases IS
    'Other departments'' ledger numbers of a child, learnt by merging their reports.';

CREATE TABLE child_reports (
    id              bigserial PRIMARY KEY,
    child_id        bigint REFERENCES children (id) ON DELETE SET NULL,
    external_id     text NOT NULL,
    department      text,
    report          jsonb NOT NULL,
    match           text NOT NULL CHECK (match IN ('alias', 'kana_birth_date', 'address_birth_date',
                        'name_birth_date', 'several')),
    candidates      bigint[] NOT NULL DEFAULT '{}',
    status          text NOT NULL CHECK (status IN ('merged', 'pending', 'kept_apart')),
    conflicts       jsonb NOT NULL DEFAULT '{}',
    applied_at      timestamptz,
    decided_by      text,
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text
);
COMMENT ON TABLE child_reports IS
    'Reports of a child under an unknown external_id that matched a child already registered (名寄せ).';
COMMENT ON COLUMN child_reports.report IS 'The report as it came (the children row it would have inserted).';
COMMENT ON COLUMN child_reports.conflicts IS
    'Fields where the report differed from the child: {field: {kept, reported, department}}.';
CREATE INDEX child_reports_pending_idx ON child_reports (id) WHERE status = 'pending';
COMMENT ON INDEX child_reports_pending_idx IS 'The duplicates queue (GET /v1/duplicates).';
CREATE TRIGGER child_reports_history AFTER INSERT OR UPDATE OR DELETE ON child_reports
    FOR EACH ROW EXECUTE FUNCTION powermap_history();

-- Applies report r to its child: fills empty fields, adds the department to
-- sources, keeps differing values in r.conflicts, records the alias.
CREATE FUNCTION powermap_apply_report(rid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r child_reports;
    c jsonb;
    f text;
    conf jsonb := '{}';
    fill jsonb := '{}';
BEGIN
    SELECT * INTO r FROM child_reports WHERE id = rid FOR UPDATE;
    SELECT to_jsonb(ch) INTO c FROM children ch WHERE ch.id = r.child_id;
    FOR f IN SELECT unnest(ARRAY['name', 'name_kana', 'birth_date', 'address', 'mobility', 'guardian_name',
            'guardian_phone', 'hospital', 'sex', 'phone', 'district', 'affiliation', 'affiliation_name',
            'grade']) LOOP
        IF r.report->>f IS NULL OR r.report->>f = '' THEN
            CONTINUE;
        ELSIF c->>f IS NULL OR c->>f = '' THEN
            fill := fill || jsonb_build_object(f, r.report->>f);
        ELSIF powermap_norm_text(c->>f) IS DISTINCT FROM powermap_norm_text(r.report->>f) THEN
            conf := conf || jsonb_build_object(f, jsonb_build_object('kept', c->>f,
                        'reported', r.report->>f, 'department', r.department));
        END IF;
    END LOOP;
    UPDATE children ch SET
        name = coalesce(fill->>'name', ch.name),
        name_kana = coalesce(fill->>'name_kana', ch.name_kana),
        birth_date = coalesce((fill->>'birth_date')::date, ch.birth_date),
        address = coalesce(fill->>'address', ch.address),
        home = coalesce(ch.home, ST_SetSRID(ST_GeomFromGeoJSON(r.report->>'home'), 4326)),
        mobility = coalesce(fill->>'mobility', ch.mobility),
        guardian_name = coalesce(fill->>'guardian_name', ch.guardian_name),
        guardian_phone = coalesce(fill->>'guardian_phone', ch.guardian_phone),
        hospital = coalesce(fill->>'hospital', ch.hospital),
        sex = coalesce(fill->>'sex', ch.sex),
        phone = coalesce(fill->>'phone', ch.phone),
        district = coalesce(fill->>'district', ch.district),
        affiliation = coalesce(fill->>'affiliation', ch.affiliation),
        affiliation_name = coalesce(fill->>'affiliation_name', ch.affiliation_name),
        grade = coalesce(fill->>'grade', ch.grade),
        care = ARRAY(SELECT DISTINCT x FROM unnest(ch.care || ARRAY(SELECT jsonb_array_elements_text(
                   coalesce(r.report->'care', '[]')))) x ORDER BY 1),
        severe_disability = ch.severe_disability OR coalesce((r.report->>'severe_disability')::boolean, false),
        sources = CASE WHEN r.department IS NULL OR ch.sources @> jsonb_build_array(
                           jsonb_build_object('department', r.department)) THEN ch.sources
                       ELSE ch.sources || jsonb_build_array(jsonb_build_object('department', r.department,
                           'date', to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD'))) END
    WHERE ch.id = r.child_id;
    INSERT INTO child_aliases (external_id, child_id) VALUES (r.external_id, r.child_id)
        ON CONFLICT (external_id) DO NOTHING;
    UPDATE child_reports SET conflicts = conf, applied_at = now() WHERE id = rid;
END $$;
COMMENT ON FUNCTION powermap_apply_report(bigint) IS 'Merges a report into its child (名寄せ); history records the change.';

CREATE FUNCTION powermap_dedupe() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    strong bigint[];
    weak bigint[];
    how text;
    who text := coalesce(nullif(current_setting('powermap.actor', true), ''), 'db:' || session_user);
BEGIN
    -- An import stages its rows in stage_children first (sql/queries_registry_gen.sql);
    -- powermap.dedupe = on|off says so explicitly.
    IF coalesce(nullif(current_setting('powermap.dedupe', true), ''),
                CASE WHEN to_regclass('pg_temp.stage_children') IS NULL THEN 'off' ELSE 'on' END) <> 'on' THEN
        RETURN NEW;
    END IF;
    SELECT array_agg(child_id) INTO strong FROM child_aliases WHERE external_id = NEW.external_id;
    how := 'alias';
    IF strong IS NULL THEN
        how := 'kana_birth_date';
        SELECT array_agg(id ORDER BY id) INTO strong FROM children
        WHERE NEW.birth_date IS NOT NULL AND birth_date = NEW.birth_date
          AND powermap_norm_kana(name_kana) = powermap_norm_kana(NEW.name_kana)
          AND created_at < now();

    END IF;
    IF strong IS NOT NULL AND cardinality(strong) = 1 THEN
        INSERT INTO child_reports (child_id, external_id, department, report, match, candidates,
                                   status, decided_by, decided_at, created_by)
        VALUES (strong[1], NEW.external_id, NEW.source, to_jsonb(NEW) || jsonb_build_object('home',
                ST_AsGeoJSON(NEW.home)::jsonb), how, strong, 'merged', 'auto', now(), who);
        RETURN NULL;
    END IF;
    SELECT array_agg(id ORDER BY id) INTO weak FROM children
    WHERE NEW.birth_date IS NOT NULL AND birth_date = NEW.birth_date AND created_at < now()
      AND (powermap_norm_text(address) = powermap_norm_text(NEW.address)
           OR powermap_norm_text(name) = powermap_norm_text(NEW.name));
    IF strong IS NOT NULL OR weak IS NOT NULL THEN
        INSERT INTO child_reports (child_id, external_id, department, report, match, candidates,
                                   status, created_by)
        VALUES ((coalesce(strong, weak))[1], NEW.external_id, NEW.source, to_jsonb(NEW) ||
                jsonb_build_object('home', ST_AsGeoJSON(NEW.home)::jsonb),
                CASE WHEN strong IS NOT NULL THEN 'several'
                     WHEN EXISTS (SELECT 1 FROM children WHERE id = ANY (weak)
                                  AND powermap_norm_text(address) = powermap_norm_text(NEW.address))
                     THEN 'address_birth_date' ELSE 'name_birth_date' END,
                coalesce(strong, weak), 'pending', who);
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION powermap_dedupe() IS
    'BEFORE INSERT on children during an import: a report of a known child is merged or queued, not made a new child.';

CREATE TRIGGER children_dedupe BEFORE INSERT ON children FOR EACH ROW EXECUTE FUNCTION powermap_dedupe();

-- After the import's statement, apply the reports it merged.
CREATE FUNCTION powermap_dedupe_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rid bigint;
BEGIN
    FOR rid IN SELECT id FROM child_reports WHERE status = 'merged' AND applied_at IS NULL ORDER BY id LOOP
        PERFORM powermap_apply_report(rid);
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER children_dedupe_apply AFTER INSERT ON children
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_dedupe_apply();

-- A person's decision on a report in the queue.  merge: into child (one of
-- its candidates; NULL: the first).  Returns the child's id, NULL when the
-- report is not pending.
CREATE FUNCTION powermap_decide_report(rid bigint, action text, who text, child bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    r child_reports;
    c children;
BEGIN
    SELECT * INTO r FROM child_reports WHERE id = rid AND status = 'pending' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF action = 'merge' THEN
        IF child IS NOT NULL AND NOT child = ANY (r.candidates) THEN
            RAISE EXCEPTION 'child % is not a candidate of report %', child, rid
                USING ERRCODE = '22023';
        END IF;
        UPDATE child_reports SET status = 'merged', child_id = coalesce(child, r.child_id),
               decided_by = who, decided_at = now() WHERE id = rid;
        PERFORM powermap_apply_report(rid);
        RETURN coalesce(child, r.child_id);
    END IF;
    -- keep_apart: the report becomes a child of its own, compared with nobody.
    c := jsonb_populate_record(NULL::children, r.report - 'home');
    c.id := nextval(pg_get_serial_sequence('children', 'id'));
    c.created_at := now();
    c.updated_at := now();
    c.home := ST_SetSRID(ST_GeomFromGeoJSON(r.report->>'home'), 4326);
    PERFORM set_config('powermap.dedupe', 'off', true);
    INSERT INTO children SELECT (c).*;
    UPDATE child_reports SET status = 'kept_apart', child_id = c.id, decided_by = who,
           decided_at = now() WHERE id = rid;
    RETURN c.id;
END $$;
COMMENT ON FUNCTION powermap_decide_report(bigint, text, text, bigint) IS
    'POST /v1/duplicates/{id}: merge the report into a candidate, or keep it apart as a new child.';
