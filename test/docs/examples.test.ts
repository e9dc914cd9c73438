/**
 * The examples of the documentation work as written, so that they cannot rot.
 *
 * URLs: every `http://localhost:3000/…` of README.md and of every docs/*.md is requested from the
 * service on a database holding the default demo territory (what `npm start` serves). A `curl` line
 * is replayed as written (method, headers, body; continued lines joined); any other URL on a line (an
 * answer's `links`, prose) is a GET. It must answer 2xx with a body, and a GeoJSON collection must
 * hold features, unless the line documents otherwise:
 *   `# → 400` (or any status): that status is the answer (a problem+json for 4xx);
 *   `# → 200 empty`: a 200 whose collection is empty (a campaign the demo does not have);
 *   `needs: terroir import <layer>`: it needs real data, so it is only checked to be a valid request
 *   (not a 400).
 * URLs with an ellipsis (`geom=…`) or a placeholder (`<id>`, `{code}`) are prose, not examples.
 *
 * Commands: every command line of the README's `sh` blocks runs in a fresh clone as written: `npm`,
 * `curl`, `git`, `cd`, or `node bin/terroir.js <command>` whose command and flags exist (checked
 * without running it, `checkCommandLine`); a bare `terroir …` (on the PATH only after `npm link`)
 * fails. The `terroir …` lines of docs/*.md are checked the same way (command and flags exist).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { testApp, type TestApp } from '../helpers/app.ts';
import { generateDemo } from '../../src/demo/index.ts';
import { checkCommandLine } from '../../src/cli.ts';
import { MODULES } from '../../src/modules/index.ts';
import pino from 'pino';

const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

interface Example {
  file: string;
  line: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  status?: number;
  empty?: boolean;
  needs?: string;
}

/** Lines ending in `\` joined to the next, each logical line with the number of its first line. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let cur: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    if (cur) cur.text += ' ' + raw.trim();
    else cur = { line: i + 1, text: raw };
    if (/\\\s*$/.test(raw)) cur.text = cur.text.replace(/\\\s*$/, '');
    else {
      out.push(cur);
      cur = undefined;
    }
  });
  if (cur) out.push(cur);
  return out;
}

/** Shell words of a command line (single and double quotes, `#` comments), enough for the docs' commands. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && /["\\$`]/.test(line[i + 1] ?? '')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

const URL_RE = /https?:\/\/localhost:3000(\/[^\s'"`)<>\]]*)?/g;
const isProse = (path: string) => path.includes('…') || /[<{]/.test(path);

/** A `curl` command line as a request (undefined when it targets no local URL). */
function curlRequest(words: string[]): Omit<Example, 'file' | 'line'> | undefined {
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = { accept: 'application/json' };
  for (let i = words.indexOf('curl') + 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-X' || w === '--request') method = words[++i];
    else if (w === '-H' || w === '--header') {
      const [k, ...v] = words[++i].split(':');
      headers[k.trim().toLowerCase()] = v.join(':').trim();
    } else if (w === '-d' || w === '--data' || w === '--data-raw' || w === '--data-binary') body = words[++i];
    else if (w === '-o' || w === '--output') i++;
    else if (/^https?:\/\/localhost:3000/.test(w)) url = w;
  }
  if (!url) return undefined;
  return { method: method ?? (body !== undefined ? 'POST' : 'GET'), path: url.replace(/^https?:\/\/localhost:3000/, '') || '/', headers, body };
}

