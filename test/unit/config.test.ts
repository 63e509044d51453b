import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, maskSecrets, parseConfigText } from '../../src/config/load.js';
import { DEFAULT_PATH_RULES } from '../../src/config/schema.js';
import { configWarnings } from '../../src/config/warnings.js';

// config/example.yaml is the contract's example plus the playback secret this gateway needs.
const example = readFileSync(new URL('../../config/example.yaml', import.meta.url), 'utf8');
const exampleEnv = {
  LEGACY_SSO_JWT_SECRET: 'legacy-secret-0123456789abcdefghijklmnopq',
  ACME_CCFS_AK: 'ak1',
  ACME_CCFS_SK: 'sk1',
  ACME_AGENT_2001_PASSWORD: 'pw',
  GLOBEX_CCFS_AK: 'ak2',
  GLOBEX_CCFS_SK: 'sk2',
  GATEWAY_PLAYBACK_SECRET: 'playback-secret-0123456789abcdefghijkl',
  INDEX_DATABASE_URL: 'postgres://gateway@db.example.internal:5432/index',
};
// The example names CA files that do not exist on this machine.
const exampleHere = example.replace(/^\s*caFile: .*$/gm, '');

const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.issues];
  }
  assert.fail('expected a ConfigError');
};

test("config/example.yaml (the contract's example plus a playback secret) is valid, with defaults filled", () => {
  const cfg = parseConfigText(exampleHere, exampleEnv);
  assert.equal(cfg.tenants.length, 2);
  assert.equal(cfg.tenants[0]!.ccfs.sk, 'sk1');
  assert.equal(cfg.tenants[1]!.pathRules.recordings, DEFAULT_PATH_RULES.recordings);
  assert.equal(cfg.tenants[1]!.limits.uploadMaxBytes, 5 * 1024 * 1024);
  assert.equal(cfg.auth.clockToleranceSec, 30);
  assert.equal(cfg.upstreams.ccfs.signedHost, '10.0.0.10:28443');
  assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.tenants[0]));
});

test('every missing environment variable is reported at once, naming its key', () => {
  const issues = issuesOf(() =>
    parseConfigText(exampleHere, { ...exampleEnv, ACME_CCFS_SK: undefined, GLOBEX_CCFS_AK: undefined }),
  );
  assert.ok(
    issues.some((i) => i.startsWith('tenants[0].ccfs.sk: environment variable ACME_CCFS_SK is not set')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((i) => i.startsWith('tenants[1].ccfs.ak: environment variable GLOBEX_CCFS_AK is not set')),
    issues.join('\n'),
  );
});

test('${file:...} reads a secret file (trailing newline trimmed); a missing file names its key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'sk'), 'from-a-file\n');
  const text = exampleHere.replace('${ACME_CCFS_SK}', `\${file:${join(dir, 'sk')}}`);
  assert.equal(parseConfigText(text, exampleEnv).tenants[0]!.ccfs.sk, 'from-a-file');
  const issues = issuesOf(() =>
    parseConfigText(exampleHere.replace('${ACME_CCFS_SK}', '${file:/nonexistent/sk}'), exampleEnv),
  );
  assert.ok(issues.some((i) => i.startsWith('tenants[0].ccfs.sk: cannot read file /nonexistent/sk')));
});

test('a secret written inline in the file is refused', () => {
  const issues = issuesOf(() => parseConfigText(exampleHere.replace('${ACME_CCFS_SK}', 'plain-text-sk'), exampleEnv));
  assert.deepEqual(
    issues.filter((i) => i.includes('inline') || i.includes('not written')),
    ['tenants[0].ccfs.sk: a secret must be given as ${ENV_VAR} or ${file:/path}, not written in the file'],
  );
});

