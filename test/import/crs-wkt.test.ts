// The .prj → EPSG decision at its edges: the real texts of the CRSs the data comes in (GDAL's, with and
// without AUTHORITY; ESRI's; WKT2), each rule's boundaries on both sides, and the WKT parser itself.
// Test names start with `WKT`, `.prj:` or `GeoJSON` so that the `import-crs` mutation scope runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseWkt, sridFromGeojsonCrs, sridFromWkt } from '../../src/import/crs.ts';

const EPSG: Record<string, string> = JSON.parse(readFileSync(new URL('../fixtures/import/prj/epsg-wkt1.json', import.meta.url), 'utf8'));
const withoutAuthority = (wkt: string) => wkt.replace(/,AUTHORITY\["[^"]*","[^"]*"\]/g, '');

const GCS = {
  rgf93: 'GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  etrs89: 'GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  wgs84: 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  ntf: 'GEOGCS["GCS_NTF",DATUM["D_NTF",SPHEROID["Clarke_1880_IGN",6378249.2,293.4660212936269]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
  rgaf09: 'GEOGCS["GCS_RGAF09",DATUM["D_RGAF09",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
};

/** An ESRI Lambert conformal conic .prj (ArcGIS's parameter names and order). */
function esriLcc(name: string, gcs: string, p: { fe: number; fn: number; cm: number; sp1: number; sp2: number; lat0: number }, method = 'Lambert_Conformal_Conic') {
  return `PROJCS["${name}",${gcs},PROJECTION["${method}"],PARAMETER["False_Easting",${p.fe}],PARAMETER["False_Northing",${p.fn}],PARAMETER["Central_Meridian",${p.cm}],PARAMETER["Standard_Parallel_1",${p.sp1}],PARAMETER["Standard_Parallel_2",${p.sp2}],PARAMETER["Latitude_Of_Origin",${p.lat0}],UNIT["Meter",1.0]]`;
}
const L93 = { fe: 700000, fn: 6600000, cm: 3, sp1: 44, sp2: 49, lat0: 46.5 };
const cc = (zone: number) => ({ fe: 1700000, fn: (zone - 41) * 1000000 + 200000, cm: 3, sp1: zone - 0.75, sp2: zone + 0.75, lat0: zone });

/** An ESRI transverse Mercator .prj. */
function esriTm(name: string, gcs: string, p: { fe?: number; fn: number; cm?: number; k?: number }, method = 'Transverse_Mercator') {
  const cm = p.cm === undefined ? '' : `PARAMETER["Central_Meridian",${p.cm}],`;
  return `PROJCS["${name}",${gcs},PROJECTION["${method}"],PARAMETER["False_Easting",${p.fe ?? 500000}],PARAMETER["False_Northing",${p.fn}],${cm}PARAMETER["Scale_Factor",${p.k ?? 0.9996}],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`;
}

test('.prj: the EPSG texts of every CRS the data uses, with their AUTHORITY and without it', () => {
  const codes = Object.keys(EPSG).map(Number);
  assert.equal(codes.length, 38);
  for (const code of codes) {
    assert.equal(sridFromWkt(EPSG[code]), code, `EPSG:${code} as GDAL writes it`);
    const bare = withoutAuthority(EPSG[code]);
    assert.doesNotMatch(bare, /AUTHORITY/);
    assert.equal(sridFromWkt(bare), code, `EPSG:${code} without AUTHORITY: ${bare.slice(0, 60)}`);
  }
});

