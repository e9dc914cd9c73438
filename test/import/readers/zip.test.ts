import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openZip } from '../../../src/import/readers/zip.ts';
import { readAll } from '../../../src/import/readers/bytes.ts';
import { tempDir } from '../helpers.ts';

const FIX = new URL('../../fixtures/import/', import.meta.url).pathname;

test('zip members are listed and streamed (several open at once)', async () => {
  const z = await openZip(join(FIX, 'zones-latin1.zip'));
  try {
    assert.deepEqual(z.members.map((m) => m.path).sort(), [
      'Donnees_geographiques/LISEZMOI.txt',
      'Donnees_geographiques/ZONES.DBF',
      'Donnees_geographiques/ZONES.PRJ',
      'Donnees_geographiques/ZONES.SHP',
      'Donnees_geographiques/ZONES.SHX',
    ]);
    const shp = z.members.find((m) => m.path.endsWith('.SHP'))!;
    const prj = z.members.find((m) => m.path.endsWith('.PRJ'))!;
    const [a, b] = await Promise.all([readAll(z.source(shp)), readAll(z.source(prj))]);
    assert.equal(a.length, shp.size);
    assert.equal(a.readInt32BE(0), 9994);
    assert.match(b.toString(), /^PROJCS\["RGF_1993_Lambert_93"/);
  } finally {
    z.close();
  }
});

test('a file that is not a zip is refused with its name', async () => {
  const t = tempDir();
  try {
    writeFileSync(join(t.dir, 'fake.zip'), 'not a zip at all');
    await assert.rejects(openZip(join(t.dir, 'fake.zip')), /fake\.zip: not a readable zip archive/);
  } finally {
    t.cleanup();
  }
});
