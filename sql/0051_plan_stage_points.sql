-- 0051_plan_stage_points.sql -- the planner stages power points per run as
-- it stages shelters (issue 14, speed): a point's hours of power in the
-- outage and its opening window are computed once per run instead of on
-- every row a child's nearest-first search walks past.

-- Rule 8, the part that does not depend on where the outage is: the hours a
-- power point has power when it lies inside an outage.  A plain expression,
-- so PostgreSQL inlines it into the staging query.
CREATE FUNCTION powermap_point_backup_h(p power_points) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p.backup_power <> 'none' OR p.kind IN ('generator', 'ev', 'battery_station', 'power_vehicle')
             OR p.dispatchable THEN CASE WHEN p.backup_h > 0 THEN p.backup_h END
        ELSE 0 END
$$;
COMMENT ON FUNCTION powermap_point_backup_h(power_points) IS
    'Hours from the outage start a power point inside the outage has power (rule 8): backup_h on backup power or grid-independent (NULL: no stated limit), 0 when dark.';

-- The one definition of rule 8 for a point: same result as 0050's, through
-- powermap_point_backup_h.
CREATE OR REPLACE FUNCTION powermap_point_power_h(p power_points, outage bigint) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN outage IS NULL OR NOT EXISTS (SELECT 1 FROM outages o
                                          WHERE o.id = outage AND ST_Intersects(o.geom, p.geom)) THEN NULL
        ELSE powermap_point_backup_h(p) END
$$;

-- A point's opening window in seconds after midnight (HH:MM-HH:MM): its
-- start, NULL for 24h or unreadable hours.
CREATE FUNCTION powermap_hours_from(hours text) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN hours ~ '^\d\d:\d\d-\d\d:\d\d$'
                THEN (substr(hours, 1, 2)::int * 60 + substr(hours, 4, 2)::int) * 60.0 END
$$;
CREATE FUNCTION powermap_hours_to(hours text) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN hours ~ '^\d\d:\d\d-\d\d:\d\d$'
                THEN (substr(hours, 7, 2)::int * 60 + substr(hours, 10, 2)::int) * 60.0 END
$$;

-- powermap_open_near (0050) on a staged window (a, b from the two functions
-- above): open a second either way of t.  PL/pgSQL: its argument (the
-- arrival second, from a distance) is used more than once, which keeps a SQL
-- function from being inlined; a PL/pgSQL expression is far cheaper than a
-- SQL function that is not.  NULL when t or the window is NULL.
CREATE FUNCTION powermap_open_window(a double precision, b double precision, t double precision)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    x double precision;
BEGIN
    IF t IS NULL OR a IS NULL OR b IS NULL THEN
        RETURN NULL;
    END IF;
    IF a = b THEN
        RETURN false;
    END IF;
    FOR d IN -1..1 LOOP
        x := (t + d) - 86400.0 * floor((t + d) / 86400.0);
        IF (a < b AND x >= a AND x < b) OR (a > b AND (x >= a OR x < b)) THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
COMMENT ON FUNCTION powermap_open_window(double precision, double precision, double precision) IS
    'powermap_open_near on a window staged as seconds (powermap_hours_from/to): the candidate search keeps a point on the boundary, the planner decides it exactly.';
