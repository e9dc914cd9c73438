import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadFile, parseContentRange } from '../../src/fetch/download.ts';
import { ChecksumError, HttpStatusError, RetriesExhaustedError } from '../../src/fetch/errors.ts';
import { Manifest, MANIFEST_NAME } from '../../src/fetch/manifest.ts';
import type { HttpOptions } from '../../src/fetch/http.ts';
import { startServer, type FixtureServer } from './server.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
// Big enough to arrive in several chunks, so "half-way" is really mid-body.
const BODY = randomBytes(300_000);
const BODY_V2 = randomBytes(200_000);
const PATH = '/data/file.bin';

let server: FixtureServer;
let dir: string;
let retries: { url: string; attempt: number; reason: string }[];
const http = (attempts = 4): HttpOptions => ({
  retry: { attempts, baseDelayMs: 1, maxDelayMs: 5 },
  onRetry: (r) => retries.push(r),
});
const get = (o: Partial<Parameters<typeof downloadFile>[0]> = {}) =>
  downloadFile({ url: `${server.url}${PATH}`, dir, fileName: 'file.bin', manifest: new Manifest(dir), http: http(), ...o });

before(async () => {
  server = await startServer();
});
after(async () => {
  await server.close();
});
const dirs: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'terroir-fetch-'));
  dirs.push(dir);
  server.requests.length = 0;
  retries = [];
  server.set(PATH, { body: BODY });
});

describe('a first download', () => {
  test('writes the file, records sha256 and validators in the manifest, leaves no partial file', async () => {
    const r = await get();
    assert.equal(r.status, 'new');
    assert.equal(r.sha256, sha256(BODY));
    assert.equal(r.size, BODY.length);
    assert.equal(r.transferred, BODY.length);
    assert.deepEqual(readFileSync(join(dir, 'file.bin')), BODY);
    assert.ok(!existsSync(join(dir, 'file.bin.part')));
    assert.ok(!existsSync(join(dir, 'file.bin.part.json')));
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8'));
    const e = m.files['file.bin'];
    assert.equal(e.sha256, sha256(BODY));
    assert.equal(e.size, BODY.length);
    assert.equal(e.url, `${server.url}${PATH}`);
    assert.match(e.etag, /^".+"$/);
    assert.equal(e.lastModified, 'Wed, 24 Sep 2025 08:00:00 GMT');
    assert.equal(server.hits(PATH)[0].headers['accept-encoding'], 'identity');
  });
});

describe('re-runs', () => {
  test('304: an unchanged file is not downloaded again (If-None-Match / If-Modified-Since sent)', async () => {
    await get();
    const before = statSync(join(dir, 'file.bin')).mtimeMs;
    server.requests.length = 0;
    const r = await get();
    assert.equal(r.status, 'unchanged');
    assert.equal(r.transferred, 0);
    assert.equal(r.sha256, sha256(BODY));
    const [req] = server.hits(PATH);
    assert.equal(req.status, 304);
    assert.match(String(req.headers['if-none-match']), /^".+"$/);
    assert.equal(req.headers['if-modified-since'], 'Wed, 24 Sep 2025 08:00:00 GMT');
    assert.equal(statSync(join(dir, 'file.bin')).mtimeMs, before);
  });

  test('304 on Last-Modified alone when the server gives no ETag', async () => {
    server.set(PATH, { body: BODY, etag: null });
    await get();
    server.requests.length = 0;
    const r = await get();
    assert.equal(r.status, 'unchanged');
    assert.equal(server.hits(PATH)[0].headers['if-none-match'], undefined);
    assert.equal(server.hits(PATH)[0].status, 304);
  });

  test('a changed file on the server replaces the old one', async () => {
    await get();
    server.set(PATH, { body: BODY_V2, lastModified: 'Thu, 01 Jan 2026 00:00:00 GMT' });
    const r = await get();
    assert.equal(r.status, 'updated');
    assert.equal(r.sha256, sha256(BODY_V2));
    assert.deepEqual(readFileSync(join(dir, 'file.bin')), BODY_V2);
    assert.equal(new Manifest(dir).get('file.bin')!.sha256, sha256(BODY_V2));
  });

  test('without validators the file is fetched again and recognised as unchanged by its sha256', async () => {
    server.set(PATH, { body: BODY, etag: null, lastModified: null });
    await get();
    const r = await get();
    assert.equal(r.status, 'unchanged');
    assert.equal(r.transferred, BODY.length);
    assert.equal(server.hits(PATH).length, 2);
  });

  test('a local file that no longer matches the manifest is downloaded again, unconditionally', async () => {
    await get();
    writeFileSync(join(dir, 'file.bin'), Buffer.concat([BODY.subarray(0, 1000), Buffer.from('tampered')]));
    server.requests.length = 0;
    const r = await get();
    assert.equal(r.sha256, sha256(BODY));
    assert.equal(server.hits(PATH)[0].headers['if-none-match'], undefined);
    assert.equal(server.hits(PATH)[0].status, 200);
    assert.deepEqual(readFileSync(join(dir, 'file.bin')), BODY);
  });
});

