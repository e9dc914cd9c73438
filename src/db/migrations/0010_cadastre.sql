-- Cadastre (API Carto `/api/cadastre/*`): communes, feuilles, divisions, parcels and localisants of the
-- DGFiP cadastral plan (PCI), in WGS84, with the reference's attribute names.
--
-- Rows come from Etalab cadastre files (parcels, feuilles, communes) or from API-Carto-shaped GeoJSON;
-- when only parcels are loaded, communes, feuilles, divisions and localisants are DERIVED from them
-- (src/modules/cadastre/derive.ts) and carry the parcel dataset id. Loaded rows always win over derived
-- ones: see docs/cadastre.md.
--
-- National scale (~90 M parcels): every filter column of the routes is indexed; `code_dep` is on every
-- table so that the big ones can later be LIST-partitioned by département without changing a query.
-- `fid` is the number of the feature id (`parcelle.<fid>`), `gid` the reference's stable integer id
-- (both equal for Etalab loads, see gid.ts); routes page in `fid` order.

-- A stable integer for an INSEE commune code: `2A` → 100, `2B` → 101, else the two first digits; then
-- the last three digits. Mirrors inseeNumber() in src/modules/cadastre/gid.ts (a test keeps them equal).
CREATE OR REPLACE FUNCTION cadastre_insee_number(code text) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (CASE upper(substr(code, 1, 2)) WHEN '2A' THEN 100 WHEN '2B' THEN 101 ELSE substr(code, 1, 2)::int END)::bigint * 1000
         + substr(code, 3, 3)::int
$$;

-- Base-36 value of a 2-character section code (`AW` → 392, `0A` → 10).
CREATE OR REPLACE FUNCTION cadastre_section_number(section text) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ((strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(upper(section), 1, 1)) - 1) * 36
        + (strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(upper(section), 2, 1)) - 1))::bigint
$$;

