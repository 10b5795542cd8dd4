-- 0081_plan_settings.sql -- what the municipality prints on every plan: its
-- name, the department and the telephone a family calls (issue 15).

CREATE TABLE plan_settings (
    key             text PRIMARY KEY CHECK (key IN ('municipality', 'department', 'phone', 'note')),
    value           text NOT NULL CHECK (length(value) <= 500),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE plan_settings IS
    'Printed on every plan (GET|PUT /v1/plans/settings): municipality (市町村名), department (担当課), phone (連絡先電話), note (a line of its own).';

-- A plan given to supporters without the family's consent: allowed in a
-- disaster (災害対策基本法 49条の11第3項, 49条の15第3項), and always a
-- deliberate act, recorded here with who, when, which children and why.
CREATE TABLE plan_disclosures (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    child_ids       bigint[] NOT NULL,
    basis           text NOT NULL,
    reason          text NOT NULL CHECK (reason <> '' AND length(reason) <= 1000)
);
COMMENT ON TABLE plan_disclosures IS
    'Plans printed for supporters without consent under the disaster override (GET /v1/plans/print?audience=supporter&override=disaster&reason=). Append-only.';
COMMENT ON COLUMN plan_disclosures.child_ids IS 'The children printed whose families had not consented.';
COMMENT ON COLUMN plan_disclosures.basis IS 'The legal basis printed on the copies.';
CREATE TRIGGER plan_disclosures_append_only BEFORE UPDATE OR DELETE ON plan_disclosures
    FOR EACH ROW EXECUTE FUNCTION powermap_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON plan_disclosures FROM powermap_app;
