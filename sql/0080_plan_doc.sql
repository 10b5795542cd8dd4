-- 0080_plan_doc.sql -- the 個別避難計画 as a living document (DESIGN 6 rule 10,
-- DESIGN 7 v2 PUT /v1/children/{id}/plan): the destination agreed with a
-- facility, the plan's status (draft -> agreed -> shared), who moved it and
-- when, the next review date, and the changes that make it due for review.

CREATE TABLE child_plans (
    id              bigserial PRIMARY KEY,
    child_id        bigint NOT NULL UNIQUE REFERENCES children (id) ON DELETE CASCADE,
    dest_type       text CHECK (dest_type IN ('shelter', 'power_point')),
    dest_id         bigint,
    note            text,
    dest_by         text,
    dest_at         timestamptz,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'agreed', 'shared')),
    status_by       text,
    status_at       timestamptz,
    review_date     date NOT NULL DEFAULT (current_date + 365),
    review_reasons  text[] NOT NULL DEFAULT '{}'
                        CHECK (review_reasons <@ ARRAY['device', 'address', 'affiliation', 'supporters', 'consent']),
    changed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((dest_type IS NULL) = (dest_id IS NULL))
);
COMMENT ON TABLE child_plans IS
    'A child''s 個別避難計画 as a document: agreed destination (rule 10), status, review. One row per child, made by the first PUT /v1/children/{id}/plan.';
COMMENT ON COLUMN child_plans.dest_type IS
    'The destination agreed with the facility (shelter or power_point), kept by every plan run (DESIGN 6 rule 10); NULL: none fixed.';
COMMENT ON COLUMN child_plans.note IS 'What was agreed, e.g. 福祉避難所へ直接避難 or 計画入院 (free text).';
COMMENT ON COLUMN child_plans.dest_by IS 'Who fixed the destination (key:NAME / user:LOGIN), and dest_at when.';
COMMENT ON COLUMN child_plans.status IS
    'draft; agreed (with the family); shared (with supporters: only with children.consent).';
COMMENT ON COLUMN child_plans.status_by IS 'Who moved the status last, and status_at when.';
COMMENT ON COLUMN child_plans.review_date IS 'The next review (one year after agreement by default).';
COMMENT ON COLUMN child_plans.review_reasons IS
    'Changes since the plan was last agreed that make it 要見直し: device, address, affiliation, supporters, consent (withdrawn). Cleared when it is agreed again.';
COMMENT ON COLUMN child_plans.changed_at IS 'When the first of review_reasons happened.';

CREATE TRIGGER child_plans_history AFTER INSERT OR UPDATE OR DELETE ON child_plans
    FOR EACH ROW EXECUTE FUNCTION powermap_history();
CREATE TRIGGER child_plans_touch BEFORE UPDATE ON child_plans
    FOR EACH ROW EXECUTE FUNCTION powermap_touch();

CREATE FUNCTION powermap_plan_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('powermap.actor', true), ''), 'db:' || session_user)
$$;
COMMENT ON FUNCTION powermap_plan_actor() IS
    'Who is changing the plan: powermap.actor (key:NAME, user:LOGIN) as the history trigger reads it.';

-- Marks the plan of child cid due for review because of what.
CREATE FUNCTION powermap_plan_review(cid bigint, what text) RETURNS void
LANGUAGE sql AS $$
    UPDATE child_plans
    SET review_reasons = array_append(review_reasons, what),
        changed_at = coalesce(changed_at, now())
    WHERE child_id = cid AND NOT (what = ANY (review_reasons))
$$;
COMMENT ON FUNCTION powermap_plan_review(bigint, text) IS
    'Adds what (device, address, affiliation, supporters, consent) to the review reasons of a child''s plan.';

-- A child's record changed: the address (or home point), the affiliation,
-- the supporters, or consent withdrawn (a shared plan goes back to agreed).
-- Compared through jsonb so that columns added later (affiliation, v2) are
-- read when present without this migration depending on them.
CREATE FUNCTION powermap_plan_child_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o jsonb := to_jsonb(OLD);
    n jsonb := to_jsonb(NEW);
BEGIN
    IF o->'address' IS DISTINCT FROM n->'address' OR o->'home' IS DISTINCT FROM n->'home' THEN
        PERFORM powermap_plan_review(NEW.id, 'address');
    END IF;
    IF o->'affiliation' IS DISTINCT FROM n->'affiliation'
       OR o->'affiliation_name' IS DISTINCT FROM n->'affiliation_name' THEN
        PERFORM powermap_plan_review(NEW.id, 'affiliation');
    END IF;
    IF o->'supporters' IS DISTINCT FROM n->'supporters' THEN
        PERFORM powermap_plan_review(NEW.id, 'supporters');
    END IF;
    IF (o->>'consent')::boolean AND NOT coalesce((n->>'consent')::boolean, false) THEN
        UPDATE child_plans SET status = 'agreed', status_at = now(), status_by = powermap_plan_actor()
        WHERE child_id = NEW.id AND status = 'shared';
        PERFORM powermap_plan_review(NEW.id, 'consent');
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION powermap_plan_child_changed() IS
    'children AFTER UPDATE: marks the child''s plan for review; consent withdrawn unshares it.';
CREATE TRIGGER children_plan_review AFTER UPDATE ON children
    FOR EACH ROW EXECUTE FUNCTION powermap_plan_child_changed();

CREATE FUNCTION powermap_plan_device_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) = to_jsonb(NEW) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM powermap_plan_review(OLD.child_id, 'device');
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM powermap_plan_review(NEW.child_id, 'device');
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION powermap_plan_device_changed() IS
    'devices AFTER INSERT/UPDATE/DELETE: a device changed, the child''s plan is due for review.';
CREATE TRIGGER devices_plan_review AFTER INSERT OR UPDATE OR DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION powermap_plan_device_changed();

-- Every child's plan document, also for children never PUT (draft, no row).
CREATE VIEW child_plan_docs AS
SELECT c.id AS child_id, cp.id AS doc_id,
       coalesce(cp.status, 'draft') AS status, cp.status_by, cp.status_at,
       cp.dest_type, cp.dest_id, cp.note, cp.dest_by, cp.dest_at,
       cp.review_date,
       coalesce(cp.review_reasons, '{}') ||
           CASE WHEN cp.review_date <= current_date THEN ARRAY['overdue'] ELSE '{}'::text[] END
           AS review_reasons,
       cp.id IS NOT NULL AND (cp.review_reasons <> '{}' OR cp.review_date <= current_date) AS review_due,
       cp.changed_at
FROM children c LEFT JOIN child_plans cp ON cp.child_id = c.id;
COMMENT ON VIEW child_plan_docs IS
    'Each child''s plan status and whether it is 要見直し (review_due: a change since agreement, or the review date reached). Read by the plan JSON, the lists and the council report.';