describe('resume', () => {
  test('a connection dropped half-way is resumed with Range + If-Range and the sha256 matches', async () => {
    server.set(PATH, { body: BODY, dropAfter: 150_000, dropTimes: 1 });
    const r = await get({ published: { algorithm: 'md5', value: md5(BODY), from: 'test' } });
    assert.equal(r.sha256, sha256(BODY));
    assert.equal(r.resumed, true);
    assert.deepEqual(readFileSync(join(dir, 'file.bin')), BODY);
    const hits = server.hits(PATH);
    assert.equal(hits.length, 2);
    assert.equal(hits[0].headers.range, undefined);
    const range = /^bytes=(\d+)-$/.exec(String(hits[1].headers.range));
    assert.ok(range, `second request asks for a range, got ${hits[1].headers.range}`);
    assert.ok(Number(range[1]) > 0 && Number(range[1]) <= 150_000);
    assert.match(String(hits[1].headers['if-range']), /^".+"$/);
    assert.equal(hits[1].status, 206);
    assert.ok(r.transferred < BODY.length + 150_000);
    assert.equal(retries.length, 1);
  });

  test('an interrupted run leaves a .part file that the next run continues', async () => {
    server.set(PATH, { body: BODY, dropAfter: 100_000, dropTimes: 1 });
    await assert.rejects(get({ http: http(1) }), RetriesExhaustedError);
    const part = join(dir, 'file.bin.part');
    assert.ok(existsSync(part));
    const kept = statSync(part).size;
    assert.ok(kept > 0 && kept <= 100_000, `kept ${kept} bytes`);
    assert.ok(!existsSync(join(dir, 'file.bin')), 'nothing under the final name');
    server.requests.length = 0;
    const r = await get();
    assert.equal(r.resumed, true);
    assert.equal(r.transferred, BODY.length - kept);
    assert.equal(r.sha256, sha256(BODY));
    assert.equal(server.hits(PATH)[0].headers.range, `bytes=${kept}-`);
  });

  test('a partial file of an older version is restarted when If-Range sees the change', async () => {
    server.set(PATH, { body: BODY, dropAfter: 100_000, dropTimes: 1 });
    await assert.rejects(get({ http: http(1) }), RetriesExhaustedError);
    server.set(PATH, { body: BODY_V2, lastModified: 'Thu, 01 Jan 2026 00:00:00 GMT' });
    server.requests.length = 0;
    const r = await get();
    assert.equal(server.hits(PATH)[0].status, 200, 'the server ignored the stale range');
    assert.equal(r.resumed, false);
    assert.equal(r.sha256, sha256(BODY_V2));
    assert.deepEqual(readFileSync(join(dir, 'file.bin')), BODY_V2);
  });

  test('a server that ignores Range sends the whole file again and the result is still right', async () => {
    server.set(PATH, { body: BODY, dropAfter: 120_000, dropTimes: 1, noRange: true });
    const r = await get();
    assert.equal(r.sha256, sha256(BODY));
    assert.equal(server.hits(PATH)[1].status, 200);
  });

  test('a partial file that is already complete (416) is finished without more bytes', async () => {
    writeFileSync(join(dir, 'file.bin.part'), BODY);
    const etag = (await fetch(`${server.url}${PATH}`).then((r) => r.headers.get('etag')))!;
    writeFileSync(join(dir, 'file.bin.part.json'), JSON.stringify({ url: `${server.url}${PATH}`, etag }));
    server.requests.length = 0;
    const r = await get();
    assert.equal(server.hits(PATH)[0].status, 416);
    assert.equal(r.transferred, 0);
    assert.equal(r.sha256, sha256(BODY));
  });
});