test('schema problems are all reported with their paths, cross-field checks included', () => {
  const broken = exampleHere
    .replace('port: 8080', 'port: 99999')
    .replace('vdnIds: [54, 55]', 'vdnIds: [53, 55]')
    .replace('algorithms: [HS256]', 'algorithms: [RS256]')
    .replace('connections: 64', 'connections: 64\n    connectionz: 1')
    .replace('- id: globex', '- id: acme');
  const issues = issuesOf(() => parseConfigText(broken, exampleEnv));
  const expectPrefix = (p: string) =>
    assert.ok(
      issues.some((i) => i.startsWith(p)),
      `${p} in\n${issues.join('\n')}`,
    );
  expectPrefix('server.port:');
  expectPrefix('tenants[1].vdnIds[0]: VDN 53 is already owned by tenant "acme"');
  expectPrefix('tenants[1].id: duplicate tenant id "acme"');
  expectPrefix('auth.issuers[1].algorithms:');
  expectPrefix('upstreams.ccfs:');
  assert.ok(issues.length >= 5);
});

test('a type error hides no cross-field problem: all of them come out in one run', () => {
  const broken = exampleHere
    .replace('port: 8080', 'port: eighty')
    .replace('vdnIds: [54, 55]', 'vdnIds: [53, 55]')
    .replace('- id: globex', '- id: acme')
    .replace('algorithms: [HS256]', 'algorithms: [RS256]');
  const issues = issuesOf(() => parseConfigText(broken, exampleEnv));
  for (const p of [
    'server.port:',
    'tenants[1].vdnIds[0]: VDN 53 is already owned by tenant "acme"',
    'tenants[1].id: duplicate tenant id "acme"',
    'auth.issuers[1].algorithms:',
  ])
    assert.ok(
      issues.some((i) => i.startsWith(p)),
      `${p} in\n${issues.join('\n')}`,
    );
  // A tenant that does not parse is left out of the rules; the others are still checked.
  const oneBadTenant = exampleHere
    .replace('vdnIds: [54, 55]', 'vdnIds: [53, 55]')
    .replace('- id: acme', '- id: acme\n    vdnCount: 1')
    .replace('algorithms: [HS256]', 'algorithms: [RS256]');
  const second = issuesOf(() => parseConfigText(oneBadTenant, exampleEnv));
  assert.ok(
    second.some((i) => i.startsWith('tenants[0]') && i.includes('vdnCount')),
    second.join('\n'),
  );
  assert.ok(
    second.some((i) => i.startsWith('auth.issuers[1].algorithms:')),
    second.join('\n'),
  );
  assert.ok(!second.some((i) => i.includes('already owned')), 'no verdict on a VDN whose first owner did not parse');
});

test('an issuer needs exactly one key source, and HMAC never shares an issuer with public keys', () => {
  const twoSources = exampleHere.replace(
    '    secret: ${LEGACY_SSO_JWT_SECRET}',
    '    secret: ${LEGACY_SSO_JWT_SECRET}\n      jwksUri: https://x.test/jwks',
  );
  assert.ok(issuesOf(() => parseConfigText(twoSources, exampleEnv)).some((i) => i.includes('exactly one key source')));
  const mixed = exampleHere.replace('algorithms: [RS256]', 'algorithms: [RS256, HS256]');
  assert.ok(issuesOf(() => parseConfigText(mixed, exampleEnv)).some((i) => i.startsWith('auth.issuers[0].algorithms')));
});

