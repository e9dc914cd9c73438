import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
const db = await PGlite.create({ dataDir: '/tmp/pgl-probe', extensions: { postgis } });
await db.exec('create table if not exists t(i int, g geometry)');
console.log('ready'); 
for (let k=0;;k++) { await db.exec(`insert into t select g, ST_MakePoint(g,g) from generate_series(1,20000) g`); console.log('ins', k); }
