import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sridFromGeojsonCrs, sridFromWkt, resolveWktSrid } from '../../src/import/crs.ts';
import { freshDb } from '../helpers/db.ts';

const FIX = new URL('../fixtures/import/', import.meta.url).pathname;

const esriUtm = (name: string, datum: string, cm: number, fn: number) =>
  `PROJCS["${name}",GEOGCS["GCS_${datum}",DATUM["D_${datum}",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",${fn}],PARAMETER["Central_Meridian",${cm}],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`;

test('.prj: Lambert-93 and the overseas UTM CRSs, by name or by parameters', () => {
  assert.equal(sridFromWkt(readFileSync(FIX + 'latin1/ZONES.prj', 'utf8')), 2154);
  assert.equal(sridFromWkt(readFileSync(FIX + 'reunion/PARCELLES.prj', 'utf8')), 2975);
  assert.equal(sridFromWkt(esriUtm('RGAF09_UTM_Zone_20N', 'RGAF09', -63, 0)), 5490);
  assert.equal(sridFromWkt(esriUtm('RGFG95_UTM_Zone_22N', 'RGFG95', -51, 0)), 2972);
  assert.equal(sridFromWkt(esriUtm('RGM04_UTM_Zone_38S', 'RGM04', 45, 10000000)), 4471);
  assert.equal(sridFromWkt(esriUtm('RGR92_UTM_Zone_40S', 'RGR92', 57, 10000000)), 2975);
  // Same parameters under an unhelpful name: recognised by the projection parameters.
  assert.equal(sridFromWkt(esriUtm('Custom', 'RGAF09', -63, 0)), 5490);
  assert.equal(sridFromWkt(esriUtm('WGS_1984_UTM_Zone_31N', 'WGS_1984', 3, 0)), 32631);
  // Lambert-93 by parameters alone (the CNIG PLU .prj spells the parameters in another order).
  assert.equal(
    sridFromWkt(
      'PROJCS["unnamed",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.000,298.25722210]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",700000.000],PARAMETER["False_Northing",6600000.000],PARAMETER["Central_Meridian",3.00000000000000],PARAMETER["Latitude_Of_Origin",46.50000000000000],PARAMETER["Standard_Parallel_1",44.00000000000000],PARAMETER["Standard_Parallel_2",49.00000000000000],UNIT["Meter",1.00000000000000]]',
    ),
    2154,
  );
  // CC zone 46.
  assert.equal(
    sridFromWkt('PROJCS["RGF93_CC46",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137,298.257222101]]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",1700000],PARAMETER["False_Northing",5200000],PARAMETER["Central_Meridian",3],PARAMETER["Standard_Parallel_1",45.25],PARAMETER["Standard_Parallel_2",46.75],PARAMETER["Latitude_Of_Origin",46]]'),
    3946,
  );
  // Geographic, with AUTHORITY (GDAL), and WKT2 with ID.
  assert.equal(sridFromWkt('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'), 4326);
  assert.equal(sridFromWkt('PROJCS["RGF93 / Lambert-93",GEOGCS["RGF93",DATUM["Reseau_Geodesique_Francais_1993",SPHEROID["GRS 1980",6378137,298.257222101]]],PROJECTION["Lambert_Conformal_Conic_2SP"],AUTHORITY["EPSG","2154"]]'), 2154);
  assert.equal(sridFromWkt('PROJCRS["RGAF09 / UTM zone 20N",BASEGEOGCRS["RGAF09",DATUM["Reseau Geodesique des Antilles Francaises 2009",ELLIPSOID["GRS 1980",6378137,298.257222101]]],CONVERSION["UTM zone 20N",METHOD["Transverse Mercator"]],ID["EPSG",5490]]'), 5490);
  // Not recognised: Lambert II étendu on NTF, garbage.
  assert.equal(sridFromWkt('PROJCS["NTF_Paris_Lambert_II_etendu",GEOGCS["GCS_NTF_Paris",DATUM["D_NTF",SPHEROID["Clarke_1880_IGN",6378249.2,293.4660212936269]]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",600000.0],PARAMETER["False_Northing",2200000.0]]'), undefined);
  assert.equal(sridFromWkt('not wkt at all ]['), undefined);
});