test('.prj: ESRI spellings of Lambert-93, the CC zones and the UTM zones of the data', () => {
  assert.equal(sridFromWkt(esriLcc('RGF_1993_Lambert_93', GCS.rgf93, L93)), 2154);
  // ArcGIS writes the parallels 44/49, other writers 49/44.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...L93, sp1: 49, sp2: 44 })), 2154);
  for (let zone = 42; zone <= 50; zone++) assert.equal(sridFromWkt(esriLcc(`RGF_1993_CC${zone}`, GCS.rgf93, cc(zone))), 3900 + zone);
  const south = { fn: 10000000 };
  const cases: [string, string, number, { fn: number }, number][] = [
    ['WGS_1984_UTM_Zone_20N', GCS.wgs84, -63, { fn: 0 }, 32620],
    ['WGS_1984_UTM_Zone_21N', GCS.wgs84, -57, { fn: 0 }, 32621],
    ['WGS_1984_UTM_Zone_22N', GCS.wgs84, -51, { fn: 0 }, 32622],
    ['WGS_1984_UTM_Zone_38S', GCS.wgs84, 45, south, 32738],
    ['WGS_1984_UTM_Zone_40S', GCS.wgs84, 57, south, 32740],
    ['WGS_1984_UTM_Zone_58S', GCS.wgs84, 165, south, 32758],
    ['WGS_1984_UTM_Zone_20S', GCS.wgs84, -63, south, 32720],
    ['RGAF09_UTM_Zone_20N', GCS.rgaf09, -63, { fn: 0 }, 5490],
  ];
  for (const [name, gcs, cm, p, code] of cases) {
    assert.equal(sridFromWkt(esriTm(name, gcs, { ...p, cm })), code, name);
    assert.equal(sridFromWkt(esriTm('unnamed', gcs, { ...p, cm })), code, `${name} by its parameters`);
  }
  // The overseas datums under ESRI's names: the datum decides between the overseas code and WGS 84's.
  const gcs = (d: string) => `GEOGCS["GCS_${d}",DATUM["D_${d}",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`;
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RRAF_1991'), { cm: -63, fn: 0 })), 4559);
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RGFG_1995'), { cm: -51, fn: 0 })), 2972);
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RGR_1992'), { cm: 57, fn: 10000000 })), 2975);
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RGM_2004'), { cm: 45, fn: 10000000 })), 4471);
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RGSPM_2006'), { cm: -57, fn: 0 })), 4467);
  // An overseas datum in a zone that is not its own: no overseas code, and not WGS 84's either.
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RGR_1992'), { cm: 57, fn: 0 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', gcs('RGFG_1995'), { cm: -57, fn: 0 })), undefined);
});

test('.prj: geographic CRSs by datum, under each WKT keyword', () => {
  const geog = (key: string, datum: string, name = datum) => `${key}["${name}",DATUM["${datum}",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`;
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_WGS_1984', 'GCS_WGS_1984')), 4326);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_RGF_1993', 'GCS_RGF_1993')), 4171);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_ETRS_1989', 'GCS_ETRS_1989')), 4258);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_RGAF09', 'GCS_RGAF09')), 5489);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_RGFG_1995', 'GCS_RGFG_1995')), 4624);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_RGR_1992', 'GCS_RGR_1992')), 4627);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_RGM_2004', 'GCS_RGM_2004')), 4470);
  // WKT2 keywords.
  assert.equal(sridFromWkt(geog('GEOGCRS', 'World Geodetic System 1984', 'WGS 84')), 4326);
  assert.equal(sridFromWkt(geog('GEODCRS', 'World Geodetic System 1984', 'WGS 84')), 4326);
  assert.equal(sridFromWkt(geog('GEOGRAPHICCRS', 'World Geodetic System 1984', 'WGS 84')), 4326);
  // The datum found in the datum's name alone, or in the CRS's name alone.
  assert.equal(sridFromWkt(geog('GEOGCS', 'European_Terrestrial_Reference_System_1989', 'unnamed')), 4258);
  assert.equal(sridFromWkt(geog('GEOGCS', 'unnamed', 'RGF93')), 4171);
  // Accents decomposed before matching: "Réseau Géodésique Français 1993" is RGF93.
  assert.equal(sridFromWkt(geog('GEOGCRS', 'Réseau Géodésique Français 1993', 'Réseau Géodésique Français 1993')), 4171);
  // Geographic, but on a datum without a code here (NTF; RGSPM06 is left to spatial_ref_sys).
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_NTF', 'GCS_NTF')), undefined);
  assert.equal(sridFromWkt(geog('GEOGCS', 'D_RGSPM_2006', 'GCS_RGSPM_2006')), undefined);
  // Neither projected nor geographic: a vertical or geocentric CRS is not guessed.
  assert.equal(sridFromWkt('VERT_CS["NGF-IGN69 height",VERT_DATUM["Nivellement General de la France - IGN69",2005],UNIT["metre",1]]'), undefined);
  assert.equal(sridFromWkt('GEOCCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0]]'), undefined);
});