-- gid of a feuille: commune (idu's first 5 characters), prefix, section, sheet number < 100.
CREATE OR REPLACE FUNCTION cadastre_feuille_gid(insee text, com_abs text, section text, feuille integer) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ((cadastre_insee_number(insee) * 1000 + com_abs::int) * 1296 + cadastre_section_number(section)) * 100 + feuille
$$;

CREATE TABLE IF NOT EXISTS cadastre_commune (
  dataset_id text NOT NULL,
  fid        bigint NOT NULL,
  gid        bigint NOT NULL,
  nom_com    text,
  code_dep   text NOT NULL,
  code_com   text NOT NULL,
  code_insee text NOT NULL,
  derived    boolean NOT NULL DEFAULT false,  -- built from parcels, replaced by any loaded commune
  geom       geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS cadastre_commune_dataset ON cadastre_commune (dataset_id);
CREATE INDEX IF NOT EXISTS cadastre_commune_insee ON cadastre_commune (code_insee);
CREATE INDEX IF NOT EXISTS cadastre_commune_dep ON cadastre_commune (code_dep, code_com);
CREATE INDEX IF NOT EXISTS cadastre_commune_nom ON cadastre_commune (nom_com);
CREATE INDEX IF NOT EXISTS cadastre_commune_fid ON cadastre_commune (fid);
CREATE INDEX IF NOT EXISTS cadastre_commune_geom ON cadastre_commune USING gist (geom);

-- PCI Express `feuille` (one sheet of a section).
CREATE TABLE IF NOT EXISTS cadastre_feuille (
  dataset_id text NOT NULL,
  fid        bigint NOT NULL,
  gid        bigint NOT NULL,
  feuille    integer NOT NULL,
  section    text NOT NULL,
  code_dep   text NOT NULL,
  nom_com    text,
  code_com   text NOT NULL,
  com_abs    text NOT NULL DEFAULT '000',
  echelle    text,
  edition    text,
  code_arr   text NOT NULL DEFAULT '000',
  code_insee text NOT NULL,
  derived    boolean NOT NULL DEFAULT false,
  geom       geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS cadastre_feuille_dataset ON cadastre_feuille (dataset_id);
CREATE INDEX IF NOT EXISTS cadastre_feuille_insee ON cadastre_feuille (code_insee, section);
CREATE INDEX IF NOT EXISTS cadastre_feuille_dep ON cadastre_feuille (code_dep, section);
CREATE INDEX IF NOT EXISTS cadastre_feuille_fid ON cadastre_feuille (fid);
CREATE INDEX IF NOT EXISTS cadastre_feuille_geom ON cadastre_feuille USING gist (geom);

-- BD Parcellaire `divcad` (the reference's `division`): the same sheets, 10 attributes and no gid.
CREATE TABLE IF NOT EXISTS cadastre_division (
  dataset_id text NOT NULL,
  fid        bigint NOT NULL,
  feuille    integer NOT NULL,
  section    text NOT NULL,
  code_dep   text NOT NULL,
  nom_com    text,
  code_com   text NOT NULL,
  com_abs    text NOT NULL DEFAULT '000',
  echelle    text,
  edition    integer,
  code_arr   text NOT NULL DEFAULT '000',
  code_insee text NOT NULL,
  derived    boolean NOT NULL DEFAULT false,
  geom       geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS cadastre_division_dataset ON cadastre_division (dataset_id);
CREATE INDEX IF NOT EXISTS cadastre_division_insee ON cadastre_division (code_insee, section);
CREATE INDEX IF NOT EXISTS cadastre_division_dep ON cadastre_division (code_dep, section);
CREATE INDEX IF NOT EXISTS cadastre_division_fid ON cadastre_division (fid);
CREATE INDEX IF NOT EXISTS cadastre_division_geom ON cadastre_division USING gist (geom);

CREATE TABLE IF NOT EXISTS cadastre_parcelle (
  dataset_id text NOT NULL,
  fid        bigint NOT NULL,
  gid        bigint NOT NULL,
  numero     text NOT NULL,               -- 4 characters, zero-padded
  feuille    integer NOT NULL DEFAULT 1,
  section    text NOT NULL,               -- 2 characters, zero-padded
  code_dep   text NOT NULL,               -- 2 characters, 3 for the overseas départements (971…976)
  nom_com    text,
  code_com   text NOT NULL,               -- 3 characters, 2 overseas
  com_abs    text NOT NULL DEFAULT '000',
  code_arr   text NOT NULL DEFAULT '000',
  idu        text NOT NULL,               -- 14 characters
  contenance integer,                     -- m², as the DGFiP records it
  code_insee text NOT NULL,
  arpente    boolean,
  created    date,
  updated    date,
  geom       geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_dataset ON cadastre_parcelle (dataset_id);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_insee ON cadastre_parcelle (code_insee, section, numero);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_dep ON cadastre_parcelle (code_dep, fid);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_idu ON cadastre_parcelle (idu);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_nom ON cadastre_parcelle (nom_com);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_fid ON cadastre_parcelle (fid);
CREATE INDEX IF NOT EXISTS cadastre_parcelle_geom ON cadastre_parcelle USING gist (geom);

-- PCI Express `localisant`: one point inside each parcel (MultiPoint, as the reference answers).
CREATE TABLE IF NOT EXISTS cadastre_localisant (
  dataset_id text NOT NULL,
  fid        bigint NOT NULL,
  gid        bigint NOT NULL,
  numero     text NOT NULL,
  feuille    integer NOT NULL DEFAULT 1,
  section    text NOT NULL,
  code_dep   text NOT NULL,
  nom_com    text,
  code_com   text NOT NULL,
  com_abs    text NOT NULL DEFAULT '000',
  code_arr   text NOT NULL DEFAULT '000',
  idu        text NOT NULL,
  code_insee text NOT NULL,
  derived    boolean NOT NULL DEFAULT false,
  geom       geometry(MultiPoint, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS cadastre_localisant_dataset ON cadastre_localisant (dataset_id);
CREATE INDEX IF NOT EXISTS cadastre_localisant_insee ON cadastre_localisant (code_insee, section, numero);
CREATE INDEX IF NOT EXISTS cadastre_localisant_dep ON cadastre_localisant (code_dep, fid);
CREATE INDEX IF NOT EXISTS cadastre_localisant_idu ON cadastre_localisant (idu);
CREATE INDEX IF NOT EXISTS cadastre_localisant_nom ON cadastre_localisant (nom_com);
CREATE INDEX IF NOT EXISTS cadastre_localisant_fid ON cadastre_localisant (fid);
CREATE INDEX IF NOT EXISTS cadastre_localisant_geom ON cadastre_localisant USING gist (geom);
