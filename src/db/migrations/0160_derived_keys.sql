-- Unique keys of the DERIVED rows (issue 11), the counterpart of 0100_dataset_keys.sql for rows an
-- import builds from other tables rather than reads from its file.
--
-- A derived row belongs to what it is derived from, not to the import that happened to build it:
-- the cadastre rebuilds the derived communes, feuilles and divisions of every commune an import
-- touches, whatever the dataset, and keeps one derived localisant per IDU
-- (src/modules/cadastre/derive.ts); the GPU municipality layer holds one derived row per commune of
-- the administrative units (src/modules/gpu/municipality.ts). So their keys leave `dataset_id` out:
-- two imports of parcels covering one commune, or two nodes deriving the municipalities as they
-- start, would otherwise each insert their own copy (neither DELETE sees the other's uncommitted
-- rows). The derivations also take one transaction-level advisory lock each, so that the second
-- waits for the first and replaces its rows instead of failing on these keys.
--
-- Rows duplicated before these keys existed are removed first (one copy of each is kept: the copies
-- are the same derivation), so migrating an existing database never fails.

-- Cadastre: a derived sheet is one sheet number of one section (commune, arrondissement, absorbed
-- commune prefix); gid adds the IDU's commune code, as the derivation groups by it.
DELETE FROM cadastre_feuille a USING cadastre_feuille b
 WHERE a.derived AND b.derived AND a.code_insee = b.code_insee AND a.code_arr = b.code_arr AND a.com_abs = b.com_abs
   AND a.section = b.section AND a.feuille = b.feuille AND a.gid = b.gid AND a.ctid > b.ctid;
CREATE UNIQUE INDEX IF NOT EXISTS cadastre_feuille_derived_key
  ON cadastre_feuille (code_insee, code_arr, com_abs, section, feuille, gid) WHERE derived;

-- A derived division copies one sheet (fid = the sheet's gid).
DELETE FROM cadastre_division a USING cadastre_division b
 WHERE a.derived AND b.derived AND a.code_insee = b.code_insee AND a.code_arr = b.code_arr AND a.com_abs = b.com_abs
   AND a.section = b.section AND a.feuille = b.feuille AND a.fid = b.fid AND a.ctid > b.ctid;
CREATE UNIQUE INDEX IF NOT EXISTS cadastre_division_derived_key
  ON cadastre_division (code_insee, code_arr, com_abs, section, feuille, fid) WHERE derived;

-- A derived commune is its INSEE code.
DELETE FROM cadastre_commune a USING cadastre_commune b
 WHERE a.derived AND b.derived AND a.code_insee = b.code_insee AND a.ctid > b.ctid;
CREATE UNIQUE INDEX IF NOT EXISTS cadastre_commune_derived_key ON cadastre_commune (code_insee) WHERE derived;

-- A derived localisant is its parcel's IDU (one, whichever dataset's parcel it was built from).
DELETE FROM cadastre_localisant a USING cadastre_localisant b
 WHERE a.derived AND b.derived AND a.idu = b.idu AND a.ctid > b.ctid;
CREATE UNIQUE INDEX IF NOT EXISTS cadastre_localisant_derived_key ON cadastre_localisant (idu) WHERE derived;

-- GPU: the derived municipality rows are one per commune of limites_commune (whose key is the code).
-- Rows loaded from GPU answers keep their own key, the answer's gid (the primary key).
DELETE FROM gpu_municipality a USING gpu_municipality b
 WHERE a.dataset_id = 'gpu.municipality:limites' AND b.dataset_id = 'gpu.municipality:limites'
   AND a.insee = b.insee AND a.gid > b.gid;
CREATE UNIQUE INDEX IF NOT EXISTS gpu_municipality_derived_key ON gpu_municipality (insee) WHERE dataset_id = 'gpu.municipality:limites';

-- Communes covered by a document (DOC_URBA_COM), derived from a partition's documents: one row per
-- document and commune in a dataset. idurba may be NULL (an answer without the document's name).
DELETE FROM gpu_document_commune a USING gpu_document_commune b
 WHERE a.dataset_id = b.dataset_id AND a.insee = b.insee AND coalesce(a.idurba, '') = coalesce(b.idurba, '') AND a.ctid > b.ctid;
CREATE UNIQUE INDEX IF NOT EXISTS gpu_document_commune_key ON gpu_document_commune (dataset_id, coalesce(idurba, ''), insee);

-- A document is its IDURBA, once per dataset (partition). documentAfterLoad merges the copies a
-- folder may list, in the import's transaction: checked at its commit.
DELETE FROM gpu_document a USING gpu_document b
 WHERE a.dataset_id = b.dataset_id AND a.name = b.name AND a.gid > b.gid;
ALTER TABLE gpu_document ADD CONSTRAINT gpu_document_key UNIQUE (dataset_id, name) DEFERRABLE INITIALLY DEFERRED;
