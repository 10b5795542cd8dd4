-- 0007_audit_append_only.sql -- the audit log can be added to, never changed.
--
-- Two locks: a trigger refuses UPDATE, DELETE and TRUNCATE for everyone who
-- does not switch triggers off on purpose (a restore), and the role the
-- daemon should log in as, powermap_app, is not even granted them.

CREATE FUNCTION powermap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
COMMENT ON FUNCTION powermap_append_only() IS 'Refuses any change but INSERT (audit_log, history).';

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION powermap_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_append_only();
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION powermap_append_only();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_append_only();

-- The daemon's role: everything it needs, and on the audit log and the
-- history only SELECT and INSERT.  Log in as a member of it:
--   CREATE ROLE powermapd LOGIN PASSWORD '...' IN ROLE powermap_app;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'powermap_app') THEN
        CREATE ROLE powermap_app NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public TO powermap_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO powermap_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, history FROM powermap_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO powermap_app;
-- Tables made by later migrations (run by the same owner) are granted alike.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO powermap_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO powermap_app;
-- Imports and plan runs stage rows in temporary tables.
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO powermap_app', current_database());
END $$;
