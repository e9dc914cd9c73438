-- AOC viticoles: INAO "Délimitation parcellaire des AOC viticoles" (Licence Ouverte), one row per
-- denomination and commune (the INAO publishes them so; opendatawine splits the same rows per file).
-- Exact parcel-level zones, served by /api/aoc/appellation-viticole with a real intersection test.
CREATE TABLE IF NOT EXISTS aoc_appellation_viticole (
  dataset_id   text NOT NULL,                 -- aoc.appellation-viticole[:<zone>]
  id_uni       text NOT NULL,                 -- '1-<id_denom>-<insee>': feature id, unique per dataset after import
  dt           text,                          -- INAO territorial delegation
  type_prod    text,
  categorie    text,
  type_denom   text,
  signe        text,                          -- AOC, …
  id_app       integer,
  app          text,                          -- appellation
  id_denom     integer NOT NULL,
  denom        text,                          -- denomination (premier cru climat…)
  insee        text NOT NULL,
  cvi          text,
  nomcom       text,
  insee2011    text,
  nomcom2011   text,
  id_aire      integer,
  crinao       text,
  grp_name1    text,
  grp_name2    text,
  departement  text NOT NULL,                 -- from insee: partition key if the table ever needs one
  geom         geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS aoc_appellation_viticole_dataset ON aoc_appellation_viticole (dataset_id);
CREATE INDEX IF NOT EXISTS aoc_appellation_viticole_id_uni ON aoc_appellation_viticole (id_uni);
CREATE INDEX IF NOT EXISTS aoc_appellation_viticole_insee ON aoc_appellation_viticole (insee);
CREATE INDEX IF NOT EXISTS aoc_appellation_viticole_denom ON aoc_appellation_viticole (id_denom);
CREATE INDEX IF NOT EXISTS aoc_appellation_viticole_geom ON aoc_appellation_viticole USING gist (geom);
