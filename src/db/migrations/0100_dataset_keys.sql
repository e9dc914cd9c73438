-- Unique keys matching each table's dataset identity (issue 11): two imports racing outside the CLI's
-- per-dataset lock, or a file listing a feature twice, can no longer store a feature twice.
-- dataset_id leads every key: the same natural id may appear in several datasets (one dataset per
-- source file), never twice in one.

-- A parcel is its IDU (14 characters), once per dataset.
CREATE UNIQUE INDEX IF NOT EXISTS cadastre_parcelle_key ON cadastre_parcelle (dataset_id, idu);

-- An AOC zone is `id_uni` (denomination + commune). The INAO file lists some zones in several
-- pieces that the layer's afterLoad merges in the import's transaction: checked at its commit.
ALTER TABLE aoc_appellation_viticole
  ADD CONSTRAINT aoc_appellation_viticole_key UNIQUE (dataset_id, id_uni) DEFERRABLE INITIALLY DEFERRED;
