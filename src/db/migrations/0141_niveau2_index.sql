-- The extraction joins a description to its graphic class on (campagne, id): the deliveries' dataset
-- ids differ between the two, so the keys that lead with dataset_id cannot serve the join (measured:
-- a nested loop over a whole campaign per parcel on a département, bench/niveau2.ts).
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_graphique_id ON rpg_n2_parcelle_graphique (campagne, id_parcelle);
CREATE INDEX IF NOT EXISTS rpg_n2_ilot_id ON rpg_n2_ilot (campagne, id_ilot);
CREATE INDEX IF NOT EXISTS rpg_n2_parcelle_ilot ON rpg_n2_parcelle (campagne, numero_pacage, numero_ilot);
