/** The OpenAPI document names every route the app serves, with its methods, and nothing else. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { openApiDocument } from '../../src/contract/openapi.js';
import { createGateway } from '../../src/gateway.js';
import { captureLogger } from '../helpers/logs.js';
import { baseConfig } from '../helpers/stack.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function routesOf(stack: Layer[], out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  for (const layer of stack) {
    if (layer.route) {
      const path = layer.route.path.replace(/[:*](\w+)/g, '{$1}');
      const methods = out.get(path) ?? new Set<string>();
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') methods.add(m);
      out.set(path, methods);
    } else if (layer.handle?.stack) {
      routesOf(layer.handle.stack, out);
    }
  }
  return out;
}

test('every served route and method is documented, and every documented one is served', async () => {
  const gw = createGateway(parseConfig(baseConfig('http://127.0.0.1:9')), { logger: captureLogger().logger });
  try {
    const app = gw.server.listeners('request')[0] as unknown as { router: { stack: Layer[] } };
    const served = routesOf(app.router.stack);
    const documented = openApiDocument('0.0.0').paths as Record<string, Record<string, unknown>>;
    assert.deepEqual([...served.keys()].sort(), Object.keys(documented).sort());
    for (const [path, methods] of served) {
      // Express answers HEAD with a GET route: the document declares it beside each GET.
      const declared = Object.keys(documented[path]!);
      assert.deepEqual([...methods].sort(), declared.filter((m) => m !== 'head').sort(), path);
      assert.equal(declared.includes('head'), methods.has('get'), `${path}: HEAD exactly where GET is`);
    }
  } finally {
    await gw.close(10);
  }
});

test("the pass-through's envelope version is the vendor's", async () => {
  const { NATIVE } = await import('../../src/contract/routes.js');
  const { CCFS_ENVELOPE_VERSION } = await import('../../src/protocol/ccfs.js');
  for (const schema of Object.values(NATIVE)) {
    assert.deepEqual(schema.shape.request.parse({ version: CCFS_ENVELOPE_VERSION }), {
      version: CCFS_ENVELOPE_VERSION,
    });
    assert.equal(schema.shape.request.safeParse({ version: '1.0' }).success, false);
  }
});

test('docs/openapi.json is the served document (npm run openapi writes it)', async () => {
  const { readFileSync } = await import('node:fs');
  const { VERSION } = await import('../../src/version.js');
  const file = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(file, JSON.parse(JSON.stringify(openApiDocument(VERSION))), 'run npm run openapi');
});

test("the document passes Redocly's recommended rules with zero errors and zero warnings", async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['node_modules/@redocly/cli/bin/cli.js', 'lint', 'docs/openapi.json', '--extends=recommended', '--format=json'],
    { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, timeout: 60_000 },
  ).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    totals: { errors: number; warnings: number };
    problems: unknown[];
  };
  assert.deepEqual(report.totals, { errors: 0, warnings: 0, ignored: 0 }, JSON.stringify(report.problems.slice(0, 5)));
});

test('every operation has an operationId, a tag, a summary, and the headers callers need', () => {
  const doc = openApiDocument('1.2.3');
  assert.equal(doc.info.version, '1.2.3');
  const ids = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods) as Array<[string, Record<string, unknown>]>) {
      assert.ok(typeof op.operationId === 'string' && !ids.has(op.operationId), `${method} ${path}`);
      ids.add(op.operationId as string);
      assert.ok((op.tags as string[]).length === 1 && typeof op.summary === 'string');
    }
  }
  // 21 operations, and a HEAD beside each of the 13 GETs.
  assert.equal(ids.size, 34);
  // The index's answers are documented from their schemas.
  const calls = doc.paths['/v1/calls'] as unknown as {
    get: { responses: Record<string, { content?: Record<string, { schema: { properties?: object } }> }> };
  };
  const page = calls.get.responses['200']?.content?.['application/json']?.schema;
  assert.ok(page?.properties && 'items' in page.properties && 'next' in page.properties);
  for (const op of [
    '/v1/ccfs/downloadRecord',
    '/v1/ccfs/requestPlayVoice',
    '/v1/ccfs/ivr/downloadFile',
    '/v1/ccfs/ivr/uploadFile',
  ]) {
    assert.ok(doc.paths[op]?.post?.requestBody, `${op} has its own body schema`);
  }
  const text = JSON.stringify(doc);
  for (const h of ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Content-Range', 'Allow'])
    assert.ok(text.includes(`"${h}"`), h);
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods) as Array<[string, { responses: Record<string, unknown> }]>)
      for (const status of ['405', '431', '500'])
        assert.ok(op.responses[status], `${method} ${path} declares ${status}`);
});