describe('checksums', () => {
  test('a mismatch with the published checksum is a clear error and nothing is kept as complete', async () => {
    const wrong = md5(Buffer.from('something else'));
    await assert.rejects(get({ published: { algorithm: 'md5', value: wrong, from: `${server.url}/data/file.bin.md5` } }), (e: unknown) => {
      assert.ok(e instanceof ChecksumError);
      assert.match(e.message, /checksum mismatch for file\.bin/);
      assert.ok(e.message.includes(`${server.url}${PATH}`), 'names the URL');
      assert.ok(e.message.includes(wrong), 'gives the expected digest');
      assert.ok(e.message.includes(md5(BODY)), 'gives the actual digest');
      assert.ok(e.message.includes(`${server.url}/data/file.bin.md5`), 'says where the checksum was published');
      return true;
    });
    assert.ok(!existsSync(join(dir, 'file.bin')));
    assert.ok(!existsSync(join(dir, 'file.bin.part')));
    assert.equal(new Manifest(dir).get('file.bin'), undefined);
  });

  test('a mismatch on an update keeps the previous good file and its manifest entry', async () => {
    await get();
    server.set(PATH, { body: BODY_V2, lastModified: 'Thu, 01 Jan 2026 00:00:00 GMT' });
    await assert.rejects(get({ published: { algorithm: 'sha256', value: sha256(Buffer.from('x')), from: 'api' } }), ChecksumError);
    assert.deepEqual(readFileSync(join(dir, 'file.bin')), BODY);
    assert.equal(new Manifest(dir).get('file.bin')!.sha256, sha256(BODY));
  });

  test('a matching sha1 (data.gouv.fr) is recorded as verified', async () => {
    const sha1 = createHash('sha1').update(BODY).digest('hex');
    const r = await get({ published: { algorithm: 'sha1', value: sha1.toUpperCase(), from: 'api' } });
    assert.equal(r.verified?.algorithm, 'sha1');
    assert.equal(new Manifest(dir).get('file.bin')!.verified?.value, sha1.toUpperCase());
  });
});

describe('errors and retries', () => {
  test('404 is an error naming the URL, not retried', async () => {
    const url = `${server.url}/data/absent.bin`;
    await assert.rejects(downloadFile({ url, dir, fileName: 'absent.bin', manifest: new Manifest(dir), http: http() }), (e: unknown) => {
      assert.ok(e instanceof HttpStatusError);
      assert.equal(e.status, 404);
      assert.ok(e.message.includes(url), e.message);
      return true;
    });
    assert.equal(server.hits('/data/absent.bin').length, 1);
    assert.ok(!existsSync(join(dir, 'absent.bin')));
    assert.ok(!existsSync(join(dir, 'absent.bin.part')));
  });

  test('503 twice, then success', async () => {
    server.set(PATH, { body: BODY, failTimes: 2, retryAfter: '0' });
    const r = await get();
    assert.equal(r.sha256, sha256(BODY));
    assert.deepEqual(
      server.hits(PATH).map((h) => h.status),
      [503, 503, 200],
    );
    assert.equal(retries.length, 2);
    assert.match(retries[0].reason, /503/);
  });

  test('a server that stays down exhausts the retries with the URL and the last error', async () => {
    server.set(PATH, { body: BODY, failTimes: 100 });
    await assert.rejects(get({ http: http(3) }), (e: unknown) => {
      assert.ok(e instanceof RetriesExhaustedError);
      assert.match(e.message, /after 3 attempts: HTTP 503/);
      assert.ok(e.message.includes(`${server.url}${PATH}`));
      return true;
    });
    assert.equal(server.hits(PATH).length, 3);
  });

  test('a refused connection is retried then reported', async () => {
    const closed = await startServer();
    const url = `${closed.url}/x`;
    await closed.close();
    await assert.rejects(
      downloadFile({ url, dir, fileName: 'x', manifest: new Manifest(dir), http: http(2) }),
      (e: unknown) => e instanceof RetriesExhaustedError && e.message.includes(url) && /ECONNREFUSED/.test(e.message),
    );
    assert.equal(retries.length, 1);
  });
});

test('Content-Range parsing', () => {
  assert.deepEqual(parseContentRange('bytes 100-299/300'), { start: 100, end: 299, total: 300 });
  assert.deepEqual(parseContentRange('bytes 0-9/*'), { start: 0, end: 9, total: undefined });
  assert.deepEqual(parseContentRange('bytes */300'), { unsatisfied: 300 });
  assert.equal(parseContentRange('items 1-2/3'), null);
  assert.equal(parseContentRange(null), null);
});

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