export function examples(file: string, text: string): Example[] {
  const out: Example[] = [];
  for (const { line, text: l } of logicalLines(text)) {
    const status = /#\s*→\s*(\d{3})/.exec(l);
    const marks = {
      status: status ? Number(status[1]) : undefined,
      empty: /#\s*→\s*200 empty/.test(l),
      needs: /needs: (terroir [a-z]+ [^\s`)]+)/.exec(l)?.[1],
    };
    const seen = new Set<string>();
    const curlAt = l.search(/(^|[\s$`])curl\s/);
    if (curlAt >= 0) {
      const req = curlRequest(shellWords(l.slice(curlAt).replace(/^[\s$`]/, '')));
      if (req && !isProse(req.path) && !req.body?.startsWith('@')) {
        out.push({ file, line, ...req, ...marks });
        seen.add(req.path);
      } else if (req) seen.add(req.path);
    }
    for (const m of l.matchAll(URL_RE)) {
      const path = m[1] ?? '/';
      // A URL cut by a parenthesis (`IN ('PPH')`) is the curl request of the line, already taken.
      if ([...seen].some((p) => p.startsWith(path)) || isProse(path)) continue;
      seen.add(path);
      out.push({ file, line, method: 'GET', path, headers: { accept: 'application/json' }, ...marks });
    }
  }
  return out;
}

/** The command lines of the `sh` blocks of a Markdown text (continued lines joined, prompts `$ ` removed). */
export function commandLines(text: string): { line: number; words: string[] }[] {
  const out: { line: number; words: string[] }[] = [];
  let inSh = false;
  for (const { line, text: l } of logicalLines(text)) {
    if (/^```/.test(l.trim())) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(l.trim());
      continue;
    }
    if (!inSh) continue;
    const words = shellWords(l.replace(/^\s*\$ /, ''));
    // Environment assignments before the command (`PORT=3001 npm start`).
    while (words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) words.shift();
    if (words.length) out.push({ line, words });
  }
  return out;
}

let t: TestApp;
before(async () => {
  t = await testApp();
  // What `npm start` serves: the modules' reference data (the COG units…), then the demo territory.
  const log = pino({ level: 'silent' });
  for (const m of MODULES) if (m.bootstrap) await m.bootstrap(t.db, log);
  await generateDemo(t.db);
});
after(() => t?.close());

test('the extraction: curl replayed as written, markers read, placeholders left out', () => {
  const text = [
    "curl 'http://localhost:3000/api/cadastre/commune?code_insee=47501'",
    'see http://localhost:3000 and `http://localhost:3000/api/gpu/document?geom=…same point…`',
    'http://localhost:3000/api/rpg/v2?annee=2023 needs: terroir import rpg.parcelle',
    "curl -X POST http://localhost:3000/api/aoc/appellation-viticole -H 'content-type: application/json' \\",
    `  -d '{"geom":{"type":"Point","coordinates":[0.385,44.385]},"source":"prod"}'   # → 400`,
    "$ curl 'http://localhost:3000/api/rpg/v2?annee=2016&geom=x'   # → 200 empty",
  ].join('\n');
  const found = examples('x.md', text);
  assert.deepEqual(
    found.map((e) => [e.line, e.method, e.path, e.needs, e.status, e.empty]),
    [
      [1, 'GET', '/api/cadastre/commune?code_insee=47501', undefined, undefined, false],
      [2, 'GET', '/', undefined, undefined, false],
      [3, 'GET', '/api/rpg/v2?annee=2023', 'terroir import rpg.parcelle', undefined, false],
      [4, 'POST', '/api/aoc/appellation-viticole', undefined, 400, false],
      [6, 'GET', '/api/rpg/v2?annee=2016&geom=x', undefined, 200, true],
    ],
  );
  assert.equal(found[3].headers['content-type'], 'application/json');
  assert.equal(found[3].body, '{"geom":{"type":"Point","coordinates":[0.385,44.385]},"source":"prod"}');
  assert.deepEqual(shellWords(`a 'b c' "d \\"e\\"" f#g # comment`), ['a', 'b c', 'd "e"', 'f#g']);
  assert.deepEqual(
    commandLines('text\n```sh\nPORT=3001 npm start   # note\nnode bin/terroir.js import x \\\n  --annee 2021\n```\n```json\n{"a":1}\n```').map((c) => c.words),
    [['npm', 'start'], ['node', 'bin/terroir.js', 'import', 'x', '--annee', '2021']],
  );
});

for (const file of DOCS) {
  const list = examples(file, readFileSync(file, 'utf8'));
  if (!list.length) continue;
  test(`${file}: every example URL answers on the demo (${list.length})`, async () => {
    for (const e of list) {
      const res = await t.app.inject({ method: e.method as 'GET', url: e.path, headers: e.headers, payload: e.body });
      const where = `${e.file}:${e.line} ${e.method} ${e.path}`;
      const says = `${res.statusCode} ${res.body.slice(0, 300)}`;
      if (e.needs) {
        assert.notEqual(res.statusCode, 400, `${where}: a valid request (${says})`);
        continue;
      }
      if (e.status !== undefined) assert.equal(res.statusCode, e.status, `${where}: documented ${e.status}, answered ${says}`);
      else assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${where}: ${says}`);
      assert.ok(res.body.length > 0, `${where}: a body`);
      if (res.statusCode >= 400) {
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, where);
        continue;
      }
      if (!/json/.test(String(res.headers['content-type']))) continue;
      const body = res.json();
      const collections = Array.isArray(body) ? body.filter((c) => c?.type === 'FeatureCollection') : body?.type === 'FeatureCollection' ? [body] : [];
      const features = collections.reduce((n: number, c: { features: unknown[] }) => n + c.features.length, 0);
      if (e.empty) assert.equal(features, 0, `${where}: documented empty (${says})`);
      else if (collections.length)
        assert.ok(features > 0, `${where}: features (${says}); if it needs real data, say so: needs: terroir import <layer>`);
    }
  });
}

test('README: every command line runs as written in a fresh clone', async () => {
  const lines = commandLines(readFileSync('README.md', 'utf8'));
  assert.ok(lines.length > 10, 'the README has commands');
  let cli = 0;
  for (const { line, words } of lines) {
    const where = `README.md:${line} ${words.join(' ')}`;
    assert.notEqual(words[0], 'terroir', `${where}: \`terroir\` is on the PATH only after npm link; write node bin/terroir.js`);
    assert.ok(['npm', 'node', 'curl', 'git', 'cd', 'DATABASE_URL', 'export'].includes(words[0]), `${where}: a command a clone has`);
    if (words[0] === 'node') {
      assert.equal(words[1], 'bin/terroir.js', where);
      assert.equal(await checkCommandLine(words.slice(2)), undefined, where);
      cli++;
    }
    if (words[0] === 'npm' && words[1] === 'run') {
      const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts;
      assert.ok(words[2] in scripts, `${where}: npm script ${words[2]}`);
    }
  }
  assert.ok(cli > 5, 'the README shows the CLI');
  // And the CLI itself starts from the clone as the README writes it.
  const help = spawnSync(process.execPath, ['bin/terroir.js', 'help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /terroir import/);
});

test('docs/*.md: every terroir command line names a command and flags that exist', async () => {
  let n = 0;
  for (const file of DOCS.filter((f) => f !== 'README.md')) {
    for (const { line, words } of commandLines(readFileSync(file, 'utf8'))) {
      const at = words[0] === 'terroir' ? 1 : words[0] === 'node' && words[1] === 'bin/terroir.js' ? 2 : -1;
      if (at < 0 || words.some((w) => w.includes('…') || /^<.*>$/.test(w))) continue;
      assert.equal(await checkCommandLine(words.slice(at)), undefined, `${file}:${line} ${words.join(' ')}`);
      n++;
    }
  }
  assert.ok(n > 20, `docs commands checked (${n})`);
});

test('OpenAPI: the parameter examples of the cadastre, GPU and administrative-units routes answer on the demo', async () => {
  const doc = (await t.app.inject({ url: '/api/doc' })).json() as {
    paths: Record<string, { get?: { parameters?: { name: string; in: string; required?: boolean; example?: unknown; schema?: { examples?: unknown[] } }[] } }>;
  };
  // Layers the demo does not generate (servitudes, informative lines and points): their examples need real data.
  const demoHasNothing = /\/(acte-sup|assiette-sup-[lps]|generateur-sup-[lps]|info-lin|info-pct|all)$/;
  let n = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!/^\/api\/(cadastre|gpu|limites-administratives)\/[a-z-]+$/.test(path) || demoHasNothing.test(path) || !item.get) continue;
    const params = (item.get.parameters ?? []).filter((p) => p.in === 'query');
    const example = (p: (typeof params)[number]) => p.example ?? p.schema?.examples?.[0];
    for (const p of params) {
      if (example(p) === undefined || p.name === 'lat' || p.name === 'categorie') continue;
      // The demo draws contours for its communes and EPCI, not for a département or a région.
      if (p.name === 'lon' && /(departement|region)$/.test(path)) continue;
      // The example commune (47502) has a PLU: zones, not the sectors of a carte communale.
      if (/\/secteur-cc$/.test(path) && /^(insee|partition)$/.test(p.name)) continue;
      const q = new URLSearchParams({ [p.name]: String(example(p)) });
      if (p.name === 'lon') q.set('lat', String(example(params.find((x) => x.name === 'lat')!)));
      const res = await t.app.inject({ url: `${path}?${q}` });
      assert.equal(res.statusCode, 200, `${path}?${q}: ${res.body.slice(0, 300)}`);
      assert.ok(res.json().features.length > 0, `${path}?${q}: the example of ${p.name} finds features on the demo (${res.body.slice(0, 200)})`);
      n++;
    }
  }
  assert.ok(n > 30, `examples tried (${n})`);
});
