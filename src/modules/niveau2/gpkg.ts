/**
 * A GeoPackage writer (OGC 12-128r18) on sql.js, the SQLite of the SQLite project compiled to
 * WebAssembly (maintained, no native build; Node 20 has no node:sqlite). The file is built in memory:
 * an extraction is one territory of one request (a département of ~57,000 parcels a year measured in
 * bench/niveau2.ts), and the bytes go to a zip anyway.
 *
 * Geometries arrive as WKB (little-endian, from PostGIS ST_AsBinary(geom, 'NDR')) with their envelope;
 * each becomes a GeoPackage binary: "GP", version 0, flags (little-endian, envelope [minx, maxx,
 * miny, maxy]), srs_id, envelope, WKB.
 */
import initSqlJs, { type Database as SqlDatabase, type SqlJsStatic } from 'sql.js';

let sqlJs: Promise<SqlJsStatic> | undefined;
const engine = () => (sqlJs ??= initSqlJs());

export interface GpkgColumn {
  name: string;
  type: 'TEXT' | 'INTEGER' | 'REAL' | 'BOOLEAN';
}

export interface GpkgLayer {
  name: string;
  description: string;
  geometryType: 'MULTIPOLYGON';
  columns: GpkgColumn[];
  rows: { values: unknown[]; wkb: Uint8Array; bbox: [number, number, number, number] }[];
}

const WGS84 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]`;

function gpkgGeometry(wkb: Uint8Array, [minx, miny, maxx, maxy]: [number, number, number, number]): Uint8Array {
  const out = new Uint8Array(8 + 32 + wkb.length);
  const v = new DataView(out.buffer);
  out[0] = 0x47; // G
  out[1] = 0x50; // P
  out[2] = 0; // version 1
  out[3] = 0b0000_0011; // little-endian, envelope [minx, maxx, miny, maxy]
  v.setInt32(4, 4326, true);
  v.setFloat64(8, minx, true);
  v.setFloat64(16, maxx, true);
  v.setFloat64(24, miny, true);
  v.setFloat64(32, maxy, true);
  out.set(wkb, 40);
  return out;
}

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

function schema(db: SqlDatabase) {
  db.run(`PRAGMA application_id = 1196444487; PRAGMA user_version = 10200;
    CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
      organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
    CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
      last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
      srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
    CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
      z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
      CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));`);
  db.run(`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
    ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
    ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`, [WGS84]);
}

/** The GeoPackage file holding `layers`, each a feature table `fid` + columns + `geom` in WGS84. */
export async function writeGeoPackage(layers: readonly GpkgLayer[]): Promise<Uint8Array> {
  const SQL = await engine();
  const db = new SQL.Database();
  try {
    schema(db);
    for (const l of layers) {
      const cols = l.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
      db.run(`CREATE TABLE ${quote(l.name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom ${l.geometryType}${cols ? `, ${cols}` : ''})`);
      const box = l.rows.reduce<[number, number, number, number] | null>(
        (b, r) => (b ? [Math.min(b[0], r.bbox[0]), Math.min(b[1], r.bbox[1]), Math.max(b[2], r.bbox[2]), Math.max(b[3], r.bbox[3])] : [...r.bbox]),
        null,
      );
      db.run(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, ?, 4326)`, [
        l.name, l.name, l.description, box?.[0] ?? null, box?.[1] ?? null, box?.[2] ?? null, box?.[3] ?? null,
      ]);
      db.run(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)`, [l.name, l.geometryType]);
      const stmt = db.prepare(`INSERT INTO ${quote(l.name)} (geom${l.columns.map((c) => `, ${quote(c.name)}`).join('')}) VALUES (?${', ?'.repeat(l.columns.length)})`);
      db.run('BEGIN');
      for (const r of l.rows) {
        stmt.run([gpkgGeometry(r.wkb, r.bbox), ...r.values.map((v) => (typeof v === 'boolean' ? Number(v) : (v as number | string | null) ?? null))]);
      }
      db.run('COMMIT');
      stmt.free();
    }
    return db.export();
  } finally {
    db.close();
  }
}