test('--check-config validates a file and exits 0, or prints every issue and exits 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  // The example's /spool is the container's; here a folder of the test's.
  const here = exampleHere.replace('spoolDir: /spool', `spoolDir: ${dir}`);
  writeFileSync(join(dir, 'good.yaml'), here);
  writeFileSync(join(dir, 'bad.yaml'), here.replace('port: 8080', 'port: -1'));
  const run = (file: string, flags: string[] = [], env: Record<string, string> = exampleEnv) => {
    try {
      return {
        code: 0,
        out: execFileSync(
          process.execPath,
          ['--import', 'tsx', 'src/main.ts', '--check-config', ...flags, '--config', file],
          { env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' },
        ),
      };
    } catch (err) {
      const e = err as { status: number; stderr: string };
      return { code: e.status, out: e.stderr };
    }
  };
  const good = run(join(dir, 'good.yaml'));
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /configuration is valid \(2 tenants, 2 issuers\)/);
  const bad = run(join(dir, 'bad.yaml'));
  assert.equal(bad.code, 2);
  assert.match(bad.out, /server\.port/);
  // Valid by the schema, but every upload would fail: the check says so instead of passing it.
  writeFileSync(join(dir, 'nospool.yaml'), here.replace(`spoolDir: ${dir}`, `spoolDir: ${join(dir, 'missing')}`));
  const nospool = run(join(dir, 'nospool.yaml'));
  assert.equal(nospool.code, 2, nospool.out);
  assert.match(nospool.out, /server\.spoolDir: .*missing is not writable \(ENOENT\)/);
  // A ConfigMap in CI: the example as shipped (CA files, /spool), no variable set.
  writeFileSync(join(dir, 'shipped.yaml'), example);
  assert.equal(run(join(dir, 'shipped.yaml'), [], {}).code, 2, 'without --schema-only the secrets are missing');
  const schemaOnly = run(join(dir, 'shipped.yaml'), ['--schema-only'], {});
  assert.equal(schemaOnly.code, 0, schemaOnly.out);
  assert.match(schemaOnly.out, /valid by its schema and rules/);
  writeFileSync(join(dir, 'schema-bad.yaml'), example.replace('port: 8080', 'port: -1'));
  assert.equal(run(join(dir, 'schema-bad.yaml'), ['--schema-only'], {}).code, 2, 'the schema still judges');
});

test('a secret left at a placeholder (change-me...) is refused, naming the key', () => {
  const issues = issuesOf(() => parseConfigText(exampleHere, { ...exampleEnv, ACME_CCFS_SK: 'change-me' }));
  assert.ok(
    issues.some((i) => /^tenants\[0\]\.ccfs\.sk: a placeholder/.test(i)),
    issues.join('\n'),
  );
  assert.ok(!issues.join(' ').includes('change-me'), 'the value itself is not printed whole');
});

test('--check-config warns of a stop longer than the platform waits and of a tenant endpoint signed with the global host', () => {
  const long = parseConfigText(exampleHere.replace('shutdownGraceMs: 20000', 'shutdownGraceMs: 30000'), exampleEnv);
  assert.match(configWarnings(long).join('\n'), /a stop takes up to 38 s .* above 38 s/);
  assert.deepEqual(configWarnings(parseConfigText(exampleHere, exampleEnv)), [], 'the example as shipped');
  const signed = parseConfigText(exampleHere.replace(/\n {8}signedHost: 10\.0\.1\.10:28443[^\n]*/, ''), exampleEnv);
  assert.match(
    configWarnings(signed).join('\n'),
    /tenants\[globex\]\.upstreams\.ccfs: a baseUrl of its own .* set this endpoint's signedHost/,
  );
});

