import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import GithubSlugger from 'github-slugger';
import { configSchema } from '../../src/config/schema.js';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

test('the README opens with the demo and the test command', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  assert.match(firstBlock, /^npm ci && npm run demo/m);
  assert.match(firstBlock, /^npm ci && npm test/m);
});

test('the API reference errors table is the catalogue, status for status', () => {
  const section = doc('api.md').split('## Errors')[1]!.split('\n## ')[0]!;
  const rows = [...section.matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \|/gm)].map((m) => [m[2]!, Number(m[1])] as const);
  assert.deepEqual(new Map(rows), new Map(Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, e.status])));
});

test('.ci/run runs the README test command', () => {
  const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
  assert.match(ci, /npm ci\nnpm test/);
});

/** Every leaf key of the config schema, as a dotted path (`[]` for arrays). */
function schemaKeys(schema: unknown, path = '', out: string[] = []): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walks zod's internal definitions
  let t = schema as { _zod?: { def: Record<string, any> } };
  for (;;) {
    const def = t._zod?.def;
    if (def?.type === 'array') {
      t = def.element;
      path += '[]';
      continue;
    }
    if (def?.type === 'pipe') {
      t = def.in;
      continue;
    }
    if (def?.innerType) {
      t = def.innerType;
      continue;
    }
    break;
  }
  const def = t._zod?.def;
  if (def?.type === 'object') {
    for (const [k, v] of Object.entries(def.shape as Record<string, unknown>))
      schemaKeys(v, path ? `${path}.${k}` : k, out);
  } else {
    out.push(path);
  }
  return out;
}

test('the configuration reference names every key of the schema', () => {
  const section = doc('configuration.md');
  const keys = schemaKeys(configSchema);
  assert.ok(keys.length > 100, `${keys.length} keys walked`);
  const missing = keys.filter(
    (k) =>
      !section.includes(`\`${k.split('.').at(-1)!.replace(/\[\]$/, '')}`) &&
      !section.includes(`${k.split('.').at(-1)!.replace(/\[\]$/, '')}\``),
  );
  assert.deepEqual(missing, []);
});

test('one version: package.json, the client package, the changelog and the OpenAPI document agree', () => {
  const version = (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  const client = JSON.parse(
    readFileSync(new URL('../../clients/typescript/package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  assert.equal(client.version, version);
  const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
  assert.equal(/^## (\S+)/m.exec(changelog)?.[1], version, 'the newest changelog entry');
  assert.equal((JSON.parse(doc('openapi.json')) as { info: { version: string } }).info.version, version);
});

/** The anchors GitHub gives a page's headings (links within one page are checked by markdownlint's MD051). */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (heading) out.add(slugger.slug(heading[1]!.replace(/[`*_]/g, '')));
  }
  return out;
}

test('the README and the docs stand alone: every relative link names a file of the repository, and its heading', () => {
  const root = new URL('../../', import.meta.url);
  const pages: Array<[string, URL]> = [
    [readme, root],
    ...readdirSync(new URL('docs/', root))
      .filter((f) => f.endsWith('.md'))
      .map((f): [string, URL] => [doc(f), new URL('docs/', root)]),
  ];
  let links = 0;
  for (const [page, base] of pages) {
    assert.doesNotMatch(page, /\.\.\/shared|shared\/(spec|reference|style)/);
    for (const [, target, fragment] of page.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^https?:/.test(target!)) continue;
      const file = new URL(target!, base);
      assert.ok(file.href.startsWith(root.href), `${target} leaves the repository`);
      assert.ok(existsSync(file), `${target} does not exist`);
      if (fragment && target!.endsWith('.md'))
        assert.ok(
          anchorsOf(readFileSync(file, 'utf8')).has(fragment.slice(1)),
          `${target}${fragment}: no such heading`,
        );
      links += 1;
    }
  }
  assert.ok(links > 10, `${links} links checked`);
});
