/** The OpenAPI document names every route the app serves, with its methods, and nothing else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiDocument } from '../../src/routes/openapi.js';
import { createGateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { baseConfig } from '../helpers/stack.js';
import { captureLogger } from '../helpers/logs.js';

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
    const documented = openApiDocument().paths as Record<string, Record<string, unknown>>;
    assert.deepEqual([...served.keys()].sort(), Object.keys(documented).sort());
    for (const [path, methods] of served)
      assert.deepEqual([...methods].sort(), Object.keys(documented[path]!).sort(), path);
  } finally {
    await gw.close(10);
  }
});

test("the pass-through's envelope version is the vendor's", async () => {
  const { NATIVE_ENVELOPE_VERSION } = await import('../../src/http/native-envelope.js');
  const { CCFS_ENVELOPE_VERSION } = await import('../../src/protocol/ccfs.js');
  assert.equal(NATIVE_ENVELOPE_VERSION, CCFS_ENVELOPE_VERSION);
});
