import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND } from '../helpers/db.ts';
import { emptyPlace, terroir, type Place } from './helpers.ts';
import { parseAnnees, resolveParams } from '../../src/demo/params.ts';

let place: Place;
before(async () => {
  place = await emptyPlace();
});
after(async () => place?.drop());

test('every option of terroir demo refuses bad input with a usage error naming it (exit 2, before touching the database)', async () => {
  const cases: [string[], RegExp][] = [
    [['--size', 'region'], /--size "region": expected default or departement/],
    [['--seed', 'abc'], /--seed "abc": expected a non-negative integer/],
    [['--seed', '-3'], /--seed|Unknown option|ambiguous/i],
    [['--seed', '99999999999'], /--seed|expected/],
    [['--communes', '0'], /--communes 0: expected an integer between 1 and 499/],
    [['--communes', '600'], /--communes 600: expected an integer between 1 and 499/],
    [['--communes', '2.5'], /--communes "2.5": expected a non-negative integer/],
    [['--annees', '2030'], /--annees 2030: campaigns 2010–2025 only/],
    [['--annees', '2022-2018'], /--annees 2022-2018: the first year is after the last/],
    [['--annees', 'toutes'], /--annees "toutes": expected YYYY or YYYY-YYYY/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const r = await terroir(['demo', ...args, ...place.args], place.env);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
  const help = await terroir(['demo', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /terroir demo \[--seed N\] \[--communes K\] \[--annees 2017-2023\] \[--size default\|departement\]/);
});

test('parameters: presets, ranges and campaign lists', () => {
  assert.equal(resolveParams().communes, 12);
  assert.equal(resolveParams({ size: 'departement' }).communes, 300);
  assert.deepEqual(resolveParams().annees, [2017, 2018, 2019, 2020, 2021, 2022, 2023]);
  assert.deepEqual(parseAnnees('2014-2016'), [2014, 2015, 2016]);
  assert.deepEqual(parseAnnees(' 2019 '), [2019]);
  assert.throws(() => resolveParams({ seed: -1 }), /--seed -1/);
  assert.throws(() => resolveParams({ annees: [2017, 2019] }), /consecutive/);
  assert.throws(() => resolveParams({ size: 'x' as never }), /--size/);
});

test(`${BACKEND}: terroir demo generates, reports, is reproducible from the command line, and --remove removes it`, async () => {
  const args = ['demo', '--seed', '3', '--communes', '2', '--annees', '2021-2022', '--checksum', ...place.args];
  const first = await terroir(args, place.env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /demo territory \(SYNTHETIC\) seed 3, size default: 2 communes in 1 EPCI/);
  assert.match(first.stdout, /rpg\.parcelle\s+\d+ features\s+2 imports/);
  assert.match(first.stdout, /cadastre\.parcelle\s+\d+ features\s+2 imports/);
  assert.doesNotMatch(first.stdout, /not loaded/);
  const sum = /checksum ([0-9a-f]{32})/.exec(first.stdout)?.[1];
  assert.ok(sum, first.stdout);
  const second = await terroir(args, place.env);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(/checksum ([0-9a-f]{32})/.exec(second.stdout)?.[1], sum, 'same options, same database');
  const removed = await terroir(['demo', '--remove', ...place.args], place.env);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /removed \d+ synthetic demo datasets/);
  const again = await terroir(['demo', '--remove', ...place.args], place.env);
  assert.match(again.stdout, /no demo datasets to remove/);
});
