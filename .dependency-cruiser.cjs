/**
 * The import rules of the README's architecture section, enforced in `npm test`.
 * Data flows one way: edge -> routes -> http -> upstream ports; upstream -> protocol.
 * domain/, errors/, config/, protocol/ and ops/ are leaves.
 */
const layer = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${from} may import only ${allowed.join(', ')} (and packages)`,
  from: { path: `^src/${from}/` },
  to: { path: '^src/', pathNot: allowed.map((a) => `^src/${a}`) },
});

module.exports = {
  forbidden: [
    layer('errors-is-a-leaf', 'errors', ['errors/']),
    layer('protocol-is-a-leaf', 'protocol', ['protocol/']),
    layer('config-is-a-leaf', 'config', ['config/']),
    layer('domain-is-pure', 'domain', ['domain/', 'errors/']),
    layer('ops-is-a-leaf', 'ops', ['ops/', 'config/']),
    layer('store-holds-shared-state', 'store', ['store/', 'config/', 'domain/seal\\.ts$']),
    // Each route declared once: path, scope, schemas, what the OpenAPI document says.
    layer('contract-declares-routes', 'contract', ['contract/', 'domain/', 'errors/']),
    layer('edge-is-the-outer-ring', 'edge', ['edge/', 'domain/', 'errors/', 'config/', 'ops/']),
    // The long-lived services a handler is given: built once by the composition root.
    layer('auth-verifies-callers', 'auth', [
      'auth/',
      'domain/',
      'errors/',
      'config/',
      'ops/',
      'store/port\\.ts$',
      'store/token-buckets\\.ts$',
    ]),
    layer('limits-count-tenants', 'limits', ['limits/', 'domain/', 'errors/', 'config/', 'ops/', 'store/port\\.ts$']),
    layer('http-serves-the-routes', 'http', [
      'http/',
      'contract/',
      'edge/scope\\.ts$',
      'auth/',
      'limits/',
      'domain/',
      'errors/',
      'config/',
      'ops/',
      'upstream/ports\\.ts$',
      'index/port\\.ts$',
      'telemetry/spans\\.ts$',
    ]),
    layer('routes-see-ports-only', 'routes', [
      'routes/',
      'contract/',
      'http/',
      'edge/scope\\.ts$',
      'auth/',
      'limits/',
      'domain/',
      'errors/',
      'upstream/ports\\.ts$',
      'index/port\\.ts$',
    ]),
    layer('index-keeps-the-calls', 'index', [
      'index/',
      'protocol/',
      'domain/',
      'errors/',
      'config/',
      'ops/',
      'db/port\\.ts$',
      'upstream/ports\\.ts$',
    ]),
    layer('db-holds-the-index', 'db', ['db/', 'errors/', 'config/']),
    layer('upstream-speaks-protocol', 'upstream', [
      'upstream/',
      'protocol/',
      'errors/',
      'config/',
      'domain/',
      'ops/',
      'store/port\\.ts$',
      'telemetry/spans\\.ts$',
    ]),
    // The SDK and its instrumentations, loaded by main.ts before the rest; spans.ts is the API only.
    layer('telemetry-is-a-leaf', 'telemetry', ['telemetry/', 'config/']),
    {
      name: 'simulators-stand-apart',
      severity: 'error',
      comment: 'the simulators share only the wire protocol with the product',
      from: { path: '^simulators/' },
      to: { path: '^(src|demo|test|bench)/', pathNot: '^src/protocol/' },
    },
    {
      name: 'only-the-composition-root-picks-the-database',
      severity: 'error',
      comment: 'everything else sees the index database port (db/port.ts); the ingestion thread is a root of its own',
      from: { path: '^src/', pathNot: ['^src/gateway\\.ts$', '^src/ingest-worker\\.ts$', '^src/db/'] },
      to: { path: '^src/db/(engines|index-db)\\.ts$' },
    },
    {
      name: 'only-the-composition-root-picks-the-store',
      severity: 'error',
      comment: 'everything else sees the store port (store/port.ts)',
      from: { path: '^src/', pathNot: ['^src/gateway\\.ts$', '^src/store/'] },
      to: { path: '^src/store/(redis|memory)-store\\.ts$' },
    },
    {
      name: 'product-never-imports-demo-or-simulators',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(demo|simulators)/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
