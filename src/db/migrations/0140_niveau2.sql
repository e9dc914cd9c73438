-- RPG level 2 (instruction technique DGPE/MVDGN/2018-706, annex 1 §2) and its workflow: the campaign
-- register, the level-2 tables as the ASP delivers them, the requests (demandes) and their register.
--
-- Level-2 tables hold personal and economic data (CRPA L.311-6, GDPR): no open route reads them; the
-- module src/modules/niveau2 serves them only through accepted requests (docs/niveau2.md). Every
-- table follows the layer conventions: dataset_id (what an import replaces), campagne first in keys,
-- département kept in its own column (future partitions), WGS84 geometry with a GiST index.

-- ---------------------------------------------------------------------------------------------------
-- Campaign register: the state of each PAC campaign. A row exists only when an administrator set it,
-- or a published level-1 file was imported (published means completed); otherwise the instruction's
-- default applies (declaration until 15 May N, instruction until the end of June N+1, then
-- "constatée"), computed in src/modules/rpg/campagnes.ts.
CREATE TABLE IF NOT EXISTS rpg_campagne (
  annee         integer PRIMARY KEY CHECK (annee BETWEEN 2007 AND 2999),
  etat          text NOT NULL CHECK (etat IN ('declaration', 'instruction', 'constatee')),
  constatee_le  date,
  source        text NOT NULL CHECK (source IN ('admin', 'import')),
  modifie_par   integer,             -- auth_organisation id of the administrator (null: CLI or import)
  note          text,
  modifie_le    timestamptz NOT NULL DEFAULT now(),
  CHECK ((etat = 'constatee') = (constatee_le IS NOT NULL))
);

-- ---------------------------------------------------------------------------------------------------
-- Level-2 data. The demo's former demo_n2_* tables are replaced by these (same data, the instruction's
-- full field lists, loaded the way real deliveries are).
DROP TABLE IF EXISTS demo_n2_exploitant;
DROP TABLE IF EXISTS demo_n2_parcelle;
DROP TABLE IF EXISTS demo_n2_aide;

