/**
 * What defineLayer() derives from one definition: served properties (order, names, types, SQL),
 * filters and parameters, the feature SQL built once, the import targets of each format, and the
 * OGC queryables, property schema and tile properties. No database: the derivations are pure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../src/catalog/catalog.ts';
import { defineLayer, withProperties, type LayerSpec } from '../../src/catalog/layer.ts';
import { bigint, computed, float, integer, orEmpty, text } from '../../src/catalog/fields.ts';
import { propertySchema, queryables, tileProperties } from '../../src/catalog/ogc.ts';
import { INPUT_GEOM } from '../../src/catalog/sql.ts';
import { conditions, checkParameters, requireFilters } from '../../src/catalog/filters.ts';
import { HttpProblem, invalidParam } from '../../src/http/problems.ts';
import type { SourceFeature } from '../../src/import/readers/feature.ts';
import type { ImportContext } from '../../src/import/target.ts';
import { CATALOG } from '../helpers/catalog.ts';

const ctx: ImportContext = { file: 'zones.shp', srid: 2154, campagne: 2021, options: {} };
const feature = (properties: Record<string, unknown>, id?: string): SourceFeature => ({ index: 1, properties, geometry: null, ...(id ? { id } : {}) });

/** A small layer with one of each kind of field, loaded from two formats. */
const spec = (over: Partial<LayerSpec> = {}): LayerSpec => ({
  id: 'test.zone',
  title: 'Zones',
  description: 'Test zones.',
  table: 'test_zone',
  geometry: { type: 'MultiPolygon', name: 'the_geom' },
  idColumn: 'gid',
  featureId: { prefix: 'zone' },
  access: 'public',
  campaign: 'campagne',
  fields: {
    campagne: integer({ hidden: true, filter: { param: 'annee', required: true, minimum: 2000, description: 'Year.' } }),
    gid: bigint({ hidden: true, from: { default: (f) => Number(f.properties.ID), answers: (f) => Number(String(f.id).split('.')[1]) } }),
    code: text({ sql: orEmpty, filter: { pattern: '^[A-Z]{2}$', description: 'Code.', value: (v: string) => v.toUpperCase() } }),
    nom: text({ as: 'libelle', filter: { param: 'nom', op: 'ilike', description: 'Name.', check: (raw, location) => { if (raw === 'x') throw invalidParam('nom', 'no', location); } } }),
    surface: float({ sql: (c) => `round(${c}::numeric, 2)::text`, serves: 'string' }),
    derived: bigint({ hidden: true, from: null }),
    label: computed('string', `'zone ' || t.code`),
    inside: computed('boolean', `ST_Contains(${INPUT_GEOM}, t.geom)`),
  },
  params: { apikey: { schema: {} as never } },
  producer: 'Tests',
  licence: 'CC0',
  import: {
    files: { title: 'Zones (shapefile)', formats: ['ESRI Shapefile'], datasetId: (c) => `test.zone:${c.campagne}` },
    answers: { suffix: 'answer', verbatim: true, title: 'Zones (answers)', formats: ['GeoJSON'], datasetId: (c) => `test.zone:${c.campagne}:answer` },
  },
  ...over,
});

test('served properties: the fields in their order, public names and types, stored-only columns left out', () => {
  const l = defineLayer(spec());
  assert.deepEqual(
    l.properties.map((p) => [p.name, p.type, p.sql]),
    [
      ['code', 'string', `coalesce(t."code", '')`],
      ['libelle', 'string', 't."nom"'],
      ['surface', 'string', 'round(t."surface"::numeric, 2)::text'],
      ['label', 'string', `'zone ' || t.code`],
      ['inside', 'boolean', `ST_Contains(${INPUT_GEOM}, t.geom)`],
    ],
  );
  assert.deepEqual(l.columns.map((c) => `${c.name} ${c.type}`), ['dataset_id text', 'campagne integer', 'gid bigint', 'code text', 'nom text', 'surface double precision', 'derived bigint', 'geom geometry']);
  assert.equal(l.geometry.name, 'the_geom');
  assert.equal(l.geometry.srid, 4326);
  assert.equal(l.campaignColumn, 'campagne');
  assert.deepEqual([l.defaultLimit, l.maxLimit], [1000, 1000]);
});

