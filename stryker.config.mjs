// Mutation testing (StrykerJS, `npm run mutation [-- scope…]`, outside CI): scripts/mutation.mjs runs
// Stryker once per scope below, one mutant at a time (the machine is shared), each against the test
// files that cover that scope without a database, and prints the score per scope.
// Scores and what the survivors are: README "Tests and CI".

/** Each scope: the files mutated and the test files run for every mutant. */
export const SCOPES = {
  geo: { mutate: ['src/geo/**/*.ts'], tests: ['test/geo/geom-param.test.ts', 'test/geo/geom-param-edges.test.ts'] },
  features: { mutate: ['src/features/feature-collection.ts'], tests: ['test/features/feature-collection.test.ts'] },
  // The whole file (WKT parser, .prj → EPSG, GeoJSON crs) against its database-free edge test alone: one
  // file per mutant halves the time (crs.test.ts's pure cases are repeated there with EPSG's own texts).
  'import-crs': { mutate: ['src/import/crs.ts'], tests: ['test/import/crs-wkt.test.ts'], timeoutMS: 10_000 },
  // The same file in two halves, to run side by side: the WKT parser and the name / datum / parameter
  // helpers; then the decisions (.prj → EPSG: Lambert-93, CC zones, UTM hemispheres; GeoJSON crs).
  'import-crs-parser': { mutate: ['src/import/crs.ts:1-146'], tests: ['test/import/crs-wkt.test.ts'], timeoutMS: 10_000 },
  'import-crs-srid': { mutate: ['src/import/crs.ts:147-195', 'src/import/crs.ts:216-227'], tests: ['test/import/crs-wkt.test.ts'], timeoutMS: 10_000 },
  // resolveWktSrid's lookup in spatial_ref_sys: the one part of crs.ts that needs a database (PGlite here).
  'import-crs-db': { mutate: ['src/import/crs.ts:201-215'], tests: ['test/import/crs.test.ts'], pattern: '^\\.prj unknown' },
  'import-readers': {
    mutate: ['src/import/readers/**/*.ts'],
    tests: [
      'test/import/readers/shapefile.test.ts',
      'test/import/readers/shapefile-dbf.test.ts',
      'test/import/readers/geojson.test.ts',
      'test/import/readers/gpkg.test.ts',
      'test/import/readers/zip.test.ts',
      'test/import/readers/bytes.test.ts',
      'test/import/readers/feature.test.ts',
      'test/import/readers/geojson-edges.test.ts',
      'test/import/readers/shapefile-shapes.test.ts',
      'test/import/readers/gpkg-edges.test.ts',
    ],
  },
  // The parts of the readers measured so far (the whole scope is hours at one mutant at a time here),
  // each against its own unit tests: the zip reader with its upload limits; the .dbf decoding.
  'import-readers-zip': { mutate: ['src/import/readers/zip.ts'], tests: ['test/import/readers/zip.test.ts'], timeoutMS: 10_000 },
  'import-readers-dbf': { mutate: ['src/import/readers/shapefile-dbf.ts'], tests: ['test/import/readers/shapefile-dbf.test.ts'], timeoutMS: 10_000 },
  // Each remaining reader against its own database-free test file(s) (~1 s a run on a quiet machine):
  // the byte reader and sources; the feature value helpers with the pipeline's error classes; the
  // GeoJSON scanner and sequences; the .shp decoding (the .dbf is import-readers-dbf); the GeoPackage.
  'import-readers-bytes': { mutate: ['src/import/readers/bytes.ts'], tests: ['test/import/readers/bytes.test.ts'], timeoutMS: 10_000 },
  'import-readers-feature': { mutate: ['src/import/readers/feature.ts', 'src/import/readers/errors.ts'], tests: ['test/import/readers/feature.test.ts'], timeoutMS: 10_000 },
  'import-readers-geojson': { mutate: ['src/import/readers/geojson.ts'], tests: ['test/import/readers/geojson.test.ts', 'test/import/readers/geojson-edges.test.ts'], timeoutMS: 10_000 },
  // The same file in two halves, to run side by side (~490 mutants), against the in-memory edge test
  // alone (half the time of both files); survivors then rechecked against both files:
  // `node scripts/mutation-recheck.mjs import-readers-geojson-a import-readers-geojson`. The halves: the
  // helpers, the scanner's buffer, end and member values; then the scan loop and the file layouts.
  'import-readers-geojson-a': { mutate: ['src/import/readers/geojson.ts:1-149'], tests: ['test/import/readers/geojson-edges.test.ts'], timeoutMS: 10_000 },
  'import-readers-geojson-b': { mutate: ['src/import/readers/geojson.ts:150-398'], tests: ['test/import/readers/geojson-edges.test.ts'], timeoutMS: 10_000 },
  'import-readers-shapefile': { mutate: ['src/import/readers/shapefile.ts'], tests: ['test/import/readers/shapefile.test.ts', 'test/import/readers/shapefile-shapes.test.ts'], timeoutMS: 10_000 },
  // The same file in halves against the in-memory test alone (the files of shapefile.test.ts go
  // through the source resolver and the real samples): ring grouping and record parsing; then the
  // decoders, the WKB writer and the streamed reader. Survivors rechecked against both files.
  'import-readers-shapefile-a': { mutate: ['src/import/readers/shapefile.ts:1-164'], tests: ['test/import/readers/shapefile-shapes.test.ts'], timeoutMS: 10_000 },
  'import-readers-shapefile-b': { mutate: ['src/import/readers/shapefile.ts:165-381'], tests: ['test/import/readers/shapefile-shapes.test.ts'], timeoutMS: 10_000 },
  // The first half again in two (308 mutants were an hour under this session's load): the ring
  // geometry and grouping; the record structure checks.
  'import-readers-shapefile-rings': { mutate: ['src/import/readers/shapefile.ts:37-115'], tests: ['test/import/readers/shapefile-shapes.test.ts'], timeoutMS: 10_000 },
  'import-readers-shapefile-records': { mutate: ['src/import/readers/shapefile.ts:116-164'], tests: ['test/import/readers/shapefile-shapes.test.ts'], timeoutMS: 10_000 },
  'import-readers-gpkg': { mutate: ['src/import/readers/gpkg.ts'], tests: ['test/import/readers/gpkg.test.ts', 'test/import/readers/gpkg-edges.test.ts'], timeoutMS: 10_000 },
  // The same file in halves against the edge test alone (gpkg.test.ts writes 5,000 features with
  // ogr2ogr): the SQLite pages, records and column lists; then the layers, blobs and WKB.
  'import-readers-gpkg-a': { mutate: ['src/import/readers/gpkg.ts:1-232'], tests: ['test/import/readers/gpkg-edges.test.ts'], timeoutMS: 10_000 },
  'import-readers-gpkg-b': { mutate: ['src/import/readers/gpkg.ts:233-436'], tests: ['test/import/readers/gpkg-edges.test.ts'], timeoutMS: 10_000 },
  'fetch-http': { mutate: ['src/fetch/http.ts'], tests: ['test/fetch/http.test.ts', 'test/fetch/http-edges.test.ts'], timeoutMS: 20_000 },
  // The same file against the fast edge test alone (http.test.ts waits a real second and runs a server
  // per file); its survivors are then rechecked against both files (scripts/mutation-recheck.mjs).
  'fetch-http-edges': { mutate: ['src/fetch/http.ts'], tests: ['test/fetch/http-edges.test.ts'], timeoutMS: 10_000 },
  // The database-free parts of the shared mechanisms (a DB-backed test costs 10–60 s per mutant here):
  // problem bodies, paging schema and link URL, the JSON depth bound (input.ts's guards need a route).
  // (problems.ts from line 30: the functions, not the table of titles.) Pure scopes run in ~2 s: a
  // mutant still running after 10 s more is an endless loop (timeoutMS).
  http: { mutate: ['src/http/problems.ts:30-108', 'src/http/paging.ts', 'src/http/input.ts:103-117'], tests: ['test/http/units.test.ts'], timeoutMS: 10_000 },
  // Filters (parameter rules and their SQL) and the layer's SQL, against the pure catalogue test.
  catalog: { mutate: ['src/catalog/filters.ts', 'src/catalog/sql.ts'], tests: ['test/catalog/layer.test.ts', 'test/catalog/filters.test.ts', 'test/catalog/sql.test.ts'] },
  // The same two files side by side, each against its own test and the layer test (a third less per mutant).
  'catalog-filters': { mutate: ['src/catalog/filters.ts'], tests: ['test/catalog/filters.test.ts', 'test/catalog/layer.test.ts'], timeoutMS: 20_000 },
  'catalog-sql': { mutate: ['src/catalog/sql.ts'], tests: ['test/catalog/sql.test.ts', 'test/catalog/layer.test.ts'], timeoutMS: 20_000 },
  // Where a key is taken from, log redaction, the quota syntax and windows.
  auth: { mutate: ['src/auth/credentials.ts', 'src/auth/quota.ts:32-60'], tests: ['test/auth/units.test.ts'], timeoutMS: 10_000 },
  // The progress bar's fraction and the summary; the dataset id of a file.
  import: {
    mutate: ['src/import/progress.ts', 'src/import/dataset-id.ts'],
    tests: ['test/import/progress-output.test.ts', 'test/import/dataset-id.test.ts'],
    timeoutMS: 10_000,
  },
};