test('.prj: the root AUTHORITY / ID decides when it is EPSG and a positive integer', () => {
  const l93 = esriLcc('unnamed', GCS.rgf93, L93);
  const withAuth = (auth: string) => l93.replace(/\]$/, `,${auth}]`);
  // An authority that contradicts the parameters wins: it is the writer's own statement.
  assert.equal(sridFromWkt(withAuth('AUTHORITY["EPSG","3946"]')), 3946);
  assert.equal(sridFromWkt(withAuth('AUTHORITY["epsg","3946"]')), 3946);
  assert.equal(sridFromWkt(withAuth('ID["EPSG",3946]')), 3946);
  // Not EPSG, not an integer, not positive: ignored, and the parameters decide.
  assert.equal(sridFromWkt(withAuth('AUTHORITY["ESRI","102110"]')), 2154);
  assert.equal(sridFromWkt(withAuth('AUTHORITY["EPSG","2154.5"]')), 2154);
  assert.equal(sridFromWkt(withAuth('AUTHORITY["EPSG","-3946"]')), 2154);
  assert.equal(sridFromWkt(withAuth('AUTHORITY["EPSG","0"]')), 2154);
  assert.equal(sridFromWkt(withAuth('AUTHORITY["EPSG","Lambert-93"]')), 2154);
  assert.equal(sridFromWkt(withAuth('AUTHORITY[1,"3946"]')), 2154);
  // The first EPSG one among several.
  assert.equal(sridFromWkt(withAuth('AUTHORITY["ESRI","102110"],AUTHORITY["EPSG","3946"]')), 3946);
  // An AUTHORITY deeper in the tree (the GEOGCS's) is not the projected CRS's code.
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.ntf.replace(/\]$/, ',AUTHORITY["EPSG","4275"]]'), { cm: 3, fn: 0, k: 1 })), undefined);
});

test('.prj: Lambert-93 by name needs RGF93 or a datum not known here; by parameters, each parameter and the method count', () => {
  const bare = (name: string, gcs: string) => `PROJCS["${name}",${gcs},PROJECTION["Lambert_Conformal_Conic"]]`;
  assert.equal(sridFromWkt(bare('RGF93_Lambert_93', GCS.rgf93)), 2154);
  assert.equal(sridFromWkt(bare('Lambert_93', 'GEOGCS["unknown",DATUM["unknown"]]')), 2154);
  assert.equal(sridFromWkt(bare('Lambert_93', GCS.rgaf09)), undefined);
  assert.equal(sridFromWkt(bare('Lambert_93', GCS.wgs84)), undefined);
  // By parameters: RGF93 and the datums it is equal to at a metre (ETRS89, WGS 84), not NTF.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.etrs89, L93)), 2154);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.wgs84, L93)), 2154);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.ntf, L93)), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgaf09, L93)), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, L93, 'Mercator')), undefined);
  // One parameter off at a time, just beyond the relative tolerance of 1e-6; just inside it, accepted.
  for (const [key, off] of [
    ['lat0', 46.6],
    ['cm', 3.1],
    ['fe', 700001],
    ['fn', 6600007],
    ['sp1', 44.5],
    ['sp2', 48.5],
  ] as const) {
    assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...L93, [key]: off })), undefined, `${key} = ${off}`);
  }
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...L93, fe: 700000.5, fn: 6599994 })), 2154);
  // Parallels in the other order must both match too.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...L93, sp1: 49, sp2: 45 })), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...L93, sp1: 45, sp2: 44 })), undefined);
  // GDAL's other name for the central meridian; a parameter with a number for a name is skipped.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, L93).replace('Central_Meridian', 'longitude_of_origin')), 2154);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, L93).replace('UNIT["Meter",1.0]', 'PARAMETER[8801,46.5],UNIT["Meter",1.0]')), 2154);
  // A parameter given as a string is no parameter.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, L93).replace('PARAMETER["False_Easting",700000]', 'PARAMETER["False_Easting","700000"]')), undefined);
  // A parameter missing.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, L93).replace('PARAMETER["Standard_Parallel_2",49],', '')), undefined);
});

