import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';
import { configSchema } from '../../src/config/schema.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README opens with the demo and the test command', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  assert.match(firstBlock, /^npm ci && npm run demo/m);
  assert.match(firstBlock, /^npm ci && npm test/m);
});

test('the README errors table is the catalogue, status for status', () => {
  const section = readme.split('## Errors')[1]!.split('\n## ')[0]!;
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

test('the README configuration section names every key of the schema', () => {
  const section = readme.split('## Configuration')[1]!.split('\n## ')[0]!;
  const keys = schemaKeys(configSchema);
  assert.ok(keys.length > 100, `${keys.length} keys walked`);
  const missing = keys.filter(
    (k) =>
      !section.includes(`\`${k.split('.').at(-1)!.replace(/\[\]$/, '')}`) &&
      !section.includes(`${k.split('.').at(-1)!.replace(/\[\]$/, '')}\``),
  );
  assert.deepEqual(missing, []);
});
