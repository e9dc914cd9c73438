import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND } from '../helpers/db.ts';
import { emptyPlace, startServer, type Place } from './helpers.ts';

/**
 * `npm start` on an empty database: the real `terroir serve` process generates the default demo
 * territory before listening, then answers with it; a second start regenerates nothing.
 */
let place: Place;
before(async () => {
  place = await emptyPlace();
});
after(async () => place?.drop());

const box = (x: number, y: number, d: number) =>
  encodeURIComponent(JSON.stringify({ type: 'Polygon', coordinates: [[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]] }));

test(`${BACKEND}: a first start generates the demo territory and answers with it; a later start regenerates nothing`, { timeout: 600_000 }, async () => {
  const first = await startServer(place);
  let communes: { features: { properties: { code_insee: string; nom_com: string } }[]; bbox: number[] };
  try {
    const msgs = first.log().map((l) => l.msg);
    assert.ok(msgs.includes('no data yet: generating the synthetic demo territory (terroir demo, docs/demo.md)'), JSON.stringify(msgs));
    const ready = first.log().find((l) => l.msg === 'demo territory ready (SYNTHETIC data: synthetic = true in terroir_dataset and /api/datasets)');
    assert.ok(ready, 'the demo was generated');
    assert.deepEqual(ready.missing, []);
    const res = await fetch(`${first.url}/api/cadastre/commune?_limit=50`);
    assert.equal(res.status, 200);
    communes = await res.json();
    assert.equal(communes.features.length, 12, 'the default territory has 12 communes');
    assert.ok(communes.features.every((f) => /^47[5-9]\d\d$/.test(f.properties.code_insee) && f.properties.nom_com));
    assert.equal((communes as unknown as { synthetic: boolean }).synthetic, true, 'the answer says its data are synthetic');
    // RPG of the last default campaign around the territory's centre.
    const [x0, y0, x1, y1] = communes.bbox;
    const rpg = await (await fetch(`${first.url}/api/rpg/v2?annee=2023&geom=${box((x0 + x1) / 2, (y0 + y1) / 2, 0.01)}`)).json();
    assert.ok(rpg.features.length > 0, 'RPG 2023 parcels at the centre');
    assert.ok(rpg.features.every((f: { properties: { code_cultu: string } }) => /^[A-Z0-9]{3}$/.test(f.properties.code_cultu)));
  } finally {
    assert.equal(await first.stop(), 0, 'clean shutdown');
  }
  const second = await startServer(place);
  try {
    const msgs = second.log().map((l) => l.msg);
    assert.ok(!msgs.some((m) => /generating the synthetic demo/.test(String(m))), 'nothing regenerated');
    assert.ok(second.readyMs < first.readyMs, `later start ${Math.round(second.readyMs)} ms, first ${Math.round(first.readyMs)} ms`);
    const res = await (await fetch(`${second.url}/api/cadastre/commune?code_insee=${communes.features[0].properties.code_insee}`)).json();
    assert.equal(res.features.length, 1);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});

test(`${BACKEND}: with TERROIR_DEMO=off a first start stays empty (a production deployment)`, { timeout: 300_000 }, async () => {
  const empty = await emptyPlace();
  try {
    const server = await startServer({ ...empty, env: { ...empty.env, TERROIR_DEMO: 'off' } });
    try {
      assert.ok(!server.log().some((l) => /generating the synthetic demo/.test(String(l.msg))), 'no demo generated');
      // The administrative units (real, from @etalab/decoupage-administratif) load; nothing synthetic does.
      const synthetic = await (await fetch(`${server.url}/api/datasets?synthetic=true`)).json();
      assert.deepEqual(synthetic, [], 'no synthetic dataset');
      const communes = await (await fetch(`${server.url}/api/cadastre/commune?_limit=5`)).json();
      assert.equal(communes.totalFeatures, 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await empty.drop();
  }
});
