-- hazard_1e6.sql -- one 浸水想定区域 of a million vertices, as a river's
-- floodplain outline might be: one ring about 26 km across, wavy at every
-- scale down to ~50 m and smooth between vertices (0.1 m apart), as digitised
-- data is; centred near Nanao.  For tests/integration/test_tiles_scale.py and
-- scripts/bench-maps (issue 10.3 / 11.10: tiles over it cost 0.5 s each).
INSERT INTO hazard_areas (external_id, hazard, level, geom)
SELECT 'huge-flood', 'flood', 3, ST_Multi(ST_MakePolygon(ST_MakeLine(pt ORDER BY i)))
FROM (SELECT i, ST_SetSRID(ST_MakePoint(136.90 + r * cos(a) / cos(radians(37.0)),
                                        37.00 + r * sin(a)), 4326) AS pt
      FROM (SELECT i, a, 0.12 * (1 + 0.25 * sin(5 * a) + 0.08 * sin(37 * a)
                                 + 0.02 * sin(211 * a) + 0.004 * sin(1409 * a)) AS r
            FROM (SELECT i, 2 * pi() * (i % 1000000) / 1000000 AS a
                  FROM generate_series(0, 1000000) i) s) s2) p;