test('.prj: CC zones 42 to 50 only, on RGF93 only, with their own false northing and parallels', () => {
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, cc(42))), 3942);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, cc(50))), 3950);
  // The pattern continued one zone beyond each end is no CC zone.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, cc(41))), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, cc(51))), undefined);
  // Between zones.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...cc(46), lat0: 46.5, fn: 5700000, sp1: 45.75, sp2: 47.25 })), undefined);
  // Another zone's false northing, false easting, parallels; ETRS89 (no CC there); not a conic.
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...cc(46), fn: 6200000 })), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...cc(46), fe: 1700100 })), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...cc(46), sp1: 44.25, sp2: 45.75 })), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, { ...cc(46), sp1: 46.75, sp2: 45.25 })), 3946);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.etrs89, cc(46))), undefined);
  assert.equal(sridFromWkt(esriLcc('unnamed', GCS.rgf93, cc(46), 'Transverse_Mercator')), undefined);
});

test('.prj: UTM by name alone, one or two digits, north and south, zones 1 to 60 only', () => {
  const byName = (name: string, gcs = GCS.wgs84) => `PROJCS["${name}",${gcs},PROJECTION["Transverse_Mercator"]]`;
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_Zone_5N')), 32605);
  assert.equal(sridFromWkt(byName('WGS 84 / UTM zone 58S')), 32758);
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_20N')), 32620);
  assert.equal(sridFromWkt(byName('UTM Zone 21, Northern Hemisphere')), 32621);
  assert.equal(sridFromWkt(byName('UTM Zone 40, Southern Hemisphere')), 32740);
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_Zone_1N')), 32601);
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_Zone_60S')), 32760);
  // Zone 0 does not exist, and 32661 / 32761 are the polar (UPS) projections, not zone 61.
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_Zone_0N')), undefined);
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_Zone_61N')), undefined);
  assert.equal(sridFromWkt(byName('WGS_1984_UTM_Zone_61S')), undefined);
  assert.equal(sridFromWkt(byName('RGAF09_UTM_Zone_20N', GCS.rgaf09)), 5490);
  // ETRS89: northern zones 28 to 38 only.
  assert.equal(sridFromWkt(byName('ETRS_1989_UTM_Zone_28N', GCS.etrs89)), 25828);
  assert.equal(sridFromWkt(byName('ETRS_1989_UTM_Zone_38N', GCS.etrs89)), 25838);
  assert.equal(sridFromWkt(byName('ETRS_1989_UTM_Zone_27N', GCS.etrs89)), undefined);
  assert.equal(sridFromWkt(byName('ETRS_1989_UTM_Zone_39N', GCS.etrs89)), undefined);
  assert.equal(sridFromWkt(byName('ETRS_1989_UTM_Zone_32S', GCS.etrs89)), undefined);
  // Any other datum (NTF, RGF93): left to spatial_ref_sys.
  assert.equal(sridFromWkt(byName('NTF_UTM_Zone_31N', GCS.ntf)), undefined);
  assert.equal(sridFromWkt(byName('RGF93_UTM_Zone_31N', GCS.rgf93)), undefined);
});

test('.prj: UTM by parameters: scale, false easting, central meridian on a zone, false northing of a hemisphere', () => {
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: -177, fn: 0 })), 32601);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 177, fn: 10000000 })), 32760);
  // Central meridians beyond ±180 would be zones 0 and 61.
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: -183, fn: 0 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 183, fn: 0 })), undefined);
  // A meridian between zones, or none.
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 54, fn: 0 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 56, fn: 0 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { fn: 0 })), undefined);
  // A transverse Mercator that is not UTM: scale 1 (Gauss–Kruger style), another false easting, another method.
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 0, k: 1 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 0, k: 0.9999 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 0, fe: 400000 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 0 }, 'Mercator')), undefined);
  // Hemisphere: false northing 0 or 10 000 km within the tolerance (1e-6, at least 1e-6 absolute).
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 0.000001 })), 32640);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 0.000002 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 10000009 })), 32740);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: 10000011 })), undefined);
  assert.equal(sridFromWkt(esriTm('unnamed', GCS.wgs84, { cm: 57, fn: -10000000 })), undefined);
  // A projection that is neither, on WGS 84 (Web Mercator): undefined, no error.
  assert.equal(
    sridFromWkt(
      'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]',
    ),
    undefined,
  );
});

