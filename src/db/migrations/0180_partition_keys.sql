-- Level-2 tables are delivered, replaced and (past one machine) partitioned by campaign and département:
-- their declared partition key (src/modules/niveau2: partitionedBy) leads an index, as the catalogue's
-- check against the migrations requires (src/catalog/check.ts), so that a query naming both is an index
-- scan today. The keys that lead with (campagne, dataset_id) do not serve it: a département's rows of one
-- campaign may come from several deliveries.
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_partition ON rpg_n2_ilot (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_graphique_partition ON rpg_n2_parcelle_graphique (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_description_partition ON rpg_n2_ilot_description (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_partition ON rpg_n2_parcelle (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_exploitant_partition ON rpg_n2_exploitant (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_exploitant_etat_partition ON rpg_n2_exploitant_etat (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_maec_mesure_partition ON rpg_n2_maec_mesure (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_maec_element_partition ON rpg_n2_maec_element (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_pilier1_partition ON rpg_n2_pilier1 (campagne, departement);
CREATE INDEX IF NOT EXISTS rpg_n2_pilier2_partition ON rpg_n2_pilier2 (campagne, departement);
