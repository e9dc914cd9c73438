-- RPG (Registre parcellaire graphique, ASP/IGN, Licence Ouverte): level-1 attributes only (anonymous,
-- public; instruction annex 1 §1). Level 2 (PACAGE, farms, aids) never goes in these tables.
--
-- National scale: tens of millions of rows per table once every campaign is loaded (ROADMAP item 6).
-- `campagne` leads every key and B-tree index so that the tables can become LIST partitions by
-- campaign (then by département / région) without changing a query: every route constrains it.
-- No primary key on purpose: on a partitioned table it would have to include the partition columns;
-- the unique index (campagne, dataset_id, gid) plays that role and stays valid once partitioned.

-- 2015+ : PARCELLES_GRAPHIQUES (one row per declared parcel), served by /api/rpg/v2.
CREATE TABLE IF NOT EXISTS rpg_parcelle (
  campagne     integer NOT NULL,                 -- campaign year (--annee)
  dataset_id   text NOT NULL,                    -- rpg.parcelle:<annee>[:R<région>|:D<dép>]
  gid          bigint NOT NULL,                  -- feature id number (`parcelles_graphiques.<gid>`)
  id_parcel    text NOT NULL,                    -- ID_PARCEL as published (digits, kept as text like the reference)
  surf_parc    double precision,                 -- SURF_PARC, hectares
  code_cultu   text,                             -- CODE_CULTU, 3-character crop code (PPH, MIE…)
  code_group   text,                             -- CODE_GROUP, crop group number as text ('18')
  culture_d1   text,                             -- CULTURE_D1 / D2: catch crops (dérobées), null when absent
  culture_d2   text,
  region       text,                             -- région of the source file when given (--option region=)
  departement  text,                             -- département when given (--option dep=)
  geom         geometry(MultiPolygon, 4326) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_parcelle_key ON rpg_parcelle (campagne, dataset_id, gid);
CREATE INDEX IF NOT EXISTS rpg_parcelle_dataset ON rpg_parcelle (dataset_id);
CREATE INDEX IF NOT EXISTS rpg_parcelle_gid ON rpg_parcelle (campagne, gid);
CREATE INDEX IF NOT EXISTS rpg_parcelle_code_cultu ON rpg_parcelle (campagne, code_cultu);
CREATE INDEX IF NOT EXISTS rpg_parcelle_code_group ON rpg_parcelle (campagne, code_group);
CREATE INDEX IF NOT EXISTS rpg_parcelle_geom ON rpg_parcelle USING gist (geom);

-- 2007–2014 : ILOTS_ANONYMES (one row per îlot, with its majority crop group), served by /api/rpg/v1.
CREATE TABLE IF NOT EXISTS rpg_ilot (
  campagne     integer NOT NULL,
  dataset_id   text NOT NULL,                    -- rpg.ilot:<annee>[:R<région>|:D<dép>]
  gid          bigint NOT NULL,                  -- feature id number (`rpg_<annee>.<gid>`)
  num_ilot     text NOT NULL,                    -- NUM_ILOT, e.g. '029-19860'
  commune      text,                             -- COMMUNE (INSEE code)
  forme_juri   text,                             -- FORME_JURI (GAEC, EARL…)
  surf_decla   double precision,                 -- SURF_DECLA, hectares (published with 2 decimals)
  dep_rattac   text,                             -- DEP_RATTAC, e.g. '029'
  surf_graph   double precision,                 -- SURF_GRAPH, hectares
  surf_cultu   double precision,                 -- SURF_CULTU, hectares
  code_cultu   text,                             -- CODE_CULTU: 2-digit crop group ('01'…'28')
  nom_cultu    text,                             -- NOM_CULTU, group label as published
  departement  text,                             -- département of the îlot (from COMMUNE, else --option dep=)
  geom         geometry(MultiPolygon, 4326) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_ilot_key ON rpg_ilot (campagne, dataset_id, gid);
CREATE INDEX IF NOT EXISTS rpg_ilot_dataset ON rpg_ilot (dataset_id);
CREATE INDEX IF NOT EXISTS rpg_ilot_gid ON rpg_ilot (campagne, gid);
CREATE INDEX IF NOT EXISTS rpg_ilot_code_cultu ON rpg_ilot (campagne, code_cultu);
CREATE INDEX IF NOT EXISTS rpg_ilot_geom ON rpg_ilot USING gist (geom);