-- ILOT_DESCRIPTION_aaaa_ddd: NUMERO_PACAGE, ID_ILOT, COMMUNE_ILOT.
CREATE TABLE IF NOT EXISTS rpg_n2_ilot_description (
  campagne      integer NOT NULL,
  dataset_id    text NOT NULL,
  departement   text NOT NULL,
  numero_pacage text NOT NULL,
  id_ilot       bigint NOT NULL,
  commune_ilot  text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_ilot_description_key ON rpg_n2_ilot_description (campagne, dataset_id, id_ilot);
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_description_dataset ON rpg_n2_ilot_description (dataset_id);
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_description_commune ON rpg_n2_ilot_description (campagne, commune_ilot);

-- ILOT_aaaa_ddd: ID_ILOT and its geometry.
CREATE TABLE IF NOT EXISTS rpg_n2_ilot (
  campagne    integer NOT NULL,
  dataset_id  text NOT NULL,
  departement text NOT NULL,
  id_ilot     bigint NOT NULL,
  geom        geometry(MultiPolygon, 4326) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_ilot_key ON rpg_n2_ilot (campagne, dataset_id, id_ilot);
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_dataset ON rpg_n2_ilot (dataset_id);
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_geom ON rpg_n2_ilot USING gist (geom);

-- PARCELLE_GRAPHIQUE_aaaa_ddd: the instructed parcels, ID_PARCELLE and geometry.
CREATE TABLE IF NOT EXISTS rpg_n2_parcelle_graphique (
  campagne    integer NOT NULL,
  dataset_id  text NOT NULL,
  departement text NOT NULL,
  id_parcelle bigint NOT NULL,
  geom        geometry(MultiPolygon, 4326) NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_parcelle_graphique_key ON rpg_n2_parcelle_graphique (campagne, dataset_id, id_parcelle);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_graphique_dataset ON rpg_n2_parcelle_graphique (dataset_id);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_graphique_geom ON rpg_n2_parcelle_graphique USING gist (geom);

-- "Parcelles instruites - description alphanumérique" (+ ID_PARCELLE, the link to the graphic class).
CREATE TABLE IF NOT EXISTS rpg_n2_parcelle (
  campagne               integer NOT NULL,
  dataset_id             text NOT NULL,
  departement            text NOT NULL,
  id_parcelle            bigint NOT NULL,
  numero_pacage          text NOT NULL,
  commune_ilot           text NOT NULL,
  numero_ilot            integer NOT NULL,
  numero_parcelle        integer NOT NULL,
  code_culture           text NOT NULL,
  categorie_culture      text,
  precision_culture      integer,
  semences_certifiees    boolean NOT NULL,
  commercialisation      boolean NOT NULL,
  bio                    boolean NOT NULL,
  engagement_bio         text CHECK (engagement_bio IN ('M', 'C')),
  surface_admissible     double precision NOT NULL,
  culture_derobee_1      text,
  culture_derobee_2      text
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_parcelle_key ON rpg_n2_parcelle (campagne, dataset_id, id_parcelle);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_dataset ON rpg_n2_parcelle (dataset_id);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_commune ON rpg_n2_parcelle (campagne, commune_ilot);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_pacage ON rpg_n2_parcelle (campagne, numero_pacage);

-- "Exploitants": PACAGE, legal form.
CREATE TABLE IF NOT EXISTS rpg_n2_exploitant (
  campagne        integer NOT NULL,
  dataset_id      text NOT NULL,
  departement     text NOT NULL,
  numero_pacage   text NOT NULL,
  forme_juridique text
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_exploitant_key ON rpg_n2_exploitant (campagne, dataset_id, numero_pacage);
CREATE INDEX IF NOT EXISTS rpg_n2_exploitant_dataset ON rpg_n2_exploitant (dataset_id);

-- "Exploitants (table pour les seuls services de l'État)": kept apart; never leaves for a non-State body.
CREATE TABLE IF NOT EXISTS rpg_n2_exploitant_etat (
  campagne                   integer NOT NULL,
  dataset_id                 text NOT NULL,
  departement                text NOT NULL,
  numero_pacage              text NOT NULL,
  siret                      text,
  forme_juridique            text,
  civilite                   text,
  nom_raison_sociale         text,
  nom_naissance              text,
  prenoms                    text,
  adresse_mail               text,
  adresse_postale_1          text,
  adresse_postale_2          text,
  adresse_postale_3          text,
  adresse_postale_4          text,
  adresse_postale_5          text,
  code_postal_postale        text,
  commune_postale            text,
  code_insee_postale         text,
  telephone_postale          text,
  telecopieur_postale        text,
  adresse_siege_1            text,
  adresse_siege_2            text,
  adresse_siege_3            text,
  adresse_siege_4            text,
  adresse_siege_5            text,
  code_postal_siege          text,
  commune_siege              text,
  code_insee_siege           text,
  telephone_siege            text,
  telecopieur_siege          text
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_exploitant_etat_key ON rpg_n2_exploitant_etat (campagne, dataset_id, numero_pacage);
CREATE INDEX IF NOT EXISTS rpg_n2_exploitant_etat_dataset ON rpg_n2_exploitant_etat (dataset_id);

-- "MAEC et bio - référentiel national" (one per delivery campaign).
CREATE TABLE IF NOT EXISTS rpg_n2_maec_mesure (
  campagne                 integer NOT NULL,
  dataset_id               text NOT NULL,
  departement              text NOT NULL,   -- '' : national
  code_mesure              text NOT NULL,
  libelle_mesure           text,
  dispositif               text,
  campagne_debut           integer,
  campagne_fin             integer,
  variante_campagne_debut  integer,
  variante_campagne_fin    integer,
  montant_net_mesure       double precision
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_maec_mesure_key ON rpg_n2_maec_mesure (campagne, dataset_id, code_mesure);
CREATE INDEX IF NOT EXISTS rpg_n2_maec_mesure_dataset ON rpg_n2_maec_mesure (dataset_id);

-- "MAEC - éléments linéaires et ponctuels déclarés".
CREATE TABLE IF NOT EXISTS rpg_n2_maec_element (
  campagne        integer NOT NULL,
  dataset_id      text NOT NULL,
  departement     text NOT NULL,
  numero_pacage   text NOT NULL,
  numero_ilot     integer NOT NULL,
  type_element    text NOT NULL,
  numero_element  integer NOT NULL,
  maec_1          text,
  maec_2          text,
  longueur        double precision
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_maec_element_key ON rpg_n2_maec_element (campagne, dataset_id, numero_pacage, numero_ilot, numero_element);
CREATE INDEX IF NOT EXISTS rpg_n2_maec_element_dataset ON rpg_n2_maec_element (dataset_id);

-- "Premier pilier".
CREATE TABLE IF NOT EXISTS rpg_n2_pilier1 (
  campagne                        integer NOT NULL,
  dataset_id                      text NOT NULL,
  departement                     text NOT NULL,
  numero_pacage                   text NOT NULL,
  dpb_nombre_droits               double precision,
  dpb_montant_unitaire_2015       double precision,
  dpb_montant_unitaire_2016       double precision,
  bovins_allaitants_base          integer,
  bovins_allaitants_50_premiers   integer,
  bovins_allaitants_51_99         integer,
  bovins_laitiers_base            integer,
  montant_net_total               double precision
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_pilier1_key ON rpg_n2_pilier1 (campagne, dataset_id, numero_pacage);
CREATE INDEX IF NOT EXISTS rpg_n2_pilier1_dataset ON rpg_n2_pilier1 (dataset_id);

-- "Deuxième pilier".
CREATE TABLE IF NOT EXISTS rpg_n2_pilier2 (
  campagne                   integer NOT NULL,
  dataset_id                 text NOT NULL,
  departement                text NOT NULL,
  numero_pacage              text NOT NULL,
  financier                  text,
  assurance_recolte          double precision,
  ichn_base                  double precision,
  ichn_marais_poitevin       double precision,
  montant_net_total          double precision
);
CREATE UNIQUE INDEX IF NOT EXISTS rpg_n2_pilier2_key ON rpg_n2_pilier2 (campagne, dataset_id, numero_pacage);
CREATE INDEX IF NOT EXISTS rpg_n2_pilier2_dataset ON rpg_n2_pilier2 (dataset_id);

-- ---------------------------------------------------------------------------------------------------
-- Requests (§3.2.2 – 3.2.4) and their register.
CREATE TABLE IF NOT EXISTS n2_demande (
  id              integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  organisation    integer NOT NULL,                 -- the requester (auth_organisation)
  nature          text NOT NULL CHECK (nature IN ('service-public', 'recherche', 'interesse')),
  instructeur     text NOT NULL CHECK (instructeur IN ('draaf', 'ssp')),
  region          text,                             -- the DRAAF's region (null for the SSP)
  statut          text NOT NULL CHECK (statut IN ('deposee', 'acceptee', 'refusee')),
  demande         jsonb NOT NULL,                   -- what was asked, as filed (tables, attributes, purposes, contacts, commitments)
  communes        text[] NOT NULL,                  -- the territory asked, resolved to communes
  campagnes       integer[] NOT NULL,
  pacage          text,                             -- interested party: that farm only
  accorde         jsonb,                            -- granted: {tables, communes, campagnes}
  motif_refus     text,
  depose_le       timestamptz NOT NULL DEFAULT now(),
  decide_le       timestamptz,
  decide_par      integer,
  expire_le       timestamptz                       -- the extraction can be downloaded until then
);
CREATE INDEX IF NOT EXISTS n2_demande_organisation ON n2_demande (organisation);
CREATE INDEX IF NOT EXISTS n2_demande_instructeur ON n2_demande (instructeur, region);

-- The register each DRAAF / the SSP keeps (§3.2.2): every state change and every transmitted dataset
-- (content, checksum, commitments). Append-only: a trigger refuses updates and deletes.
CREATE TABLE IF NOT EXISTS n2_registre (
  seq           integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  demande       integer NOT NULL REFERENCES n2_demande (id),
  at            timestamptz NOT NULL DEFAULT now(),
  evenement     text NOT NULL CHECK (evenement IN ('depot', 'acceptation', 'refus', 'extraction')),
  organisation  integer,
  key_prefix    text,
  detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
  checksum      text
);
CREATE INDEX IF NOT EXISTS n2_registre_demande ON n2_registre (demande, seq);

CREATE OR REPLACE FUNCTION n2_registre_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'n2_registre is append-only';
END $$;
DROP TRIGGER IF EXISTS n2_registre_append_only ON n2_registre;
CREATE TRIGGER n2_registre_append_only BEFORE UPDATE OR DELETE ON n2_registre
  FOR EACH ROW EXECUTE FUNCTION n2_registre_append_only();
