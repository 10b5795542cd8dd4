-- 0100_erasure.sql -- erasing a child on a legal request (APPI: the duty to
-- erase).  powermap_erase_child removes the child's personal data from every
-- table -- the record and what cascades from it (devices, calls, the plan
-- document), the plans of every run, the history and the geocoding cache --
-- and leaves a tombstone saying which id, when, by whom and on what legal
-- ground.  It is the only operation allowed to rewrite the history.

CREATE TABLE erasures (
    id              bigserial PRIMARY KEY,
    child_id        bigint NOT NULL,
    erased_at       timestamptz NOT NULL DEFAULT now(),
    erased_by       text NOT NULL CHECK (erased_by <> ''),
    legal_reason    text NOT NULL CHECK (legal_reason <> '' AND char_length(legal_reason) <= 2000)
);
COMMENT ON TABLE erasures IS
    'Tombstones of erased children: the id, when, who and the legal reason; nothing personal. Append-only.';
CREATE TRIGGER erasures_append_only BEFORE UPDATE OR DELETE ON erasures
    FOR EACH ROW EXECUTE FUNCTION powermap_append_only();
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON erasures FROM powermap_app;

-- The history's guard lets exactly one thing through: while an erasure runs
-- (powermap.erasing names the child, set only inside powermap_erase_child),
-- deleting history rows about that child.  powermap_app is not granted DELETE
-- on history at all, so it can only get here through the function.
CREATE OR REPLACE FUNCTION powermap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    erasing text := nullif(current_setting('powermap.erasing', true), '');
BEGIN
    -- Nested: PL/pgSQL does not promise to stop at the first false AND, and
    -- OLD has no table_name on the other tables.
    IF TG_TABLE_NAME = 'history' AND TG_OP = 'DELETE' AND erasing IS NOT NULL THEN
        IF (OLD.table_name = 'children' AND OLD.record_id::text = erasing) OR
           coalesce(OLD.old_row, OLD.new_row) ->> 'child_id' = erasing THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
COMMENT ON FUNCTION powermap_append_only() IS
    'Refuses any change but INSERT (audit_log, history, erasures), except history rows of the child powermap_erase_child is erasing.';

CREATE FUNCTION powermap_erase_child(p_child bigint, p_by text, p_reason text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    known boolean;
    tomb bigint;
BEGIN
    known := EXISTS (SELECT 1 FROM children WHERE id = p_child) OR
             EXISTS (SELECT 1 FROM history WHERE table_name = 'children' AND record_id = p_child);
    IF NOT known THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('powermap.erasing', p_child::text, true);
    -- Every address the child ever had, before the record and its history go.
    DELETE FROM geocode_cache WHERE address IN (
        SELECT address FROM children WHERE id = p_child
        UNION SELECT h.old_row ->> 'address' FROM history h
              WHERE h.table_name = 'children' AND h.record_id = p_child
        UNION SELECT h.new_row ->> 'address' FROM history h
              WHERE h.table_name = 'children' AND h.record_id = p_child);
    DELETE FROM children WHERE id = p_child;     -- devices, calls, child_plans cascade
    DELETE FROM plans WHERE child_id = p_child;
    DELETE FROM history
    WHERE (table_name = 'children' AND record_id = p_child)
       OR coalesce(old_row, new_row) ->> 'child_id' = p_child::text;
    PERFORM set_config('powermap.erasing', '', true);
    INSERT INTO erasures (child_id, erased_by, legal_reason)
    VALUES (p_child, p_by, p_reason) RETURNING id INTO tomb;
    RETURN tomb;
END $$;
COMMENT ON FUNCTION powermap_erase_child(bigint, text, text) IS
    'Erases child p_child everywhere (history and geocode cache included) and returns the tombstone id; NULL when the id was never a child.';
REVOKE ALL ON FUNCTION powermap_erase_child(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION powermap_erase_child(bigint, text, text) TO powermap_app;
