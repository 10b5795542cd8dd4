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

-- Rule 8: how long a power point has power in an outage.
CREATE FUNCTION powermap_point_power_h(p power_points, outage bigint) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN outage IS NULL OR NOT EXISTS (SELECT 1 FROM outages o
                                          WHERE o.id = outage AND ST_Intersects(o.geom, p.geom)) THEN NULL
        WHEN p.backup_power <> 'none' OR p.kind IN ('generator', 'ev', 'battery_station', 'power_vehicle')
             OR p.dispatchable THEN CASE WHEN p.backup_h > 0 THEN p.backup_h END
        ELSE 0 END
$$;
COMMENT ON FUNCTION powermap_point_power_h(power_points, bigint) IS
    'Hours from the outage start a power point has power (rule 8): NULL outside the outage or when grid-independent with no stated backup_h, backup_h on backup power, 0 when dark.';

-- What the plan says beyond the v1 columns: each power source's hours
-- (rule 7), when to leave (rule 11), the charging trips (rule 12), a power
-- source brought home (rule 9), an agreed destination kept or not (rule 10).
ALTER TABLE plans ADD COLUMN details jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN plans.details IS
    'power {devices_h, home_battery_h, home_generator_h, runtime_h, ...}, leave_when {code, leave_by_h}, charge {trips, charge_h, batteries_can_travel}, brought_home, agreed.';

ALTER TABLE plan_runs ADD COLUMN outage_id bigint;
COMMENT ON COLUMN plan_runs.outage_id IS 'The outage the run planned against (rule 8), or NULL.';
CREATE INDEX plan_runs_outage_idx ON plan_runs (outage_id, id DESC) WHERE finished_at IS NOT NULL;
COMMENT ON INDEX plan_runs_outage_idx IS 'The latest run of an outage (its affected list, its webhook counts).';

-- Rules 6 and 7 (DESIGN §6 v2) in the one definition of runtime_h that the
-- child record, the affected list and the battery alerts read (geo/
-- plan_rules.c is the planner's; tests/integration/test_plan_v2.py checks
-- they agree).  A device lasts battery_h, x 60 / minutes_per_hour when
-- intermittent, plus backup_h; the child's devices last the least of the
-- life-sustaining ones (none: of all); the home's battery, and a generator
-- that covers the average draw, add their energy over that draw.
CREATE OR REPLACE FUNCTION powermap_runtime_h(child bigint) RETURNS double precision
LANGUAGE sql STABLE AS $$
    WITH d AS (
        SELECT life_sustaining AS life,
               CASE WHEN duty = 'intermittent' AND minutes_per_hour > 0 AND minutes_per_hour < 60
                    THEN battery_h * 60.0 / minutes_per_hour ELSE battery_h END
                   + greatest(backup_h, 0) AS h,
               CASE WHEN duty = 'intermittent' AND minutes_per_hour > 0 AND minutes_per_hour < 60
                    THEN power_w * minutes_per_hour / 60.0 ELSE power_w END AS avg_w
        FROM devices WHERE child_id = child),
    t AS (SELECT coalesce(min(h) FILTER (WHERE life), min(h)) AS device_h, sum(avg_w) AS avg_w,
                 count(*) AS n FROM d)
    SELECT CASE WHEN t.n = 0 THEN NULL
                WHEN t.avg_w > 0 THEN t.device_h
                    + (c.home_battery_wh
                       + CASE WHEN c.home_generator_w >= t.avg_w AND c.home_generator_w > 0
                                   AND c.home_generator_h > 0
                              THEN c.home_generator_w * c.home_generator_h ELSE 0 END) / t.avg_w
                ELSE t.device_h END
    FROM t JOIN children c ON c.id = child
$$;
COMMENT ON FUNCTION powermap_runtime_h(bigint) IS
    'runtime_h (DESIGN 6, rules 6 and 7): NULL means unlimited (no devices).';

-- Power points by opening hours, for the candidate search without a start
-- time (plan_candidates_points_24h): 24h points are the ones that count.
CREATE INDEX power_points_24h_gix ON power_points USING gist ((geom::geography))
    WHERE hours = '24h';
COMMENT ON INDEX power_points_24h_gix IS 'plan_candidates_points_24h: the nearest 24h power points.';
CREATE INDEX power_points_hours_gix ON power_points USING gist ((geom::geography))
    WHERE hours <> '24h';
COMMENT ON INDEX power_points_hours_gix IS 'plan_candidates_points_24h: the nearest points with opening hours, listed.';
