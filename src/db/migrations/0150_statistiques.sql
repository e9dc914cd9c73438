-- Statistiques territoriales (issue 17): every statistics request reads the version of the datasets
-- it is computed from (src/modules/statistiques/cache.ts: the terroir_dataset rows of a few layers,
-- by layer prefix). With one dataset per imported cadastre commune the register holds hundreds of
-- thousands of rows nationally: a pattern index makes that read an index scan (measured with 150,000
-- other rows on PostgreSQL: 41–50 ms by sequential scan, 0.8 ms through this index).
CREATE INDEX IF NOT EXISTS terroir_dataset_layer_pattern ON terroir_dataset (layer text_pattern_ops);
