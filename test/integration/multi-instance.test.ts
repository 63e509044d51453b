/**
 * Many instances, one truth (issue 10), with real processes: a real redis-server, three gateway
 * processes from the built code, and the simulators, which hold the vendor's rules (one session
 * per agent, `100-002`, Guid expiry without polling, rotation). The traffic is route 3.8 spread
 * round-robin over the instances a load balancer would send to.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ALL_SCOPES, mintToken } from '../../demo/mint.js';
import { CcfsSimulator } from '../../simulators/ccfs/server.js';
import { CcgwSimulator, type CcgwSimulatorOptions } from '../../simulators/ccgateway/server.js';
import { SEED, seedCcfs } from '../../simulators/seed.js';
import { VERSION } from '../../src/version.js';
import { eventually } from '../helpers/eventually.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/processes.js';
import { freePort, type RedisServer, startRedis } from '../helpers/redis.js';
import { ACCOUNTS, AGENTS, AUDIENCE, baseConfig, ISSUER, JWT_SECRET } from '../helpers/stack.js';

const LEASE_TTL_MS = 1500;
const TOKEN = mintToken({ secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE, tenant: 'acme', scopes: ALL_SCOPES });

let redis: RedisServer;
let ccfs: CcfsSimulator;
let root: string;
let expectedHash: string;
before(async () => {
  redis = await startRedis();
  root = mkdtempSync(join(tmpdir(), 'multi-'));
  ccfs = new CcfsSimulator({
    root,
    accounts: [ACCOUNTS.acme, ACCOUNTS.globex].map((a) => ({ ...a, vdnIds: [...a.vdnIds] })),
  });
  await ccfs.listen(0, '127.0.0.1');
  await seedCcfs(ccfs);
  expectedHash = createHash('sha256').update(ccfs.store.read(SEED.acme.recording)).digest('hex');
});
after(async () => {
  await ccfs.close();
  await redis.close();
  rmSync(root, { recursive: true, force: true });
});

interface Cluster {
  ccgw: CcgwSimulator;
  gateways: GatewayProcess[];
  /** The instances the load balancer sends to. */
  live: GatewayProcess[];
  start(name: string): Promise<GatewayProcess>;
  owner(): Promise<GatewayProcess | undefined>;
  close(): Promise<void>;
}

let clusters = 0;
async function startCluster(n: number, sim: Partial<CcgwSimulatorOptions> = {}): Promise<Cluster> {
  clusters += 1;
  const prefix = `multi${clusters}:`;
  const ccgw = new CcgwSimulator({ agents: Object.values(AGENTS), store: ccfs.store, pollWaitMs: 300, ...sim });
  const ccgwUrl = await ccgw.listen(0, '127.0.0.1');
  const raw = baseConfig(ccfs.url, ccgwUrl);
  raw.logging = { level: 'info' };
  raw.server.shutdownGraceMs = 3000;
  // The test's load balancer takes an instance out of rotation before its SIGTERM; the drain covers requests already sent.
  raw.server.drainDelayMs = 500;
  raw.upstreams.ccgateway.pollIntervalMs = 100;
  raw.store = {
    type: 'redis',
    url: redis.url,
    keyPrefix: prefix,
    sealSecret: 'seal-secret-for-the-tests-0123456789abcdef',
    leaseTtlMs: LEASE_TTL_MS,
    instanceTtlMs: 3000,
    commandTimeoutMs: 300,
    connectTimeoutMs: 1000,
  };
  const gateways: GatewayProcess[] = [];
  const cluster: Cluster = {
    ccgw,
    gateways,
    live: [],
    async start(name) {
      const g = await startGatewayProcess(name, raw);
      gateways.push(g);
      cluster.live.push(g);
      return g;
    },
    async owner() {
      for (const g of cluster.live) {
        const res = await fetch(`${g.url}/readyz/details`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await res.json()) as { dependencies: Array<{ name: string; detail?: string }> };
        if (body.dependencies.some((d) => d.name === 'agent:acme/1001' && d.detail?.includes('owner'))) return g;
      }
      return undefined;
    },
    async close() {
      await Promise.all(gateways.map((g) => (g.proc.exitCode === null ? g.kill() : undefined)));
      await ccgw.close();
    },
  };
  for (let i = 0; i < n; i += 1) await cluster.start(`gw${i + 1}`);
  return cluster;
}

interface Outcome {
  status: number;
  hash?: string;
  retryAfter?: string;
  error?: string;
}

