import type { Queryable } from '../../../src/db/database.ts';

/** A square polygon around (lon, lat) of half-side `d` degrees, as WKT. */
export const square = (lon: number, lat: number, d: number) =>
  `MULTIPOLYGON(((${lon - d} ${lat - d}, ${lon + d} ${lat - d}, ${lon + d} ${lat + d}, ${lon - d} ${lat + d}, ${lon - d} ${lat - d})))`;

export const squareGeoJSON = (lon: number, lat: number, d: number) => ({
  type: 'Polygon',
  coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
});

/**
 * A small hand-made territory, loaded with plain SQL (the tests of the routes must not depend on the
 * import path): two documents (a PLU and a PLUi), zones, prescriptions and informations with CNIG
 * codes, two communes (one covered, one not), SUP générateurs of two categories; at least one
 * feature in each of the 17 layers.
 */
export async function loadFixtures(db: Queryable) {
  const g = (wkt: string) => `ST_GeomFromText('${wkt}', 4326)`;
  await db.exec(`
    INSERT INTO gpu_document (gid, dataset_id, partition, id, grid_name, grid_title, name, gpu_doc_id, gpu_status, gpu_timestamp, du_type, the_geom) VALUES
      (10, 'gpu.document:DU_30014', 'DU_30014', NULL, '30014', 'ARPAILLARGUES-ET-AUREILLAC', '30014_PLU_20171013', NULL, NULL, '2021-04-01T13:26:11Z', 'PLU', ${g(square(4.37, 44.0, 0.03))}),
      (11, 'gpu.document:DU_200011781', 'DU_200011781', NULL, '200011781', NULL, '20001178120180101', NULL, NULL, NULL, 'PLUi', ${g(square(2.5, 47.1, 0.05))});
    INSERT INTO gpu_document_commune (dataset_id, partition, idurba, insee) VALUES
      ('gpu.document:DU_200011781', 'DU_200011781', '20001178120180101', '18007');
    INSERT INTO gpu_zone_urba (gid, dataset_id, partition, libelle, libelong, typezone, destdomi, nomfic, urlfic, insee, datappro, datvalid, idurba, idzone, lib_idzone, the_geom) VALUES
      (101, 'gpu.zone-urba:DU_30014', 'DU_30014', 'Ucp', 'Zone urbaine soumise à des prescriptions architecturales particulières', 'U', NULL, '30014_reglement_20171013.pdf#page=24', NULL, NULL, NULL, '20171013', '30014_PLU_20171013', NULL, NULL, ${g(square(4.36, 44.0, 0.005))}),
      (102, 'gpu.zone-urba:DU_30014', 'DU_30014', 'A', NULL, 'A', NULL, NULL, NULL, NULL, NULL, '20171013', '30014_PLU_20171013', NULL, NULL, ${g(square(4.38, 44.0, 0.005))}),
      (103, 'gpu.zone-urba:DU_30014', 'DU_30014', 'N', 'Zone naturelle et forestière', 'N', NULL, NULL, NULL, NULL, NULL, '20171013', '30014_PLU_20171013', NULL, NULL, ${g(square(4.37, 44.02, 0.005))}),
      (201, 'gpu.zone-urba:DU_200011781', 'DU_200011781', 'UL', NULL, 'U', '05', NULL, NULL, '18007', '20180101', NULL, '20001178120180101', NULL, NULL, ${g(square(2.5, 47.1, 0.01))});
    INSERT INTO gpu_prescription_surf (gid, dataset_id, partition, libelle, txt, typepsc, stypepsc, idurba, datvalid, the_geom) VALUES
      (301, 'gpu.prescription-surf:DU_30014', 'DU_30014', 'STECAL', 'STECAL', '16', '03', '30014_PLU_20171013', '20171013', ${g(square(4.36, 44.0, 0.001))}),
      (302, 'gpu.prescription-surf:DU_30014', 'DU_30014', 'Code inconnu', NULL, '77', '42', '30014_PLU_20171013', '20171013', ${g(square(4.38, 44.0, 0.001))});
    INSERT INTO gpu_prescription_lin (gid, dataset_id, partition, libelle, typepsc, stypepsc, the_geom) VALUES
      (311, 'gpu.prescription-lin:DU_30014', 'DU_30014', 'Implantation', '15', '01', ${g('MULTILINESTRING((4.355 44, 4.365 44))')});
    INSERT INTO gpu_prescription_pct (gid, dataset_id, partition, libelle, typepsc, stypepsc, the_geom) VALUES
      (321, 'gpu.prescription-pct:DU_30014', 'DU_30014', 'Patrimoine bâti', '07', '01', ${g('MULTIPOINT((4.36 44))')});
    INSERT INTO gpu_info_surf (gid, dataset_id, partition, libelle, typeinf, stypeinf, the_geom) VALUES
      (401, 'gpu.info-surf:DU_30014', 'DU_30014', 'Assainissement', '19', '01', ${g(square(4.37, 44.0, 0.02))});
    INSERT INTO gpu_info_pct (gid, dataset_id, partition, libelle, typeinf, stypeinf, the_geom) VALUES
      (411, 'gpu.info-pct:DU_30014', 'DU_30014', 'Site archéologique', '16', '00', ${g('MULTIPOINT((4.361 44.001))')});
    INSERT INTO gpu_municipality (gid, dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom) VALUES
      (501, 'fixture', '30014', 'ARPAILLARGUES-ET-AUREILLAC', NULL, false, NULL, ${g(square(4.37, 44.0, 0.03))}),
      (502, 'fixture', '30999', 'NOWHERE', NULL, false, false, ${g(square(4.5, 44.0, 0.03))}),
      (503, 'fixture', '18007', 'ARCAY', NULL, false, NULL, ${g(square(2.5, 47.1, 0.05))}),
      (504, 'fixture', '29158', 'PENMARCH', false, false, true, ${g(square(-4.35, 47.81, 0.03))});
    INSERT INTO gpu_acte_sup (gid, dataset_id, partition, idacte, nomacte, the_geom) VALUES
      (601, 'gpu.acte-sup:130007123_SUP_93_A7', '130007123_SUP_93_A7', 'A7_1', 'Arrêté', ${g(square(2.5, 48.9, 0.01))});
    INSERT INTO gpu_generateur_sup_l (gid, dataset_id, partition, suptype, idgen, nomgen, diametre, tension, the_geom) VALUES
      (701, 'gpu.generateur-sup-l:SUP_29_AC1', 'SUP_29_AC1', 'ac1', 'G1', 'Monument', NULL, NULL, ${g('MULTILINESTRING((-4.36 47.81, -4.34 47.82))')}),
      (702, 'gpu.generateur-sup-l:SUP_29_I4', 'SUP_29_I4', 'i4', 'G2', 'Ligne électrique', NULL, 63000, ${g('MULTILINESTRING((-4.36 47.80, -4.30 47.80))')});
    -- One row in each layer the rows above leave empty, so that every route answers a feature (around
    -- Penmarch, away from the points the /all test asks about).
    INSERT INTO gpu_secteur_cc (gid, dataset_id, partition, libelle, libelong, typesect, fermreco, destdomi, nomfic, urlfic, insee, datappro, datvalid, idurba, the_geom) VALUES
      (801, 'gpu.secteur-cc:DU_29158', 'DU_29158', 'C', 'Secteur constructible', '01', 'non', NULL, '29158_carte_20200115.pdf', NULL, '29158', '20200115', '20200301', '29158_CC_20200115', ${g(square(-4.35, 47.81, 0.005))});
    INSERT INTO gpu_info_lin (gid, dataset_id, partition, libelle, txt, typeinf, stypeinf, typep, stypep, nomfic, urlfic, insee, datvalid, idurba, the_geom) VALUES
      (421, 'gpu.info-lin:DU_29158', 'DU_29158', 'Sentier côtier', NULL, '16', '00', NULL, NULL, NULL, NULL, '29158', '20200301', '29158_CC_20200115', ${g('MULTILINESTRING((-4.37 47.80, -4.36 47.81))')});
    INSERT INTO gpu_assiette_sup_p (gid, dataset_id, partition, suptype, fichier, idass, idgen, nomass, typeass, modegeoass, paramcalc, srcgeoass, datesrcass, the_geom) VALUES
      (901, 'gpu.assiette-sup-p:SUP_29_AC1', 'SUP_29_AC1', 'ac1', NULL, 'A1', 'G1', 'Calvaire', 'Périmètre', 'Point', NULL, 'BDTopo', '2019', ${g('MULTIPOINT((-4.35 47.81))')});
    INSERT INTO gpu_assiette_sup_l (gid, dataset_id, partition, suptype, fichier, idass, idgen, nomass, typeass, modegeoass, paramcalc, srcgeoass, datesrcass, the_geom) VALUES
      (911, 'gpu.assiette-sup-l:SUP_29_I4', 'SUP_29_I4', 'i4', NULL, 'A2', 'G2', 'Ligne 63 kV', 'Bande', 'Ligne', '10', NULL, NULL, ${g('MULTILINESTRING((-4.36 47.80, -4.30 47.80))')});
    INSERT INTO gpu_assiette_sup_s (gid, dataset_id, partition, suptype, fichier, idass, idgen, nomass, typeass, modegeoass, paramcalc, srcgeoass, datesrcass, angle1, angle2, rayon, h, href, xdebut, xfinal, ydebut, yfinal, largeur, the_geom) VALUES
      (921, 'gpu.assiette-sup-s:SUP_29_AC1', 'SUP_29_AC1', 'ac1', 'arrete.pdf', 'A3', 'G1', 'Abords du monument', 'Périmètre de protection', 'Zone tampon', '500', 'Cadastre', '2018', NULL, NULL, 500, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ${g(square(-4.35, 47.815, 0.004))});
    INSERT INTO gpu_generateur_sup_p (gid, dataset_id, partition, suptype, fichier, idgen, idsup, nomgen, typegen, modegenere, srcgeogen, datesrcgen, refbdext, idbdext, type, adresse, the_geom) VALUES
      (931, 'gpu.generateur-sup-p:SUP_29_AC1', 'SUP_29_AC1', 'ac1', NULL, 'G3', 'S1', 'Calvaire de Penmarch', 'Monument', 'Point', 'BDTopo', '2019', NULL, NULL, NULL, 'Rue du Calvaire', ${g('MULTIPOINT((-4.351 47.811))')});
    INSERT INTO gpu_generateur_sup_s (gid, dataset_id, partition, suptype, fichier, idgen, idsup, nomgen, typegen, modegenere, srcgeogen, datesrcgen, refbdext, idbdext, type, adresse, id_gaspar, code_alea, url_grisq, croisement, type_gest, type_voie, the_geom) VALUES
      (941, 'gpu.generateur-sup-s:SUP_29_PM1', 'SUP_29_PM1', 'pm1', NULL, 'G4', 'S2', 'PPRL Penmarch', 'Plan', 'Surface', NULL, NULL, NULL, NULL, NULL, NULL, '29DDTM20150001', 'submersion', NULL, NULL, NULL, NULL, ${g(square(-4.34, 47.80, 0.004))});
  `);
}
