-- AOC: appellations delimited at the commune level (INAO aires géographiques: the whole commune is
-- in the appellation), served beside the parcel-level zones as the reference does (granularite
-- `commune`, segment ≠ 1). `segment` 1 = exact parcel delimitation (every row loaded before).
ALTER TABLE aoc_appellation_viticole ADD COLUMN IF NOT EXISTS segment integer NOT NULL DEFAULT 1;