test("a tenant's upstreams are resolved once: the global settings, its override on top, with the same bounds", () => {
  const cfg = parseConfigText(exampleHere, exampleEnv);
  const [acme, globex] = cfg.tenants;
  assert.equal(acme!.upstreams.ccfs.label, 'default');
  assert.equal(acme!.upstreams.ccfs.baseUrl, cfg.upstreams.ccfs.baseUrl);
  assert.equal(globex!.upstreams.ccfs.label, 'tenant:globex');
  assert.equal(globex!.upstreams.ccfs.baseUrl, 'https://10.0.1.10:28443');
  assert.equal(globex!.upstreams.ccfs.headersTimeoutMs, cfg.upstreams.ccfs.headersTimeoutMs, 'inherited');
  assert.equal(globex!.upstreams.ccfs.breaker.volumeThreshold, cfg.upstreams.ccfs.breaker.volumeThreshold);

  const override = (o: string) =>
    exampleHere.replace(
      /( {4}upstreams:\s*# per-tenant override of a global upstream\n {6}ccfs:\n)/,
      `$1${o.replace(/^/gm, '        ')}\n`,
    );
  const tooLong = issuesOf(() => parseConfigText(override('headersTimeoutMs: 999999999'), exampleEnv));
  assert.ok(
    tooLong.some((i) => i.startsWith('tenants[1].upstreams.ccfs.headersTimeoutMs')),
    tooLong.join('\n'),
  );
  const wrongService = issuesOf(() => parseConfigText(override('pollIntervalMs: 100'), exampleEnv));
  assert.ok(
    wrongService.some((i) => i.startsWith('tenants[1].upstreams.ccfs')),
    'CC-FS has no poll loop',
  );
  const breaker = parseConfigText(override('breaker:\n  resetTimeoutMs: 2000'), exampleEnv);
  assert.equal(breaker.tenants[1]!.upstreams.ccfs.breaker.resetTimeoutMs, 2000);
  assert.equal(breaker.tenants[1]!.upstreams.ccfs.breaker.volumeThreshold, cfg.upstreams.ccfs.breaker.volumeThreshold);
});

test("a tenant may override CC-Gateway's poll and sign-in keys", () => {
  const text = exampleHere.replace(
    /( {4}upstreams:\s*# per-tenant override of a global upstream\n)/,
    [
      '    ccgateway:',
      '      agents:',
      '        - agentId: 3001',
      '          password: ${ACME_AGENT_2001_PASSWORD}',
      '          phoneNumber: "88003001"',
      '$1      ccgateway:',
      '        pollIntervalMs: 150',
      '        signInRetryAfterMs: 2000',
      '',
    ].join('\n'),
  );
  const cfg = parseConfigText(text, exampleEnv);
  const [acme, globex] = cfg.tenants;
  assert.equal(globex!.upstreams.ccgateway?.pollIntervalMs, 150);
  assert.equal(globex!.upstreams.ccgateway?.signInRetryAfterMs, 2000);
  assert.equal(globex!.upstreams.ccgateway?.baseUrl, cfg.upstreams.ccgateway?.baseUrl, 'inherited');
  assert.equal(globex!.upstreams.ccgateway?.label, 'tenant:globex');
  assert.equal(acme!.upstreams.ccgateway?.pollIntervalMs, 300, 'the other tenant keeps the default');
  assert.equal(acme!.upstreams.ccgateway?.label, 'default');
});

test('a JWKS URL is https, or plain http on loopback only; an issuer may name its own CA file', () => {
  const withJwks = (uri: string, extra = '') =>
    exampleHere.replace('jwksUri: https://idp.example.internal/.well-known/jwks.json', `jwksUri: ${uri}${extra}`);
  const plain = issuesOf(() => parseConfigText(withJwks('http://idp.example.internal/jwks'), exampleEnv));
  assert.ok(
    plain.some((i) => i.startsWith('auth.issuers[0].jwksUri: must be an https URL')),
    plain.join('\n'),
  );
  for (const ok of [
    'http://127.0.0.1:8080/jwks',
    'http://localhost/jwks',
    'http://[::1]:9/jwks',
    'https://idp.example.internal/jwks',
  ]) {
    assert.equal(parseConfigText(withJwks(ok), exampleEnv).auth.issuers[0]!.jwksUri, ok);
  }
  const ca = issuesOf(() =>
    parseConfigText(withJwks('https://idp.example.internal/jwks', '\n      caFile: /nonexistent/ca.pem'), exampleEnv),
  );
  assert.ok(
    ca.some((i) => i.startsWith('auth.issuers[0].caFile: cannot read /nonexistent/ca.pem')),
    ca.join('\n'),
  );
});

test('RS256 and ES256 may share a JWKS issuer; HS256 never mixes with a public key', () => {
  const mixed = exampleHere.replace('algorithms: [RS256]', 'algorithms: [RS256, ES256, PS256]');
  assert.deepEqual(parseConfigText(mixed, exampleEnv).auth.issuers[0]!.algorithms, ['RS256', 'ES256', 'PS256']);
  const hmac = issuesOf(() =>
    parseConfigText(exampleHere.replace('algorithms: [RS256]', 'algorithms: [RS256, HS256]'), exampleEnv),
  );
  assert.ok(
    hmac.some((i) => i.startsWith('auth.issuers[0].algorithms')),
    hmac.join('\n'),
  );
});

test('the store: redis needs a url and a seal secret, credentials stay out of the url, and workers need redis and metrics.port', () => {
  const withServer = (extra: string, tail = '') => exampleHere.replace(/^server:\n/m, `server:\n  ${extra}\n`) + tail;
  const env = { ...exampleEnv, SEAL: 'seal-secret-0123456789abcdefghijklmnop' };
  assert.ok(
    issuesOf(() => parseConfigText(withServer('workers: 2'), env)).some((i) =>
      i.startsWith('server.workers: several workers need store.type redis'),
    ),
  );
  const redisIssues = issuesOf(() => parseConfigText(`${exampleHere}\nstore:\n  type: redis\n`, env));
  assert.ok(redisIssues.some((i) => i.startsWith('store.url: required')));
  assert.ok(redisIssues.some((i) => i.startsWith('store.sealSecret: required')));
  assert.ok(
    issuesOf(() =>
      parseConfigText(
        `${exampleHere}\nstore:\n  type: redis\n  url: redis://user:pw@r:6379\n  sealSecret: \${SEAL}\n`,
        env,
      ),
    ).some((i) => i.startsWith('store.url: must be redis://')),
  );
  assert.ok(
    issuesOf(() =>
      parseConfigText(
        withServer('workers: auto', `\nstore:\n  type: redis\n  url: redis://r:6379\n  sealSecret: \${SEAL}\n`),
        env,
      ),
    ).some((i) => i.startsWith('metrics.port: several workers need metrics.port')),
  );
  const ok = parseConfigText(
    withServer(
      'workers: auto',
      `\nstore:\n  type: redis\n  url: rediss://r:6380/2\n  sealSecret: \${SEAL}\nmetrics:\n  port: 9100\n`,
    ),
    env,
  );
  assert.equal(ok.server.workers, 'auto');
  assert.equal(ok.store.keyPrefix, 'ccgw:');
  assert.equal(ok.server.workers, 'auto');
  const defaults = parseConfigText(exampleHere.replace(/^\s*shutdownGraceMs: .*$/m, ''), env).server;
  assert.ok(
    defaults.drainDelayMs + defaults.shutdownGraceMs + 3000 <= 30_000,
    "the defaults fit Kubernetes' default 30 s grace",
  );
  // A seal secret written in the file is refused like every secret.
  assert.ok(
    issuesOf(() =>
      parseConfigText(
        `${exampleHere}\nstore:\n  type: redis\n  url: redis://r:6379\n  sealSecret: inline-seal-secret-0123456789abcdefgh\n`,
        env,
      ),
    ).some((i) => i.startsWith('store.sealSecret: a secret must be given')),
  );
});

test('an audit file in a folder that does not exist is a configuration problem, found at load', () => {
  const env = { ...exampleEnv };
  const text =
    exampleHere.replace(/^audit:[^\n]*\n(\s+[^\n]*\n)*/m, '') +
    '\naudit:\n  destination: /nonexistent-folder/audit.log\n';
  assert.ok(
    issuesOf(() => parseConfigText(text, env)).some((i) =>
      i.startsWith('audit.destination: the folder of /nonexistent-folder/audit.log does not exist'),
    ),
  );
});

test('an issuer bound to tenants names configured ones', () => {
  const bound = exampleHere.replace(
    '    secret: ${LEGACY_SSO_JWT_SECRET}',
    '    secret: ${LEGACY_SSO_JWT_SECRET}\n      tenants: [globex, nope]',
  );
  const issues = issuesOf(() => parseConfigText(bound, exampleEnv));
  assert.deepEqual(
    issues.filter((i) => i.includes('tenants')),
    ['auth.issuers[1].tenants[1]: no tenant "nope" is configured'],
  );
});

test('--check-config warns when the tenants sharing an endpoint may hold more streams than it has connections', () => {
  const cfg = parseConfigText(exampleHere, exampleEnv);
  assert.deepEqual(configWarnings(cfg), [], 'acme and globex are on endpoints of their own');
  // Two more tenants on acme's endpoint: three shares of 32 streams (half the pool) on 64 connections.
  const crowded = exampleHere.replace(
    '  - id: globex',
    [
      '  - id: initech',
      '    vdnIds: [60]',
      '    ccfs:',
      '      ak: ${INITECH_CCFS_AK}',
      '      sk: ${ACME_CCFS_SK}',
      '  - id: hooli',
      '    vdnIds: [61]',
      '    ccfs:',
      '      ak: ${HOOLI_CCFS_AK}',
      '      sk: ${GLOBEX_CCFS_SK}',
      '  - id: globex',
    ].join('\n'),
  );
  const warnings = configWarnings(
    parseConfigText(crowded, { ...exampleEnv, INITECH_CCFS_AK: 'ak3', HOOLI_CCFS_AK: 'ak4' }),
  );
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^upstreams\.ccfs \(default\): its tenants \(acme, initech, hooli\) may hold 96 streams/);
});

test('two tenants on one AK are refused unless both say so, and the AK is never quoted', () => {
  const shared = exampleHere.replace('ak: ${GLOBEX_CCFS_AK}', 'ak: ${ACME_CCFS_AK}');
  const issues = issuesOf(() => parseConfigText(shared, exampleEnv));
  const ak = issues.find((i) => i.startsWith('tenants[1].ccfs.ak:'));
  assert.ok(ak, issues.join('\n'));
  assert.match(ak, /the same AK as tenant "acme"/);
  assert.ok(!issues.some((i) => i.includes(exampleEnv.ACME_CCFS_AK)), 'the AK itself is never in a message');
  const acknowledged = shared.replaceAll('ak: ${ACME_CCFS_AK}', 'ak: ${ACME_CCFS_AK}\n      allowSharedAk: true');
  assert.doesNotThrow(() => parseConfigText(acknowledged, exampleEnv));
});

test('the index: a tenant with it on needs the section and its zone; the embedded database serves one process only', () => {
  const noSection = exampleHere.replace(/^index:[\s\S]*?\n(?=tenants:)/m, '');
  assert.ok(
    issuesOf(() => parseConfigText(noSection, exampleEnv)).some((i) => i.startsWith('index: required: tenant acme')),
  );
  const noZone = exampleHere.replace(/^ {4}timeZone: .*\n/m, '');
  assert.ok(
    issuesOf(() => parseConfigText(noZone, exampleEnv)).some((i) =>
      i.startsWith('tenants[0].timeZone: required when index.enabled'),
    ),
  );
  const badZone = exampleHere.replace('timeZone: Asia/Shanghai', 'timeZone: Mars/Olympus');
  assert.ok(
    issuesOf(() => parseConfigText(badZone, exampleEnv)).some((i) => /timeZone: must be an IANA time zone/.test(i)),
  );
  const embedded = exampleHere.replace(/^ {2}database:\n {4}url: .*\n/m, '');
  const redis = `${embedded}\nstore:\n  type: redis\n  url: redis://r:6379\n  sealSecret: \${SEAL}\n`;
  const env = { ...exampleEnv, SEAL: 'seal-secret-0123456789abcdefghijklmnop' };
  assert.ok(
    issuesOf(() => parseConfigText(redis, env)).some((i) =>
      i.startsWith('index.database.url: required when store.type is redis or server.workers is not 1'),
    ),
  );
  const cfg = parseConfigText(embedded, exampleEnv);
  assert.equal(cfg.index?.database.url, undefined);
  assert.equal(cfg.index?.callbackSignature, 'log-only');
  assert.equal(cfg.index?.maxSearchDays, 31);
  assert.equal(cfg.tenants[0]?.index.enabled, true);
  assert.equal(cfg.tenants[1]?.index.enabled, false);
  const badUrl = exampleHere.replace(
    'callbackBaseUrl: https://gateway.example.internal:8443',
    'callbackBaseUrl: https://gw.example/cb?x=1',
  );
  assert.ok(
    issuesOf(() => parseConfigText(badUrl, exampleEnv)).some((i) => i.startsWith('index.callbackBaseUrl: must be')),
  );
});

test('--print-config masks the password of a URL read from the environment (the index database)', () => {
  const cfg = parseConfigText(exampleHere, {
    ...exampleEnv,
    INDEX_DATABASE_URL: 'postgres://gw:pg-secret-123@db:5432/index',
  });
  const printed = JSON.stringify(maskSecrets(cfg));
  assert.ok(!printed.includes('pg-secret-123'), 'the password is not printed');
  assert.match(printed, /postgres:\/\/gw:\*{8}@db:5432\/index/);
});