test('.prj: WKT2 (PROJ ≥ 6) without ID, by name and by the CONVERSION parameters', () => {
  const base = (key: string) =>
    `${key}["RGF93 v1",DATUM["Reseau Geodesique Francais 1993 v1",ELLIPSOID["GRS 1980",6378137,298.257222101,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]]`;
  const lcc = (name: string, key = 'PROJCRS', baseKey = 'BASEGEOGCRS', lat0 = 46.5, fe = 700000, fn = 6600000, sp1 = 49, sp2 = 44) =>
    `${key}["${name}",${base(baseKey)},CONVERSION["${name}",METHOD["Lambert Conic Conformal (2SP)",ID["EPSG",9802]],PARAMETER["Latitude of false origin",${lat0},ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Longitude of false origin",3,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Latitude of 1st standard parallel",${sp1},ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Latitude of 2nd standard parallel",${sp2},ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Easting at false origin",${fe},LENGTHUNIT["metre",1]],PARAMETER["Northing at false origin",${fn},LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["easting (X)",east,ORDER[1],LENGTHUNIT["metre",1]],AXIS["northing (Y)",north,ORDER[2],LENGTHUNIT["metre",1]]]`;
  assert.equal(sridFromWkt(lcc('RGF93 v1 / Lambert-93')), 2154);
  assert.equal(sridFromWkt(lcc('unnamed')), 2154);
  assert.equal(sridFromWkt(lcc('unnamed', 'PROJECTEDCRS', 'BASEGEODCRS')), 2154);
  assert.equal(sridFromWkt(lcc('unnamed', 'PROJCRS', 'GEOGCRS')), 2154);
  assert.equal(sridFromWkt(lcc('unnamed', 'PROJCRS', 'BASEGEOGCRS', 43, 1700000, 2200000, 42.25, 43.75)), 3943);
  // The base CRS under a keyword that is none of the four: no datum, so no guess by parameters.
  assert.equal(sridFromWkt(lcc('unnamed', 'PROJCRS', 'BASECRS')), undefined);
  const utm = (name: string, lon0: number, fn: number) =>
    `PROJCRS["${name}",BASEGEOGCRS["RGAF09",DATUM["Reseau Geodesique des Antilles Francaises 2009",ELLIPSOID["GRS 1980",6378137,298.257222101]]],CONVERSION["${name}",METHOD["Transverse Mercator"],PARAMETER["Latitude of natural origin",0],PARAMETER["Longitude of natural origin",${lon0}],PARAMETER["Scale factor at natural origin",0.9996],PARAMETER["False easting",500000],PARAMETER["False northing",${fn}]]]`;
  assert.equal(sridFromWkt(utm('unnamed', -63, 0)), 5490);
  assert.equal(sridFromWkt(utm('unnamed', -63, 10000000)), undefined);
});

test('.prj: a projected CRS with missing or odd parts gives undefined, never an error', () => {
  assert.equal(sridFromWkt('PROJCS["unnamed",PROJECTION["Transverse_Mercator"]]'), undefined);
  assert.equal(sridFromWkt('PROJCS["unnamed"]'), undefined);
  assert.equal(sridFromWkt('PROJCS'), undefined);
  // A name that is a number is no name: the parameters still decide.
  assert.equal(sridFromWkt(esriTm('x', GCS.wgs84, { cm: 57, fn: 0 }).replace('PROJCS["x"', 'PROJCS[40')), 32640);
  assert.equal(sridFromWkt(`PROJCS["WGS_1984_UTM_Zone_40N",GEOGCS[4326,DATUM[6326]],PROJECTION[9807]]`), undefined);
  assert.equal(sridFromWkt(''), undefined);
  assert.equal(sridFromWkt('PROJCS["RGF93_Lambert_93",GEOGCS["GCS_RGF_1993"'), undefined);
});