test('the feature SQL is built once, with the request geometry as $1 where a property reads it', () => {
  const l = defineLayer(spec());
  assert.match(l.sql.select, /'zone\.'::text \|\| t\."gid"/);
  assert.match(l.sql.select, /'geometry_name', 'the_geom'::text/);
  assert.match(l.sql.select, /ST_Contains\(ST_SetSRID\(ST_GeomFromGeoJSON\(\$1::text\), 4326\), t\.geom\)/);
  assert.match(l.sql.select, /FROM "test_zone" t$/);
  assert.match(l.sql.select, /d\.id = t\."dataset_id"/, 'the synthetic flag reads the dataset column');
  assert.equal(l.sql.order, 'ORDER BY t."gid"');
  assert.equal(l.sql.inputGeom, true);
  assert.equal(defineLayer(spec({ fields: { gid: bigint() }, campaign: undefined, import: undefined })).sql.inputGeom, false);
  assert.equal(Object.isFrozen(l), true, 'a defined layer does not change');
  const labelled = withProperties(l, { extra: computed('string', `'x'`) });
  assert.deepEqual(labelled.properties.map((p) => p.name), ['code', 'libelle', 'surface', 'label', 'inside', 'extra']);
  assert.notEqual(labelled.sql.select, l.sql.select);
  assert.equal(labelled.featureId, l.featureId);
});

test('filters: parameter names, schema types after the column, checks in the order given, conditions on columns', () => {
  const l = defineLayer(spec());
  assert.deepEqual(l.filters.map((f) => [f.param, f.column, f.op, f.required]), [['annee', 'campagne', '=', true], ['code', 'code', '=', false], ['nom', 'nom', 'ilike', false]]);
  assert.equal((l.filters[0].schema as { type: string }).type, 'integer');
  assert.equal((l.filters[0].schema as { minimum: number }).minimum, 2000);
  assert.equal((l.filters[1].schema as { pattern: string }).pattern, '^[A-Z]{2}$');
  assert.deepEqual(conditions(l, { annee: 2021, code: 'ab', nom: 'Pré%' }), [
    { column: 'campagne', op: '=', value: 2021 },
    { column: 'code', op: '=', value: 'AB' },
    { column: 'nom', op: 'ilike', value: 'Pré%' },
  ]);
  assert.throws(() => checkParameters(l, { nom: 'x' }, 'body'), (e) => e instanceof HttpProblem && /no/.test(e.message));
  assert.doesNotThrow(() => checkParameters(l, { nom: 'y', apikey: 'k' }, 'query'));
  assert.throws(() => requireFilters(l, {}, 'query'), (e) => e instanceof HttpProblem && e.message.includes('is required'));
  assert.equal(l.column('code'), 't."code"');
  assert.throws(() => l.column('nope'), /no column "nope"/);
  const custom = defineLayer(spec({ where: (i) => [{ column: 'code', value: i.code }] }));
  assert.deepEqual(conditions(custom, { code: 'ZZ', nom: 'n' }), [{ column: 'code', value: 'ZZ' }]);
});

