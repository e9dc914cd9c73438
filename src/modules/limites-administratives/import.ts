import { basename } from 'node:path';
import type { Database } from '../../db/database.ts';
import type { SourceSpec } from '../../catalog/layer.ts';
import type { ImportOptions, ImportSummary } from '../../import/target.ts';
import { ImportError } from '../../import/readers/errors.ts';
import { checksumFiles, resolveSources } from '../../import/sources.ts';
import { prop, text, type SourceFeature } from '../../import/readers/feature.ts';
import { loadContours, type AdminLevel, type ContourFeature } from './contours.ts';
import { loadReference } from './reference.ts';
import pino from 'pino';

/**
 * Where each level's code is in the published files: ADMIN EXPRESS shapefiles/GeoPackage
 * (INSEE_COM, INSEE_DEP, INSEE_REG, CODE_SIREN; 4.x editions write them in lower case: any case
 * matches), Etalab/france-geojson (`code`), OpenDataSoft georef (`epci_code`, an array). The one
 * table of these fields: `terroir import` and `terroir fetch --import` both load through contourSource().
 */
const CODE_FIELDS: Record<AdminLevel, string[]> = {
  commune: ['INSEE_COM', 'code_insee', 'code', 'insee'],
  epci: ['CODE_SIREN', 'SIREN_EPCI', 'code_siren', 'epci_code', 'code'],
  departement: ['INSEE_DEP', 'code_insee', 'code'],
  region: ['INSEE_REG', 'code_insee', 'code'],
};

function codeOf(level: AdminLevel, f: SourceFeature): string | null {
  const v = prop(f, ...CODE_FIELDS[level]);
  return text(Array.isArray(v) ? v[0] : v);
}

/**
 * Contours are not rows of their own: they set the geometry of the units the package loaded
 * (loadContours), so the source loads its files itself, through the engine's readers, and PostGIS
 * reprojects from the source CRS (.prj, GeoJSON `crs` or --srid). `--option edition=` names the
 * source (the dataset id; default the file name), `--option date=` its vintage: what `terroir fetch
 * admin-express --import` passes.
 */
export function contourSource(level: AdminLevel): SourceSpec {
  const layer = `limites-administratives.${level}`;
  const match = new RegExp(`^${level === 'epci' ? 'EPCI' : level.toUpperCase()}\\.`, 'i');
  const producer = 'IGN (ADMIN EXPRESS)';
  const licence = 'Licence Ouverte 2.0';
  return {
    table: `limites_${level}`,
    geometryOnly: true,
    title: `Contours: ${level}`,
    formats: ['ADMIN EXPRESS shapefile / GeoPackage', 'GeoJSON with a code property'],
    datasetId: (ctx) => `${layer}:${basename(ctx.file)}`,
    producer,
    licence,
    match,
    async importSource(db: Database, files: string[], opts: ImportOptions): Promise<ImportSummary[]> {
      const t0 = performance.now();
      // Contours attach to the units of the reference package: load it first on a database that has
      // never been served (a no-op taking milliseconds otherwise).
      await loadReference(db, pino({ level: 'warn' }));
      const resolved = await resolveSources(files, { entry: opts.entry, match: files.some((f) => /\.(zip|gpkg)$/i.test(f)) ? match : undefined });
      const summaries: ImportSummary[] = [];
      try {
        for (const source of resolved.sources) {
          const opened = await source.open(db, { encoding: opts.encoding });
          // A GeoJSON's `crs` is known only once reading has started: loadContours uses the CRS after
          // its COPY, so the meta object is completed while the features stream.
          const sridNow = () => opts.srid ?? opened.srid() ?? 4326;
          const sums = await checksumFiles(source.files);
          const meta = {
            source: opts.options?.edition ?? basename(source.label),
            producer: opts.producer ?? producer,
            licence: opts.licence ?? licence,
            vintage: opts.vintage ?? opts.options?.date ?? null,
            geometrySrid: sridNow(),
            sourceSrid: sridNow(),
            checksum: sums.checksum,
            synthetic: opts.synthetic,
          };
          // A feature without a code is handed on with an empty one: loadContours counts it as refused.
          async function* contours(): AsyncGenerator<ContourFeature> {
            for await (const f of opened.features) {
              meta.geometrySrid = meta.sourceSrid = sridNow();
              yield { code: codeOf(level, f) ?? '', geometry: f.geometry as ContourFeature['geometry'] };
            }
          }
          const r = await loadContours(db, level, contours(), meta);
          const srid = meta.geometrySrid;
          if (opts.strict && r.rejectedCount) throw new ImportError(`${r.rejectedCount} contour(s) refused (--strict): ${r.rejected[0]?.reason}`, source.label);
          summaries.push({
            layer,
            table: `limites_${level}`,
            datasets: [{ id: r.datasetId, features: r.updated, replaced: 0, checksum: sums.checksum ?? undefined }],
            files: [{ file: source.label, format: source.format, srid, crs: opened.crsNote(), encoding: opened.encoding(), features: r.received }],
            read: r.received,
            // Every feature read, once: loaded under its code, merged into the commune that absorbed
            // it (a contour published before a merger), or rejected; `datasets[0].features` counts the units.
            loaded: r.loaded,
            repaired: r.repaired,
            merged: r.merged,
            merges: r.merges.map((m) => ({ file: source.label, feature: 0, reason: `${m.code} merged into ${level} ${m.into} (it absorbed ${m.code}: both contours make ${m.into}'s)` })),
            rejected: r.rejectedCount + r.unmatchedCount,
            repairs: [],
            rejections: [
              ...r.rejected.map((x) => ({ file: source.label, feature: 0, reason: `${x.code ?? '?'}: ${x.reason}` })),
              ...r.unmatched.map((c) => ({ file: source.label, feature: 0, reason: `${c}: no such ${level} in the loaded reference` })),
            ],
            replaced: 0,
            seconds: (performance.now() - t0) / 1000,
            timings: {},
          });
        }
      } finally {
        resolved.close();
      }
      return summaries;
    },
  };
}
