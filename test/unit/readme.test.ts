import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';

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
