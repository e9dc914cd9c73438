-- Core: PostGIS, and the register of loaded datasets (the metadata sheet of the RPG instruction §3.3).
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE IF NOT EXISTS terroir_dataset (
  id            text PRIMARY KEY,          -- layer + vintage, e.g. 'rpg.parcelle:2021'
  layer         text NOT NULL,             -- catalogue layer id, e.g. 'rpg.parcelle'
  campagne      integer,                   -- campaign / vintage year when the layer has one
  source        text NOT NULL,             -- file name or package@version
  producer      text NOT NULL,
  licence       text NOT NULL,
  vintage       text,
  source_srid   integer,
  feature_count integer NOT NULL DEFAULT 0,
  checksum      text,
  synthetic     boolean NOT NULL DEFAULT false,
  imported_at   timestamptz NOT NULL DEFAULT now(),
  details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