test('WKT parser: the tree of a .prj, keywords upper-cased, strings, numbers and bare words', () => {
  assert.deepEqual(parseWkt(' \n geogcs["GCS_RGF_1993", DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]] ,\tUNIT["Degree",0.0174532925199433]]\n'), {
    key: 'GEOGCS',
    args: [
      'GCS_RGF_1993',
      { key: 'DATUM', args: ['D_RGF_1993', { key: 'SPHEROID', args: ['GRS_1980', 6378137, 298.257222101] }] },
      { key: 'UNIT', args: ['Degree', 0.0174532925199433] },
    ],
  });
  // Bare words (WKT2 enumerations), keywords with digits and underscores, empty brackets.
  assert.deepEqual(parseWkt('CS[Cartesian,2]'), { key: 'CS', args: [{ key: 'CARTESIAN', args: [] }, 2] });
  assert.deepEqual(parseWkt('AXIS["Easting",east]'), { key: 'AXIS', args: ['Easting', { key: 'EAST', args: [] }] });
  assert.deepEqual(parseWkt('TOWGS84[0,0,0,0,0,0,0]'), { key: 'TOWGS84', args: [0, 0, 0, 0, 0, 0, 0] });
  assert.deepEqual(parseWkt('_x9[]'), { key: '_X9', args: [] });
  assert.deepEqual(parseWkt('VERT_CS'), { key: 'VERT_CS', args: [] });
  assert.deepEqual(parseWkt('a[b , c]'), { key: 'A', args: [{ key: 'B', args: [] }, { key: 'C', args: [] }] });
  // Round brackets, as WKT allows.
  assert.deepEqual(parseWkt('UNIT("metre",1)'), { key: 'UNIT', args: ['metre', 1] });
  assert.deepEqual(parseWkt('A(B("x"),C[1])'), { key: 'A', args: [{ key: 'B', args: ['x'] }, { key: 'C', args: [1] }] });
  // Doubled quotes inside a string, an empty string, brackets and commas inside a string.
  assert.deepEqual(parseWkt('A["say ""hi""",""]'), { key: 'A', args: ['say "hi"', ''] });
  assert.deepEqual(parseWkt('A["""",""""""]'), { key: 'A', args: ['"', '""'] });
  assert.deepEqual(parseWkt('A["x],[y",1]'), { key: 'A', args: ['x],[y', 1] });
  // What follows the root is not read.
  assert.deepEqual(parseWkt('A[1] B[2]'), { key: 'A', args: [1] });
});

test('WKT parser: every number form a .prj holds', () => {
  const nums = (text: string) => parseWkt(`N[${text}]`).args;
  assert.deepEqual(nums('0,7,10,700000,6600000'), [0, 7, 10, 700000, 6600000]);
  assert.deepEqual(nums('-63,+45,-0.5,+.25'), [-63, 45, -0.5, 0.25]);
  assert.deepEqual(nums('46.5,10.,.5,298.257222101,0.0174532925199433'), [46.5, 10, 0.5, 298.257222101, 0.0174532925199433]);
  assert.deepEqual(nums('1e3,2.5E-12,-4.25e+10,7E10'), [1e3, 2.5e-12, -4.25e10, 7e10]);
  // An exponent with no digits is not one: the number ends before the `e`.
  assert.deepEqual(nums('5e'), [5, { key: 'E', args: [] }]);
  assert.deepEqual(nums('12.75,3'), [12.75, 3]);
});

test('WKT parser: malformed texts throw a message that says where', () => {
  assert.throws(() => parseWkt(''), { message: 'WKT: keyword expected at 0' });
  assert.throws(() => parseWkt('  "x"'), { message: 'WKT: keyword expected at 0' });
  assert.throws(() => parseWkt('9A[1]'), { message: 'WKT: keyword expected at 0' });
  assert.throws(() => parseWkt('A[1,$]'), { message: 'WKT: keyword expected at 4' });
  assert.throws(() => parseWkt('A[1'), { message: 'WKT: unexpected end' });
  assert.throws(() => parseWkt('A[B[1]'), { message: 'WKT: unexpected end' });
  assert.throws(() => parseWkt('A['), { message: 'WKT: unexpected end' });
  assert.throws(() => parseWkt('A["abc'), { message: 'WKT: unterminated string' });
  assert.throws(() => parseWkt('A["abc""]'), { message: 'WKT: unterminated string' });
  assert.throws(() => parseWkt('A[1,-x]'), { message: 'WKT: bad number at 4' });
  assert.throws(() => parseWkt('A[.]'), { message: 'WKT: bad number at 2' });
  assert.throws(() => parseWkt('A[+]'), { message: 'WKT: bad number at 2' });
  // A number further on does not rescue a bad one.
  assert.throws(() => parseWkt('A[-x,1]'), { message: 'WKT: bad number at 2' });
  assert.throws(() => parseWkt('A[+.,5]'), { message: 'WKT: bad number at 2' });
  // Brackets must match: `[` closes with `]`, `(` with `)`.
  assert.throws(() => parseWkt('A[1)'), { message: 'WKT: keyword expected at 3' });
  assert.throws(() => parseWkt('A(1]'), { message: 'WKT: keyword expected at 3' });
});

