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
    layer('edge-is-the-outer-ring', 'edge', ['edge/', 'http/scope\\.ts$', 'domain/', 'errors/', 'config/', 'ops/']),
    layer('http-serves-the-routes', 'http', [
      'http/',
      'domain/',
      'errors/',
      'config/',
      'ops/',
      'store/',
      'upstream/ports\\.ts$',
    ]),
    layer('routes-see-ports-only', 'routes', ['routes/', 'http/', 'domain/', 'errors/', 'upstream/ports\\.ts$']),
    layer('upstream-speaks-protocol', 'upstream', [
      'upstream/',
      'protocol/',
      'errors/',
      'config/',
      'domain/',
      'ops/',
      'store/',
    ]),
    layer('simulators-stand-apart', 'simulators', ['simulators/', 'protocol/']),
    {
      name: 'product-never-imports-demo',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/demo/' },
      to: { path: '^src/demo/' },
    },
    {
      name: 'product-never-imports-simulators',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(demo|simulators)/' },
      to: { path: '^src/simulators/' },
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
