-- Limites administratives: régions, départements, communes, EPCI and the commune → EPCI membership.
-- Attributes come from the npm package @etalab/decoupage-administratif (INSEE COG, BANATIC), loaded
-- by the module's bootstrap on first start. Contours are optional and set later by loadContours()
-- (`terroir import`): the geometry is NULL until then, and an attribute reload never touches it.
-- No foreign keys: the tables have one writer, the loader, which checks the links of the whole set
-- in one query per link (per-row FK triggers made the first load of 35k communes 2-3 times slower).

CREATE TABLE limites_region (
  code      text PRIMARY KEY,            -- INSEE région code: '53'; collectivités d'outre-mer '975'…'989'
  nom       text NOT NULL,
  nom_m     text NOT NULL,               -- upper case without accents (ADMIN EXPRESS NOM_M)
  chef_lieu text,                        -- INSEE code of the chef-lieu commune
  zone      text,                        -- metro | drom | com
  geom      geometry(MultiPolygon, 4326)
);
CREATE INDEX limites_region_geom ON limites_region USING gist (geom);
CREATE INDEX limites_region_nom_m ON limites_region (nom_m);

CREATE TABLE limites_departement (
  code      text PRIMARY KEY,            -- '29', '2A', '974'
  nom       text NOT NULL,
  nom_m     text NOT NULL,
  region    text NOT NULL,               -- limites_region.code
  chef_lieu text,
  zone      text,
  geom      geometry(MultiPolygon, 4326)
);
CREATE INDEX limites_departement_geom ON limites_departement USING gist (geom);
CREATE INDEX limites_departement_nom_m ON limites_departement (nom_m);
CREATE INDEX limites_departement_region ON limites_departement (region);

-- Current communes of type COM only (no arrondissements municipaux, communes déléguées/associées).
CREATE TABLE limites_commune (
  code           text PRIMARY KEY,       -- INSEE code, 5 characters
  nom            text NOT NULL,
  nom_m          text NOT NULL,
  statut         text NOT NULL,          -- ADMIN EXPRESS STATUT: 'Commune simple', 'Préfecture'…
  population     integer,                -- population municipale (INSEE), NULL for uninhabited
  arrondissement text,                   -- INSEE arrondissement code, département prefix included ('294')
  departement    text NOT NULL,          -- limites_departement.code
  region         text NOT NULL,          -- limites_region.code
  siren          text,
  zone           text,
  codes_postaux  text[] NOT NULL DEFAULT '{}',
  anciens_codes  text[] NOT NULL DEFAULT '{}', -- codes of the communes merged into this one
  geom           geometry(MultiPolygon, 4326)
);
CREATE INDEX limites_commune_geom ON limites_commune USING gist (geom);
CREATE INDEX limites_commune_nom_m ON limites_commune (nom_m);
CREATE INDEX limites_commune_departement ON limites_commune (departement);
CREATE INDEX limites_commune_region ON limites_commune (region);
-- Contours published under a pre-merger code are routed to the commune that absorbed it.
CREATE INDEX limites_commune_anciens_codes ON limites_commune USING gin (anciens_codes);

-- EPCI à fiscalité propre (CC, CA, CU, métropoles, Métropole de Lyon), keyed by SIREN.
CREATE TABLE limites_epci (
  code                  text PRIMARY KEY, -- SIREN, 9 digits
  nom                   text NOT NULL,
  nom_m                 text NOT NULL,
  type                  text NOT NULL,    -- CC | CA | CU | METRO | MET69
  mode_financement      text,             -- FPU | FA
  population_totale     integer,
  population_municipale integer,
  geom                  geometry(MultiPolygon, 4326)
);
CREATE INDEX limites_epci_geom ON limites_epci USING gist (geom);
CREATE INDEX limites_epci_nom_m ON limites_epci (nom_m);

-- A commune belongs to at most one EPCI à fiscalité propre (a few islands belong to none).
CREATE TABLE limites_epci_commune (
  commune text PRIMARY KEY,              -- limites_commune.code
  epci    text NOT NULL                  -- limites_epci.code
);
CREATE INDEX limites_epci_commune_epci ON limites_epci_commune (epci);

-- What the commune route serves: the commune with its EPCI and the names of its département and
-- région. The joins are on unique keys, so PostgreSQL drops the unused ones (counts) and pushes the
-- geometry filter down to the GiST index of limites_commune.
CREATE VIEW limites_commune_api AS
SELECT c.code, c.nom, c.nom_m, c.statut, c.population, c.arrondissement, c.departement, c.region,
       m.epci AS code_epci, d.nom AS nom_dep, r.nom AS nom_reg, c.codes_postaux, c.geom
FROM limites_commune c
LEFT JOIN limites_epci_commune m ON m.commune = c.code
LEFT JOIN limites_departement d ON d.code = c.departement
LEFT JOIN limites_region r ON r.code = c.region;

-- The EPCI route: the EPCI with its member communes (INSEE codes, in code order).
CREATE VIEW limites_epci_api AS
SELECT e.code, e.nom, e.nom_m, e.type, e.mode_financement, e.population_totale, e.population_municipale,
       (SELECT count(*)::int FROM limites_epci_commune m WHERE m.epci = e.code) AS nb_communes,
       (SELECT string_agg(m.commune, '/' ORDER BY m.commune) FROM limites_epci_commune m WHERE m.epci = e.code) AS insee_communes,
       e.geom
FROM limites_epci e;
