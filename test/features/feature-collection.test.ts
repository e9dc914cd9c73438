/**
 * Paging links, both sides of each boundary, with expected hrefs written out (never computed with the
 * formula under test): `prev` is clamped at 0 when `_start` is less than a page, `next` appears only
 * while features remain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagingLinks, withStart } from '../../src/features/feature-collection.ts';

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