async function download(url: string): Promise<Outcome> {
  try {
    const res = await fetch(`${url}/v1/agent-recordings?recordId=${encodeURIComponent(SEED.acme.recording)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      ...(res.status === 200 ? { hash: createHash('sha256').update(body).digest('hex') } : {}),
      ...(res.headers.get('retry-after') ? { retryAfter: res.headers.get('retry-after')! } : {}),
    };
  } catch (err) {
    return { status: 0, error: (err as Error).message };
  }
}

/** Steady traffic: `workers` callers, round-robin over the cluster's live instances, until stopped. */
function steady(cluster: Cluster, workers = 3) {
  const outcomes: Array<Outcome & { at: number; target: string }> = [];
  let running = true;
  let next = 0;
  const done = Promise.all(
    Array.from({ length: workers }, async () => {
      while (running) {
        const target = cluster.live[next++ % cluster.live.length]!;
        outcomes.push({ ...(await download(target.url)), at: performance.now(), target: target.name });
      }
    }),
  );
  return {
    outcomes,
    /** Waits for `n` more answers from here on (from `target` only, when named). */
    more(n: number, target?: string) {
      const from = outcomes.length;
      return eventually(
        () => outcomes.slice(from).filter((o) => target === undefined || o.target === target).length >= n,
        `${n} more answers${target ? ` from ${target}` : ''}`,
      );
    },
    async stop() {
      running = false;
      await done;
      return outcomes;
    },
  };
}

/** Whether `g` reports the shared store reachable (`up`) or not, in its readiness details. */
async function storeReported(g: GatewayProcess, up: boolean): Promise<boolean> {
  const res = await fetch(`${g.url}/readyz/details`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json()) as { dependencies: Array<{ name: string; ok: boolean }> };
  return res.status === 200 && body.dependencies.some((d) => d.name === 'store' && d.ok === up);
}
const failures = (list: Outcome[]) => list.filter((o) => o.status !== 200 || o.hash !== expectedHash);
const vendorCodes = (ccgw: CcgwSimulator, code: string) => ccgw.seen().filter((r) => r.retcode === code).length;
const noCrash = (g: GatewayProcess) => {
  assert.equal(g.proc.exitCode, null, `${g.name} is still running`);
  assert.ok(!g.lines.some((l) => /unhandled rejection|uncaught/i.test(l)), `${g.name}: no unhandled rejection`);
};

test('cold start: 300 requests round-robin over three instances are byte-identical, with exactly one sign-in', async () => {
  const c = await startCluster(3);
  try {
    const urls = c.live.map((g) => g.url);
    const outcomes: Outcome[] = [];
    // 30 at once, so that the first requests on all three instances race for the sign-in.
    for (let batch = 0; batch < 10; batch += 1)
      outcomes.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => download(urls[i % 3]!)))));
    assert.equal(outcomes.length, 300);
    assert.deepEqual(failures(outcomes), []);
    assert.equal(c.ccgw.signIns.length, 1);
    assert.equal(c.ccgw.signIns.filter((s) => s.forced).length, 0);
    assert.equal(vendorCodes(c.ccgw, '100-002'), 0);
    assert.equal(c.ccgw.seen('recordfile').filter((r) => !r.guidValid).length, 0);
    for (const g of c.live) noCrash(g);
  } finally {
    await c.close();
  }
});

test('Guid rotation every second under steady traffic on all three: zero failed requests, one sign-in', async () => {
  // An old Guid dies 1.5 s after its rotation: every instance must have the new one by then.
  const c = await startCluster(3, { rotateEveryMs: 1000, oldGuidTtlMs: 1500 });
  try {
    const traffic = steady(c);
    await eventually(() => c.ccgw.rotations >= 5, 'five rotations', 30_000);
    const outcomes = await traffic.stop();
    assert.ok(outcomes.length > 30, `${outcomes.length} requests`);
    assert.deepEqual(failures(outcomes), []);
    assert.equal(c.ccgw.signIns.length, 1);
    assert.equal(vendorCodes(c.ccgw, '100-006'), 0, 'no call ever carried a dead Guid');
  } finally {
    await c.close();
  }
});

test('SIGKILL of the lease owner: a new owner within the bound, the same vendor session, no failure after the gap', async () => {
  const c = await startCluster(3);
  try {
    assert.equal((await download(c.live[0]!.url)).status, 200);
    const owner = await eventually(() => c.owner(), 'an owner');
    const traffic = steady(c);
    await traffic.more(20);
    // The load balancer stops sending to it, then it dies without a word.
    c.live.splice(c.live.indexOf(owner), 1);
    const killedAt = performance.now();
    await owner.kill();
    const successor = await eventually(() => c.owner(), 'a new owner', 20_000);
    const gapMs = performance.now() - killedAt;
    const gapEnd = performance.now();
    await traffic.more(30);
    // A request already on its way to the killed instance dies with it: that is the load balancer's retry.
    const outcomes = (await traffic.stop()).filter((o) => o.target !== owner.name);
    assert.notEqual(successor, owner);
    // The lease lapses after its TTL; a survivor's next lease tick (a third of it) takes it.
    assert.ok(gapMs < LEASE_TTL_MS * 2 + 1000, `new owner after ${Math.round(gapMs)} ms`);
    for (const o of outcomes.filter((x) => x.at < gapEnd)) {
      assert.ok(o.status === 200 || (o.status === 503 && o.retryAfter), `during the gap: ${JSON.stringify(o)}`);
    }
    assert.deepEqual(failures(outcomes.filter((o) => o.at >= gapEnd)), []);
    assert.equal(c.ccgw.signIns.length, 1, 'carried on with the same vendor session');
    assert.equal(c.ccgw.signOuts.length, 0);
    // The successor polls with the session's Guid: the vendor still holds it.
    assert.equal(c.ccgw.isSignedIn(AGENTS.acme.agentId), true);
  } finally {
    await c.close();
  }
});

test('rolling restart of the three instances under steady traffic: zero failures, one sign-in, sign-out only by the last', async () => {
  const c = await startCluster(3);
  try {
    assert.equal((await download(c.live[0]!.url)).status, 200);
    const traffic = steady(c);
    for (const name of ['gw1', 'gw2', 'gw3']) {
      const old = c.live.find((g) => g.name === name)!;
      c.live.splice(c.live.indexOf(old), 1);
      assert.equal(await old.stop(), 0, `${name} stopped cleanly`);
      assert.equal(c.ccgw.signOuts.length, 0, `no sign-out while others run (${name})`);
      await c.start(`${name}b`);
      await traffic.more(5, `${name}b`);
    }
    const outcomes = await traffic.stop();
    assert.ok(outcomes.length > 30, `${outcomes.length} requests`);
    assert.deepEqual(failures(outcomes), []);
    assert.ok(c.ccgw.signIns.length <= 1, `${c.ccgw.signIns.length} sign-ins`);
    assert.equal(c.ccgw.signOuts.length, 0);
    // Now all stop, one after the other: the last signs out.
    const [a, b, last] = [...c.live];
    assert.equal(await a!.stop(), 0);
    assert.equal(await b!.stop(), 0);
    assert.equal(c.ccgw.signOuts.length, 0);
    assert.equal(await last!.stop(), 0);
    assert.deepEqual(c.ccgw.signOuts, [AGENTS.acme.agentId]);
  } finally {
    await c.close();
  }
});

test('Redis stopped and restarted mid-traffic: requests go on, /readyz reports the store, everything recovers', async () => {
  const c = await startCluster(3);
  try {
    assert.equal((await download(c.live[0]!.url)).status, 200);
    const traffic = steady(c);
    await traffic.more(20);
    await redis.stop();
    const g = c.live[0]!;
    await eventually(() => storeReported(g, false), 'the store reported down while the instance stays ready');
    // Traffic goes on while Redis is away.
    await traffic.more(30);
    await redis.start();
    await eventually(() => storeReported(g, true), 'the store reported up again');
    // The owner writes its session back into the empty Redis; a new instance uses it without a sign-in.
    await eventually(() => c.owner(), 'an owner again');
    await c.start('late');
    await traffic.more(10, 'late');
    const outcomes = await traffic.stop();
    assert.deepEqual(failures(outcomes), [], 'the owner kept its session and the others their copy');
    assert.equal(c.ccgw.signIns.length, 1, 'no competing sign-in');
    for (const p of c.live) noCrash(p);
  } finally {
    await c.close();
  }
});

test('two workers on one port (server.workers: 2): one sign-in, the metrics summed on metrics.port, the last worker out signs out', async () => {
  const ccgw = new CcgwSimulator({ agents: Object.values(AGENTS), store: ccfs.store, pollWaitMs: 300 });
  const ccgwUrl = await ccgw.listen(0, '127.0.0.1');
  const raw = baseConfig(ccfs.url, ccgwUrl);
  raw.logging = { level: 'info', levelNames: true };
  raw.server.workers = 2;
  raw.server.port = await freePort();
  const metricsPort = await freePort();
  raw.metrics = { port: metricsPort };
  raw.store = {
    type: 'redis',
    url: redis.url,
    keyPrefix: 'workers:',
    sealSecret: 'seal-secret-for-the-tests-0123456789abcdef',
  };
  const g = await startGatewayProcess('workers', raw);
  try {
    await eventually(
      () => g.lines.filter((l) => l.includes('cc-file-gateway listening')).length === 2,
      'both workers listen',
    );
    // The start-up line says what runs; levels by name, for Loki's and ELK's parsers.
    const started = JSON.parse(g.lines.find((l) => l.includes('cc-file-gateway listening'))!) as Record<
      string,
      unknown
    >;
    assert.equal(started.version, VERSION);
    assert.equal(started.level, 'info');
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => download(g.url)));
    assert.deepEqual(failures(outcomes), []);
    assert.equal(ccgw.signIns.length, 1);
    // Requests went to both workers: each counts its own, the primary sums them.
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const served = [
      ...text.matchAll(/^cc_file_gateway_http_requests_total\{[^}]*route="\/v1\/agent-recordings"[^}]*\} (\d+)/gm),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    assert.equal(served, 40, text.slice(0, 3000));
    assert.match(
      text,
      new RegExp(
        `^cc_file_gateway_build_info\\{version="${VERSION.replaceAll('.', '\\.')}",node="v24\\.[^"]+"\\} 1$`,
        'm',
      ),
    );
    assert.match(text, /^cc_file_gateway_store_live_instances 2$/m);
    assert.equal(await g.stop(), 0);
    assert.deepEqual(ccgw.signOuts, [AGENTS.acme.agentId]);
  } finally {
    if (g.proc.exitCode === null) await g.kill();
    await ccgw.close();
  }
});