const scope = SCOPES[process.env.MUTATION_SCOPE ?? 'geo'];
if (!scope) throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(SCOPES).join(', ')}`);
const pattern = scope.pattern ? ` --test-name-pattern="${scope.pattern}"` : '';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: scope.mutate,
  testRunner: 'command',
  commandRunner: { command: `node --import tsx --test --test-concurrency=1${pattern} ${scope.tests.join(' ')}` },
  // MUTATION_CHECKER=off skips the type checker: on a loaded 2-core machine it costs more per mutant
  // than the tests (each mutant that does not compile is then run, and killed or reported).
  checkers: process.env.MUTATION_CHECKER === 'off' ? [] : ['typescript'],
  // The checker compiles src only (the tests are not mutated): a mutant that breaks a type is not run.
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  concurrency: 1,
  timeoutMS: scope.timeoutMS ?? 60_000,
  coverageAnalysis: 'off',
  // '.stryker-tmp*': the sandboxes of scopes running side by side (--tempDirName) are not copied into each other.
  ignorePatterns: ['data', 'bench/out', 'docs', 'reports', '.stryker-tmp*', '.terroir-cache', '.scratch', 'node_modules/.cache'],
  reporters: ['clear-text', 'json', 'progress-append-only'],
  jsonReporter: { fileName: `reports/mutation/${process.env.MUTATION_SCOPE ?? 'geo'}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