test('import targets: one per format, each column read as that format gives it', () => {
  const l = defineLayer(spec());
  const [files, answers] = l.targets;
  assert.deepEqual([files.layer, answers.layer], ['test.zone', 'test.zone-answer']);
  assert.deepEqual(files.columns.map((c) => `${c.name} ${c.type}`), ['campagne integer', 'gid bigint', 'code text', 'nom text', 'surface double precision']);
  assert.equal(files.requiresCampagne, true);
  assert.equal(files.table, 'test_zone');
  assert.deepEqual(files.geometry, { column: 'geom', type: 'MultiPolygon' });
  assert.equal(files.datasetId(ctx), 'test.zone:2021');
  const row = (t: typeof files, f: SourceFeature) => Object.fromEntries(t.columns.map((c) => [c.name, c.value(f, ctx)]));
  // Shapefile fields in upper case, DBF padding trimmed, decimal commas read.
  assert.deepEqual(row(files, feature({ ID: '12', CODE: ' AB ', NOM: '', SURFACE: '1,5' })), { campagne: 2021, gid: 12, code: 'AB', nom: null, surface: 1.5 });
  // Answers: the gid from the feature id, text as published.
  assert.deepEqual(row(answers, feature({ code: 'AB', nom: '', surface: 2 }, 'zone.77')), { campagne: 2021, gid: 77, code: 'AB', nom: '', surface: 2 });
  assert.throws(() => row(files, feature({ ID: '1', SURFACE: 'big' })), /not a number/);
});

test('a definition that cannot be served or loaded is refused when it is defined', () => {
  assert.throws(() => defineLayer(spec({ table: 'Zones; drop' })), /unsafe SQL identifier/);
  assert.throws(() => defineLayer(spec({ campaign: 'annee' })), /campaign annee is not a column/);
  assert.throws(() => defineLayer(spec({ params: { nom: { schema: {} as never } } })), /parameter nom declared twice/);
  assert.throws(() => defineLayer(spec({ producer: undefined })), /producer and licence are required/);
  assert.throws(() => defineLayer(spec({ geometry: { type: 'Geometry' } })), /one geometry type/);
  assert.throws(() => defineLayer(spec({ idColumn: 'nope' })), /no column "nope"/);
  assert.throws(() => new Catalog([defineLayer(spec()), defineLayer(spec())]), /defined twice/);
});

test('OGC: queryables are the served properties but those reading a request geometry, typed as served, and the geometry; the schema lists every property in order; tiles leave out what needs a request geometry', () => {
  const l = defineLayer(spec());
  const q = queryables(l);
  assert.deepEqual(Object.keys(q.properties as object), ['code', 'libelle', 'surface', 'label', 'the_geom']);
  assert.deepEqual((q.properties as Record<string, unknown>).surface, { title: 'surface', type: 'string' }, 'compared as served: a number answered as text is text');
  assert.equal((q.properties as Record<string, { $ref?: string }>).the_geom.$ref, 'https://geojson.org/schema/MultiPolygon.json');
  assert.equal(q.additionalProperties, false);
  assert.deepEqual([q.$id, q.title], ['test.zone/queryables', 'Zones']);
  const s = propertySchema(l);
  assert.deepEqual(Object.keys(s.properties as object), ['code', 'libelle', 'surface', 'label', 'inside', 'the_geom']);
  assert.deepEqual((s.properties as Record<string, { type: string[] }>).surface.type, ['string', 'null']);
  assert.deepEqual(tileProperties(l).map((p) => p.name), ['code', 'libelle', 'surface', 'label']);
  const parcelle = CATALOG.get('cadastre.parcelle');
  assert.deepEqual(Object.keys(queryables(parcelle).properties as object), [...parcelle.properties.map((p) => p.name), 'geom']);
  const aoc = CATALOG.get('aoc.appellation-viticole');
  assert.ok(!tileProperties(aoc).some((p) => p.name === 'contains'));
  assert.ok(!('contains' in (queryables(aoc).properties as object)), 'a property of the request geometry is not queryable');
});

test('the catalogue: every layer with an access rule, every import target found by its id', () => {
  for (const l of CATALOG.all()) assert.ok(l.access, `${l.id} declares who may read it`);
  for (const t of CATALOG.targets()) assert.equal(CATALOG.target(t.layer), t);
  assert.deepEqual(
    CATALOG.targets().map((t) => t.layer).filter((id) => id.startsWith('rpg.')),
    ['rpg.parcelle', 'rpg.parcelle-apicarto', 'rpg.ilot', 'rpg.ilot-apicarto'],
  );
  assert.equal(CATALOG.target('nope'), undefined);
  assert.throws(() => CATALOG.get('nope'), /unknown layer nope/);
});
