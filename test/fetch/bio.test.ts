/** `terroir fetch bio`: the RPG bio file of an extent and campaign, from the data.gouv.fr dataset's resource list. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bioDatasetUrl, bioExtent, bioFiles, bioSource, pickBioFile } from '../../src/fetch/sources/bio.ts';
import { findSource } from '../../src/fetch/sources/index.ts';
import { SelectorError } from '../../src/fetch/errors.ts';
import type { DataGouvResource } from '../../src/fetch/sources/inao.ts';
import { sharedPath, skipWithoutShared } from '../helpers/shared.ts';
import { startServer, type FixtureServer } from './server.ts';

const R = (file: string, sha1 = 'a'.repeat(40)): DataGouvResource => ({
  id: file,
  title: file,
  url: `https://static.data.gouv.fr/resources/parcelles-en-agriculture-biologique-ab-declarees-a-la-pac/20211222-161857/${file}`,
  checksum: { type: 'sha1', value: sha1 },
});
const RESOURCES = [R('rpg-bio-2020-r53.shp.zip'), R('rpg-bio-2020-r53.geojson.gz'), R('rpg-bio-2019-r53.shp.zip'), R('rpg-bio-2021-national.geojson.zip'), R('rpg-bio-2021-national.shp.zip'), { id: 'x', url: 'https://github.com/agenceBio/rpg-cli/' }];

describe('bio (RPG bio, data.gouv.fr)', () => {
  test('extent selectors', () => {
    assert.equal(bioExtent(undefined), 'national');
    assert.equal(bioExtent('53'), 'r53');
    assert.equal(bioExtent('R53'), 'r53');
    assert.throws(() => bioExtent('Bretagne'), SelectorError);
  });

  test('the latest campaign of the extent by default, shapefile first; a campaign or format asked', () => {
    const files = bioFiles(RESOURCES);
    assert.equal(files.length, 5, 'the source-code link is not a file');
    assert.equal(pickBioFile(files, 'r53').resource.id, 'rpg-bio-2020-r53.shp.zip');
    assert.equal(pickBioFile(files, 'r53', 2020, 'geojson').resource.id, 'rpg-bio-2020-r53.geojson.gz');
    assert.equal(pickBioFile(files, 'r53', 2019, 'geojson').resource.id, 'rpg-bio-2019-r53.shp.zip', 'only a shapefile that year');
    assert.equal(pickBioFile(files, 'national', undefined, 'geojson').resource.id, 'rpg-bio-2021-national.geojson.zip');
    assert.throws(() => pickBioFile(files, 'r84'), /no file for r84/);
    assert.throws(() => pickBioFile(files, 'r53', 2018), /campaigns: 2020, 2019/);
    assert.equal(findSource('rpg-bio'), bioSource);
  });

  test('every file of the published dataset is recognised', { skip: skipWithoutShared('data', 'bio', 'meta', 'datagouv-dataset.json') }, () => {
    const d = JSON.parse(readFileSync(sharedPath('data', 'bio', 'meta', 'datagouv-dataset.json'), 'utf8')) as { resources: DataGouvResource[] };
    const files = bioFiles(d.resources);
    const data = d.resources.filter((r) => /shp|geojson/i.test(r.format ?? ''));
    assert.equal(files.length, data.length);
    assert.equal(pickBioFile(files, 'national').millesime, Math.max(...files.filter((f) => f.extent === 'national').map((f) => f.millesime)));
  });

  describe('plan, against a stand-in of the data.gouv.fr API', () => {
    let server: FixtureServer;
    before(async () => {
      server = await startServer();
      server.set(new URL(bioDatasetUrl('http://x')).pathname, { body: JSON.stringify({ resources: RESOURCES }), contentType: 'application/json' });
    });
    after(() => server.close());

    test('download with data.gouv.fr sha1, then import as bio.parcelle with the campaign and extent', async () => {
      const plan = await bioSource.plan(['53'], { baseUrl: server.url, http: {}, flags: {}, note: () => {} });
      assert.deepEqual(plan.downloads, [{ url: RESOURCES[0].url, fileName: 'rpg-bio-2020-r53.shp.zip', published: { algorithm: 'sha1', value: 'a'.repeat(40), from: bioDatasetUrl(server.url) } }]);
      const steps = plan.importSteps({ dir: '/d', paths: new Map([['rpg-bio-2020-r53.shp.zip', '/d/rpg-bio-2020-r53.shp.zip']]) });
      assert.deepEqual(steps, [{ layer: 'bio.parcelle', files: ['/d/rpg-bio-2020-r53.shp.zip'], annee: 2020, options: { extent: 'R53' } }]);
      await assert.rejects(bioSource.plan(['53'], { baseUrl: server.url, http: {}, flags: { format: 'kml' }, note: () => {} }), SelectorError);
    });
  });
});
