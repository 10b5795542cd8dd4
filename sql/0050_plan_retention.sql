-- 0050_plan_retention.sql -- plan runs are bounded (issue 11.7): a run is kept
-- while it is among the latest of its scenario, while its plans have been
-- read (the audit log then refers to it), or while another record refers to
-- it (a plan's status, an outage's re-plan); older runs are deleted with
-- their plans when a new run is stored.

ALTER TABLE plan_runs ADD COLUMN read_at timestamptz;
COMMENT ON COLUMN plan_runs.read_at IS
    'When a plan of this run was first read (GET plan, affected list): audit rows refer to it, so retention keeps it.';

CREATE FUNCTION powermap_plan_retention(keep int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    fk record;
    n bigint;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS plan_runs_kept (id bigint PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE plan_runs_kept;
    INSERT INTO plan_runs_kept
    SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY scenario_key ORDER BY id DESC) AS n
                    FROM plan_runs WHERE finished_at IS NOT NULL) r WHERE r.n <= keep
    UNION SELECT id FROM plan_runs WHERE read_at IS NOT NULL OR finished_at IS NULL
    ON CONFLICT DO NOTHING;
    -- Every other table whose column references plan_runs (found in the
    -- catalogue, so that later migrations need not change this function).
    FOR fk IN
        SELECT c.conrelid::regclass AS tbl, a.attname AS col
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'plan_runs'::regclass
          AND c.conrelid <> 'plans'::regclass AND array_length(c.conkey, 1) = 1
    LOOP
        EXECUTE format('INSERT INTO plan_runs_kept SELECT DISTINCT %I FROM %s WHERE %I IS NOT NULL '
                       'ON CONFLICT DO NOTHING', fk.col, fk.tbl, fk.col);
    END LOOP;
    DELETE FROM plan_runs r WHERE NOT EXISTS (SELECT 1 FROM plan_runs_kept k WHERE k.id = r.id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION powermap_plan_retention(int) IS
    'Deletes the plan runs no longer kept: not among the latest keep of their scenario, never read, referenced by no other table. Returns how many.';

-- Opening hours in the candidate search (issue 14): points closed on arrival
-- must not fill a child's list before the cut.  The database keeps a point
-- open a second either side of its window (its arithmetic is not the
-- planner's); geo_hours_open_at in the planner decides exactly.
CREATE FUNCTION powermap_open_at(hours text, t double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN hours = '24h' THEN true
        WHEN t IS NULL OR hours !~ '^\d\d:\d\d-\d\d:\d\d$' THEN NULL
        ELSE (SELECT CASE WHEN a = b THEN false
                          WHEN a < b THEN x >= a AND x < b
                          ELSE x >= a OR x < b END
              FROM (SELECT (substr(hours, 1, 2)::int * 60 + substr(hours, 4, 2)::int) * 60.0 AS a,
                           (substr(hours, 7, 2)::int * 60 + substr(hours, 10, 2)::int) * 60.0 AS b,
                           t - 86400.0 * floor(t / 86400.0) AS x) w)
    END
$$;
COMMENT ON FUNCTION powermap_open_at(text, double precision) IS
    'Is a point with these hours (24h or HH:MM-HH:MM) open at t seconds after midnight, Japan time? NULL when t is NULL.';

CREATE FUNCTION powermap_open_near(hours text, t double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT powermap_open_at(hours, t - 1) OR powermap_open_at(hours, t)
           OR powermap_open_at(hours, t + 1)
$$;
COMMENT ON FUNCTION powermap_open_near(text, double precision) IS
    'powermap_open_at a second either way: the candidate search keeps a point on the boundary and the planner decides it exactly.';
