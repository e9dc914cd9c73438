import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND } from '../helpers/db.ts';
import { square, cliPlace, type CliPlace } from './helpers.ts';

/**
 * `terroir org|key` as an administrator runs them: creating commands print the new id or key
 * alone on stdout, listings take --json, mistakes are usage errors (exit 2) naming what is wrong
 * (`terroir audit`: cli-audit.test.ts, a file of its own to keep each file short on PGlite).
 */
let place: CliPlace;
before(async () => {
  place = await cliPlace('terroir-cli-auth-');
});
after(async () => place?.drop());

const run = (...args: string[]) => place.run(...args);

test(`${BACKEND}: org add prints the id alone; a unit without contour, a bad kind or SIREN are usage errors`, async () => {
  const geometry = join(place.dir, 'territoire.geojson');
  writeFileSync(geometry, JSON.stringify({ type: 'Feature', properties: {}, geometry: square(-1.6, 47.1, -1.4, 47.3) }));
  const drawn = await run('org', 'add', '--name', 'Syndicat de bassin', '--kind', 'etablissement-public', '--siren', '200067106', '--geometry', geometry);
  assert.equal(drawn.code, 0, drawn.stderr);
  assert.match(drawn.stdout, /^1\n$/);
  const national = await run('org', 'add', '--name', 'Administration centrale', '--kind', 'etat', '--territory', 'france');
  assert.equal(national.stdout, '2\n');
  for (const [args, message] of [
    [['--kind', 'epci', '--territory', 'commune:29158'], /commune 29158 is not a known administrative unit/],
    [['--kind', 'syndic', '--territory', 'france'], /kind: "syndic" is not one of/],
    [['--kind', 'epci', '--siren', '200067107', '--territory', 'france'], /siren: "200067107" is not a SIREN/],
    [['--kind', 'epci', '--territory', 'canton:12'], /is not kind:code/],
    [['--kind', 'epci'], /territory: give units/],
  ] as const) {
    const r = await run('org', 'add', '--name', 'X', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  const list = JSON.parse((await run('org', 'list', '--json')).stdout);
  assert.deepEqual(list.map((o: { id: number; territory: string; national: boolean }) => [o.id, o.territory, o.national]), [[1, 'geometry', false], [2, 'france', true]]);
  assert.ok(list[0].territory_km2 > 300 && list[0].territory_km2 < 400, `${list[0].territory_km2} km²`);
});

test(`${BACKEND}: key issue prints the key alone, once; list shows prefixes only; revoke by prefix`, async () => {
  const issued = await run('key', 'issue', '--org', '1', '--scope', 'cartobio:territoires,admin', '--expires', '2099-12-31', '--quota', '500/day');
  assert.equal(issued.code, 0, issued.stderr);
  const m = /^(trr_([a-z0-9]{8})_[A-Za-z0-9_-]{43})\n$/.exec(issued.stdout);
  assert.ok(m, issued.stdout);
  const [, key, prefix] = m;
  assert.match(issued.stderr, new RegExp(`key trr_${prefix} for organisation 1 \\(admin, cartobio:territoires\\): shown once`));
  const keys = JSON.parse((await run('key', 'list', '--json')).stdout);
  assert.deepEqual([keys[0].prefix, keys[0].scopes, keys[0].quota, keys[0].status, keys[0].expires_at], [prefix, ['admin', 'cartobio:territoires'], '500/day', 'active', '2100-01-01T00:00:00Z']);
  assert.ok(!JSON.stringify(keys).includes(key.slice(14)), 'the secret is never shown again');
  for (const [args, message] of [
    [['--org', '1', '--scope', 'tout'], /unknown scope "tout"/],
    [['--org', '1', '--scope', 'admin', '--expires', '2020-01-01'], /in the past/],
    [['--org', '1', '--scope', 'admin', '--expires', '2026-02-30'], /is not a date/],
    [['--org', '1', '--scope', 'admin', '--quota', '5/week'], /quota/],
    [['--org', '99', '--scope', 'admin'], /no organisation 99/],
    [['--org', 'x', '--scope', 'admin'], /--org "x"/],
  ] as const) {
    const r = await run('key', 'issue', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  const revoked = await run('key', 'revoke', `trr_${prefix}`);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`^revoked trr_${prefix} \\(\\d{4}-`));
  const listed = (await run('key', 'list', '--org', '1')).stdout;
  assert.match(listed, /^prefix\s+organisation\s+organisation_name\s+scopes\s+status/);
  assert.match(listed, new RegExp(`trr_${prefix}\\s+1\\s+Syndicat de bassin\\s+admin,cartobio:territoires\\s+revoked`));
  assert.ok(!listed.includes(key.slice(14)));
  assert.equal((await run('key', 'revoke', 'zzzzzzzz')).code, 2);
  assert.match((await run('key', 'revoke', key)).stderr, /is not a key prefix/, 'the whole key is refused (shell history)');
});
