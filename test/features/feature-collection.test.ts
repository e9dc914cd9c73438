/**
 * Paging links, both sides of each boundary, with expected hrefs written out (never computed with the
 * formula under test): `prev` is clamped at 0 when `_start` is less than a page, `next` appears only
 * while features remain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureCollection, pagingLinks, SYNTHETIC_NOTICE, withStart } from '../../src/features/feature-collection.ts';

const URL_ = 'http://localhost/api/rpg/v2?annee=2021&_limit=10';
const links = (start: number, returned: number, matched: number, limit = 10) =>
  pagingLinks(() => new URL(`${URL_}&_start=${start}`), start, returned, matched, limit).map((l) => `${l.rel} ${l.href}`);
const at = (start: number) => `http://localhost/api/rpg/v2?annee=2021&_limit=10&_start=${start}`;

test('prev is clamped at 0 when _start is less than a page, never negative', () => {
  assert.deepEqual(links(3, 7, 10), [`prev ${at(0)}`]);
  assert.deepEqual(links(1, 9, 10), [`prev ${at(0)}`]);
  assert.deepEqual(links(9, 1, 10), [`prev ${at(0)}`]);
});

test('prev at exactly one page goes to 0; one more goes to 1; far pages go back one page', () => {
  assert.deepEqual(links(10, 0, 10), [`prev ${at(0)}`]);
  assert.deepEqual(links(11, 0, 10), [`prev ${at(1)}`]);
  assert.deepEqual(links(25, 5, 30), [`prev ${at(15)}`]);
});

test('next only while features remain past this page; no link on a single first page', () => {
  assert.deepEqual(links(0, 10, 11), [`next ${at(10)}`]);
  assert.deepEqual(links(0, 10, 10), []);
  assert.deepEqual(links(0, 3, 3), []);
  assert.deepEqual(links(5, 10, 16), [`next ${at(15)}`, `prev ${at(0)}`]);
  assert.deepEqual(links(5, 10, 15), [`prev ${at(0)}`]);
});

test('the request URL is parsed only when a link is made', () => {
  let calls = 0;
  pagingLinks(() => (calls++, new URL(URL_)), 0, 3, 3, 10);
  assert.equal(calls, 0);
  pagingLinks(() => (calls++, new URL(URL_)), 0, 3, 4, 10);
  assert.equal(calls, 1);
});

test('withStart replaces _start and keeps the other parameters in place', () => {
  assert.equal(withStart(new URL('http://h/p?a=1&_start=5&b=2'), 0), 'http://h/p?a=1&_start=0&b=2');
  assert.equal(withStart(new URL('http://h/p?a=1'), 20), 'http://h/p?a=1&_start=20');
});

const page = (features: string[], matched: number, bbox: [number, number, number, number] | null, synthetic?: boolean) => ({ features, matched, bbox, synthetic });
const F1 = '{"type":"Feature","id":"lieu.1","geometry":null,"properties":{}}';
const F2 = '{"type":"Feature","id":"lieu.2","geometry":null,"properties":{"a":1}}';

test('featureCollection: the reference envelope, keys in order, features spliced as given', () => {
  const out = featureCollection(page([F1, F2], 7, [-4.4, 47.8, -4.3, 47.85]), [{ href: 'http://h/p?_start=2', rel: 'next', type: 'application/json', title: 'next page' }]);
  const body = JSON.parse(out);
  assert.deepEqual(Object.keys(body), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs', 'bbox', 'links']);
  assert.equal(body.type, 'FeatureCollection');
  assert.deepEqual(body.features, [JSON.parse(F1), JSON.parse(F2)]);
  assert.ok(out.includes(`[${F1},${F2}]`), 'features are the text PostGIS made');
  assert.equal(body.totalFeatures, 7);
  assert.equal(body.numberMatched, 7);
  assert.equal(body.numberReturned, 2);
  assert.match(body.timeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(body.timeStamp) - Date.now()) < 60_000, 'the answer’s own time');
  assert.deepEqual(body.crs, { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4326' } });
  assert.deepEqual(body.bbox, [-4.4, 47.8, -4.3, 47.85]);
  assert.deepEqual(body.links, [{ href: 'http://h/p?_start=2', rel: 'next', type: 'application/json', title: 'next page' }]);
});

test('featureCollection: an empty page has crs null, no bbox and no links; real data has no synthetic member', () => {
  const body = JSON.parse(featureCollection(page([], 0, null), []));
  assert.deepEqual(body.features, []);
  assert.equal(body.crs, null);
  assert.equal(body.numberReturned, 0);
  assert.deepEqual(Object.keys(body), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs']);
  // Past the last page: nothing returned, the total still told.
  const past = JSON.parse(featureCollection(page([], 12, null), []));
  assert.equal(past.totalFeatures, 12);
  assert.equal(past.numberReturned, 0);
});

test('featureCollection: synthetic data says so after the reference members, then the extra members', () => {
  const body = JSON.parse(featureCollection(page([F1], 1, [0, 0, 1, 1], true), [], { featureType: 'zone-urba', n: 2 }));
  assert.deepEqual(Object.keys(body), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs', 'bbox', 'synthetic', 'notice', 'featureType', 'n']);
  assert.equal(body.synthetic, true);
  assert.equal(body.notice, SYNTHETIC_NOTICE);
  assert.match(body.notice, /^SYNTHETIC data generated by `terroir demo`/);
  assert.equal(body.featureType, 'zone-urba');
  assert.equal(body.n, 2);
  const real = JSON.parse(featureCollection(page([F1], 1, [0, 0, 1, 1], false), []));
  assert.equal('synthetic' in real || 'notice' in real, false);
});

test('each link is a whole JSON link object: href, rel, type and title', () => {
  assert.deepEqual(pagingLinks(() => new URL(`${URL_}&_start=20`), 20, 10, 50, 10), [
    { href: at(30), rel: 'next', type: 'application/json', title: 'next page' },
    { href: at(10), rel: 'prev', type: 'application/json', title: 'previous page' },
  ]);
});