test('.prj: WGS 84 UTM zones read south as south (EPSG:327xx) and north as north (EPSG:326xx), by name or parameters', () => {
  // By name (ESRI and GDAL spellings).
  assert.equal(sridFromWkt(esriUtm('WGS_1984_UTM_Zone_40S', 'WGS_1984', 57, 10000000)), 32740);
  assert.equal(sridFromWkt(esriUtm('WGS_1984_UTM_Zone_40N', 'WGS_1984', 57, 0)), 32640);
  assert.equal(sridFromWkt(esriUtm('WGS 84 / UTM zone 38S', 'WGS_1984', 45, 10000000)), 32738);
  assert.equal(sridFromWkt(esriUtm('WGS 84 / UTM zone 1S', 'WGS_1984', -177, 10000000)), 32701);
  assert.equal(sridFromWkt(esriUtm('WGS 84 / UTM zone 60N', 'WGS_1984', 177, 0)), 32660);
  assert.equal(sridFromWkt(esriUtm('WGS 84 / UTM zone 60S', 'WGS_1984', 177, 10000000)), 32760);
  // By parameters alone: the false northing says the hemisphere, the central meridian the zone.
  assert.equal(sridFromWkt(esriUtm('unnamed', 'WGS_1984', 57, 10000000)), 32740);
  assert.equal(sridFromWkt(esriUtm('unnamed', 'WGS_1984', 57, 0)), 32640);
  assert.equal(sridFromWkt(esriUtm('unnamed', 'WGS_1984', -177, 10000000)), 32701);
  assert.equal(sridFromWkt(esriUtm('unnamed', 'WGS_1984', 3, 0)), 32631);
  // Neither hemisphere's false northing, or a meridian that is no zone's: not guessed.
  assert.equal(sridFromWkt(esriUtm('unnamed', 'WGS_1984', 57, 5000000)), undefined);
  assert.equal(sridFromWkt(esriUtm('unnamed', 'WGS_1984', 58, 10000000)), undefined);
  // ETRS89 has only northern zones 28–38 (EPSG:25828–25838).
  assert.equal(sridFromWkt(esriUtm('ETRS_1989_UTM_Zone_31N', 'ETRS_1989', 3, 0)), 25831);
  assert.equal(sridFromWkt(esriUtm('ETRS_1989_UTM_Zone_31S', 'ETRS_1989', 3, 10000000)), undefined);
});

test('.prj unknown to the table: looked up by name in spatial_ref_sys', async () => {
  const t = await freshDb();
  try {
    const wkt = 'PROJCS["NTF (Paris) / Lambert zone II",GEOGCS["NTF (Paris)",DATUM["Nouvelle_Triangulation_Francaise_Paris"]],PROJECTION["Lambert_Conformal_Conic_1SP"]]';
    assert.equal(await resolveWktSrid(t.db, wkt), 27572);
    assert.equal(await resolveWktSrid(t.db, 'PROJCS["Made up CRS",GEOGCS["x"]]'), undefined);
    // Case and punctuation do not matter; a geographic CRS is found the same way.
    assert.equal(await resolveWktSrid(t.db, 'PROJCS["ntf_paris_lambert_zone_ii",GEOGCS["NTF (Paris)"]]'), 27572);
    assert.equal(await resolveWktSrid(t.db, 'GEOGCS["NTF (Paris)",DATUM["Nouvelle_Triangulation_Francaise_Paris"]]'), 4807);
    // Known without the database: its answer, whatever the name says.
    assert.equal(await resolveWktSrid(t.db, esriUtm('Made up CRS', 'RGAF09', -63, 0)), 5490);
    // Unreadable, or nameless: undefined, no error.
    assert.equal(await resolveWktSrid(t.db, 'PROJCS["NTF (Paris) / Lambert zone II"'), undefined);
    assert.equal(await resolveWktSrid(t.db, 'PROJCS[""]'), undefined);
    assert.equal(await resolveWktSrid(t.db, 'PROJCS'), undefined);
  } finally {
    await t.close();
  }
});

test('GeoJSON crs member: absent → 4326, named EPSG forms, CRS84, legacy EPSG type', () => {
  assert.equal(sridFromGeojsonCrs(undefined), 4326);
  assert.equal(sridFromGeojsonCrs({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } }), 2154);
  assert.equal(sridFromGeojsonCrs({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG:6.6:5490' } }), 5490);
  assert.equal(sridFromGeojsonCrs({ type: 'name', properties: { name: 'EPSG:2975' } }), 2975);
  assert.equal(sridFromGeojsonCrs({ type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } }), 4326);
  assert.equal(sridFromGeojsonCrs({ type: 'EPSG', properties: { code: 2972 } }), 2972);
  assert.equal(sridFromGeojsonCrs({ type: 'link', properties: { href: 'x.prj' } }), undefined);
});
