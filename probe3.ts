import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
const t0=Date.now();
const db = await PGlite.create({ dataDir: '/tmp/pgl-probe', extensions: { postgis } });
console.log('opened', Date.now()-t0, (await db.query('select count(*) from t')).rows);
await db.close();
