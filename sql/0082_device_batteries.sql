-- 0082_device_batteries.sql -- a device's battery hours split into the
-- internal battery and the spare batteries, so that the printed plan never
-- lets a total be read as the spare alone (issue 15).  battery_h stays the
-- total the planner uses (DESIGN 4, 6).

ALTER TABLE devices
    ADD COLUMN battery_internal_h double precision CHECK (battery_internal_h >= 0),
    ADD COLUMN battery_spare_h double precision CHECK (battery_spare_h >= 0);
COMMENT ON COLUMN devices.battery_internal_h IS
    'Hours on the internal battery alone (NULL: not recorded); with battery_spare_h it makes up battery_h.';
COMMENT ON COLUMN devices.battery_spare_h IS
    'Hours the spare (external) batteries add (NULL: not recorded).';
