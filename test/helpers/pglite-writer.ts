// Child process for the crash tests: opens an embedded data directory and writes until killed.
import { openPglite } from '../../src/db/pglite.ts';

const [dir, mode] = process.argv.slice(2);
const db = await openPglite(dir);
await db.exec('CREATE TABLE IF NOT EXISTS crash_probe (i int, g geometry(Point, 4326))');
console.log('ready');
if (mode === 'hold') setInterval(() => {}, 1000);
else
  for (;;) {
    await db.query('INSERT INTO crash_probe SELECT i, ST_SetSRID(ST_MakePoint(i % 180, i % 90), 4326) FROM generate_series(1, 5000) i');
    console.log('wrote');
  }