test('GeoJSON crs: absent or null is WGS 84; the named forms of an EPSG code, and nothing else', () => {
  assert.equal(sridFromGeojsonCrs(undefined), 4326);
  assert.equal(sridFromGeojsonCrs(null), 4326);
  assert.equal(sridFromGeojsonCrs('EPSG:2154'), undefined);
  assert.equal(sridFromGeojsonCrs(2154), undefined);
  const named = (name: unknown) => sridFromGeojsonCrs({ type: 'name', properties: { name } });
  assert.equal(named('urn:ogc:def:crs:EPSG::2154'), 2154);
  assert.equal(named('urn:ogc:def:crs:EPSG:9.8.15:3946'), 3946);
  assert.equal(named('URN:OGC:DEF:CRS:EPSG::32740'), 32740);
  assert.equal(named('EPSG:2975'), 2975);
  assert.equal(named('EPSG::2972'), 2972);
  assert.equal(named('epsg:4471'), 4471);
  assert.equal(named('  EPSG:5490 '), 5490);
  assert.equal(named('http://www.opengis.net/def/crs/EPSG/0/2154'), 2154);
  assert.equal(named('https://www.opengis.net/def/crs/EPSG/9.9.1/32620'), 32620);
  assert.equal(named('urn:ogc:def:crs:OGC:1.3:CRS84'), 4326);
  assert.equal(named('urn:ogc:def:crs:OGC::CRS84'), 4326);
  assert.equal(named('CRS:84'), 4326);
  assert.equal(named('OGC:CRS84'), 4326);
  assert.equal(named('http://www.opengis.net/def/crs/OGC/1.3/CRS84'), 4326);
  // Anchored at both ends, whole numbers only, a version in the http form.
  assert.equal(named('CRS:840'), undefined);
  assert.equal(named('CRS84 x'), undefined);
  assert.equal(named('xEPSG:2154'), undefined);
  assert.equal(named('EPSG:2154x'), undefined);
  assert.equal(named('EPSG:'), undefined);
  assert.equal(named('EPSG:21.54'), undefined);
  assert.equal(named('urn:ogc:def:crs:EPSG:2154'), undefined);
  assert.equal(named('http://www.opengis.net/def/crs/EPSG//2154'), undefined);
  assert.equal(named('http://www.opengis.net/def/crs/EPSG/0/'), undefined);
  assert.equal(named('ftp://www.opengis.net/def/crs/EPSG/0/2154'), undefined);
  assert.equal(named('http://wwwXopengisXnet/def/crs/EPSG/0/2154'), undefined);
  assert.equal(named(undefined), undefined);
  assert.equal(named(''), undefined);
  assert.equal(sridFromGeojsonCrs({ type: 'name' }), undefined);
  assert.equal(sridFromGeojsonCrs({ properties: { name: 'EPSG:2154' } }), 2154);
  // The legacy {type: 'EPSG', properties: {code}} form, any case, the code as a number or a string.
  assert.equal(sridFromGeojsonCrs({ type: 'EPSG', properties: { code: 2972 } }), 2972);
  assert.equal(sridFromGeojsonCrs({ type: 'epsg', properties: { code: '2975' } }), 2975);
  assert.equal(sridFromGeojsonCrs({ type: 'EPSG', properties: { code: 'Lambert-93' } }), undefined);
  assert.equal(sridFromGeojsonCrs({ type: 'EPSG', properties: { code: 21.54 } }), undefined);
  assert.equal(sridFromGeojsonCrs({ type: 'EPSG' }), undefined);
  assert.equal(sridFromGeojsonCrs({ type: 'EPSG', properties: { code: 'x', name: 'EPSG:2154' } }), 2154);
  // A code counts only in that legacy form: a named crs is read by its name.
  assert.equal(sridFromGeojsonCrs({ type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84', code: 2154 } }), 4326);
  assert.equal(sridFromGeojsonCrs({ type: 'name', properties: { code: 2154 } }), undefined);
  assert.equal(sridFromGeojsonCrs({ type: 'link', properties: { href: 'x.prj' } }), undefined);
});
