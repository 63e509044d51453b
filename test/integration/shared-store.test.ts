/**
 * The shared store on a real redis-server: limits that every instance sees, stream slots that die
 * with their instance, and agent sessions kept in Redis sealed. Instances here are gateways in
 * this process (two `createGateway` on one config); test/integration/multi-instance.test.ts runs
 * separate processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { parseConfig } from '../../src/config/load.js';
import { createRedisStore } from '../../src/store/redis-store.js';
import { eventually } from '../helpers/eventually.js';
import { captureLogger } from '../helpers/logs.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { AGENTS, baseConfig, type RawConfig, type Stack, startStack } from '../helpers/stack.js';

const SEAL_SECRET = 'seal-secret-for-the-tests-0123456789abcdef';

function onRedis(redis: RedisServer, prefix: string) {
  return (raw: RawConfig) => {
    raw.store = {
      type: 'redis',
      url: redis.url,
      keyPrefix: prefix,
      sealSecret: SEAL_SECRET,
      leaseTtlMs: 1500,
      instanceTtlMs: 1500,
      commandTimeoutMs: 300,
      connectTimeoutMs: 1000,
    };
  };
}

const getRecording = (url: string, token: string, fileName: string) =>
  request(url).get('/v1/recordings').query({ fileName }).set('Authorization', `Bearer ${token}`);
const getAgentRecording = (url: string, token: string, recordId: string = SEED.acme.recording) =>
  request(url).get('/v1/agent-recordings').query({ recordId }).set('Authorization', `Bearer ${token}`);

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

describe('shared limits on Redis', () => {
  let stack: Stack;
  let other: { url: string };
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        onRedis(redis, 'limits:')(raw);
        raw.tenants[0].limits = { requestsPerSecond: 20, burst: 20 };
        // The stream cap is globex's, so that acme's spent rate window does not stand in its way.
        raw.tenants[1].limits = { requestsPerSecond: 100_000, burst: 100_000, concurrentStreams: 2 };
      },
    });
    other = await stack.replica();
  });
  after(() => stack.close());

  test('two instances, a tenant at 20 requests per second: about 100 admitted over 5 s in all, not 200', async () => {
    const token = stack.token();
    const urls = [stack.url, other.url];
    let admitted = 0;
    let refused = 0;
    const start = performance.now();
    // Four callers, two on each instance, for just under five one-second windows.
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        while (performance.now() - start < 4900) {
          // No fileName: admitted, then 400 without a vendor call.
          const res = await request(urls[i % 2]!)
            .get('/v1/recordings')
            .set('Authorization', `Bearer ${token}`);
          if (res.status === 429) {
            refused += 1;
            assert.ok(Number(res.headers['retry-after']) >= 1);
          } else {
            assert.equal(res.status, 400);
            admitted += 1;
          }
        }
      }),
    );
    assert.ok(refused > admitted, `the callers asked for far more than the limit (${refused} refused)`);
    assert.ok(admitted >= 90 && admitted <= 110, `admitted ${admitted}, limit 100`);
  });

  test('the stream cap holds across instances: two slow downloads on one, the third on the other is 429', async () => {
    stack.ccfs.injectFault({ operation: 'downloadRecord', latencyMs: 1500, times: 2 });
    const token = stack.token('globex');
    const get = (url: string) => getRecording(url, token, SEED.globex.recording);
    // supertest sends when awaited or then'd: both start now.
    const slow = [get(stack.url), get(stack.url)].map((r) => r.then((x) => x));
    await eventually(
      async () => (await redis.client().hvals('limits:slots:api globex')).reduce((a, v) => a + Number(v), 0) === 2,
      'two slots held in Redis',
    );
    const third = await get(other.url);
    assert.equal(third.status, 429);
    assert.match(third.body.detail, /2 downloads or uploads/);
    for (const r of await Promise.all(slow)) assert.equal(r.status, 200);
    // Both slots are given back: the next download on the other instance goes through.
    await eventually(async () => (await redis.client().hlen('limits:slots:api globex')) === 0, 'slots released');
    assert.equal((await get(other.url)).status, 200);
  });
});

describe('the store itself', () => {
  const logger = pino({ level: 'silent' });
  const cfg = (prefix: string) =>
    parseConfig({
      ...baseConfig('http://127.0.0.1:9'),
      store: {
        type: 'redis',
        url: redis.url,
        keyPrefix: prefix,
        sealSecret: SEAL_SECRET,
        instanceTtlMs: 800,
        leaseTtlMs: 800,
        commandTimeoutMs: 300,
      },
    }).store;

  test('a stream slot of an instance that dies frees itself once its registration lapses (instanceTtlMs)', async () => {
    const a = createRedisStore(cfg('dead:'), { logger });
    const b = createRedisStore(cfg('dead:'), { logger });
    await a.start();
    await b.start();
    try {
      assert.ok(await a.hold('api', 'k', 1));
      assert.equal(await b.hold('api', 'k', 1), undefined);
      await a.close(); // no leave(): it just stops, as a killed process does
      // Still held while the dead instance's registration lives; freed once it has lapsed.
      assert.equal(await b.hold('api', 'k', 1), undefined, 'not freed by the stop itself');
      await eventually(
        async () => (await b.hold('api', 'k', 1)) !== undefined,
        'the dead instance slot is freed',
        5000,
      );
    } finally {
      await b.close();
    }
  });

  test('a Redis that requires a password: the right one connects, a wrong one leaves the store down and the calls failing fast', async () => {
    const guarded = await startRedis(['--requirepass', 'redis-test-password'], { password: 'redis-test-password' });
    const at = (password: string) =>
      createRedisStore({ ...cfg('auth:'), url: guarded.url, password, connectTimeoutMs: 500 }, { logger });
    const good = at('redis-test-password');
    const bad = at('wrong-password');
    try {
      await good.start();
      await bad.start();
      assert.equal(good.status().up, true);
      assert.ok(await good.hold('api', 'k', 1));
      assert.equal(bad.status().up, false);
      // No offline queue: refused because the connection is not ready, not after a command timeout.
      await assert.rejects(bad.agent('acme', 1001, () => undefined).held(), /enableOfflineQueue/);
    } finally {
      await good.close();
      await bad.close();
      await guarded.close();
    }
  });

  test('rediss:// with caFile: the store trusts the server through it, and refuses an untrusted one', async () => {
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
    const tls = await startRedis([], {
      tls: { cert: fixture('server.pem'), key: fixture('server.key'), ca: fixture('ca.pem') },
    });
    const trusting = createRedisStore({ ...cfg('tls:'), url: tls.url, caFile: fixture('ca.pem') }, { logger });
    const untrusting = createRedisStore({ ...cfg('tls:'), url: tls.url, connectTimeoutMs: 500 }, { logger });
    try {
      assert.match(tls.url, /^rediss:/);
      await trusting.start();
      await untrusting.start();
      assert.equal(trusting.status().up, true);
      assert.ok(await trusting.hold('api', 'k', 1));
      assert.equal(untrusting.status().up, false, 'a certificate its CAs do not vouch for');
    } finally {
      await trusting.close();
      await untrusting.close();
      await tls.close();
    }
  });

  test('a 429 from the shared limiter is an answer, not an outage', async () => {
    const { logger, lines } = captureLogger();
    const store = createRedisStore(cfg('refused:'), { logger });
    await store.start();
    try {
      assert.equal(await store.take('tenant', 'acme', 1, 1), undefined);
      const wait = await store.take('tenant', 'acme', 1, 1);
      assert.ok(wait !== undefined && wait > 0, 'refused with a wait');
      assert.equal(store.status().up, true);
      assert.ok(!lines.some((l) => /shared store unreachable|fall back/.test(l)), lines.join('\n'));
    } finally {
      await store.close();
    }
  });

  test('a slow Redis costs one command timeout, then the counts fall back at once until it answers again', async () => {
    const own = await startRedis();
    const store = createRedisStore({ ...cfg('slow:'), url: own.url }, { logger });
    await store.start();
    try {
      // Redis holds every client's commands for 2 s: one times out (300 ms); the next must not wait for Redis.
      await own.client().call('CLIENT', 'PAUSE', '2000', 'ALL');
      let asleep = true;
      const sleeping = own
        .client()
        .ping()
        .finally(() => {
          asleep = false;
        });
      assert.equal(await store.take('tenant', 'acme', 10, 10), undefined, 'the first falls back after its timeout');
      assert.equal(store.status().up, false);
      // Ten more: waiting for Redis, they would take ten command timeouts (3 s), past the pause.
      for (let i = 0; i < 5; i += 1) {
        assert.equal(await store.take('tenant', 'acme', 10, 10), undefined);
        assert.ok(await store.hold('api', 'acme', 5));
      }
      assert.equal(asleep, true, 'answered while Redis was still paused: no second timeout');
      await sleeping;
      await eventually(() => store.status().up, 'back once a command (the heartbeat) reaches Redis', 5000);
    } finally {
      await store.close();
      await own.close();
    }
  });

  test('slots taken and given back while Redis was away are released in Redis once it answers', async () => {
    const own = await startRedis();
    const store = createRedisStore({ ...cfg('away:'), url: own.url, instanceTtlMs: 10_000 }, { logger });
    await store.start();
    const held = async () => (await own.client().hvals('away:slots:api acme')).reduce((a, v) => a + Number(v), 0);
    try {
      await own.stop();
      await eventually(() => !store.status().up, 'the store sees Redis gone', 5000);
      const a = await store.hold('api', 'acme', 10);
      const b = await store.hold('api', 'acme', 10);
      assert.ok(a && b, 'counted locally meanwhile');
      await own.start();
      await eventually(() => store.status().up, 'Redis back', 5000);
      await store.take('tenant', 'acme', 100, 100);
      await eventually(async () => (await held()) === 2, 'Redis learns of the two slots', 5000);
      a();
      b();
      await store.take('tenant', 'acme', 100, 100);
      await eventually(async () => (await held()) === 0, 'and of their release', 5000);
    } finally {
      await store.close();
      await own.close();
    }
  });

  test('the live instance count follows the instances that come and leave', async () => {
    const stores = [1, 2, 3].map(() => createRedisStore(cfg('count:'), { logger }));
    for (const s of stores) await s.start();
    await eventually(() => stores[0]!.status().liveInstances === 3, 'three live', 5000);
    assert.equal(await stores[2]!.leave(), 2);
    await stores[2]!.close();
    assert.equal(await stores[1]!.leave(), 1);
    await stores[1]!.close();
    assert.equal(await stores[0]!.leave(), 0);
    await stores[0]!.close();
  });

  test('a sealed record opens only under its own key and secret', async () => {
    const a = createRedisStore(cfg('seal:'), { logger });
    const wrong = createRedisStore(
      { ...cfg('seal:'), sealSecret: 'another-seal-secret-0123456789abcdefgh' },
      { logger },
    );
    await a.start();
    await wrong.start();
    try {
      const share = a.agent('acme', 1001, () => undefined);
      assert.ok(await share.write(1, Buffer.from('{"guid":"g-secret"}')));
      assert.deepEqual((await share.read())?.credentials.toString(), '{"guid":"g-secret"}');
      const raw = await redis.client().hget('seal:agent:acme:1001', 's');
      assert.ok(raw && !Buffer.from(raw, 'base64').toString('latin1').includes('g-secret'));
      assert.equal(await wrong.agent('acme', 1001, () => undefined).read(), undefined);
      // Copied onto another agent's key, it does not open either.
      await redis.client().hset('seal:agent:acme:1002', 'v', '1', 'g', '1', 's', raw);
      assert.equal(await a.agent('acme', 1002, () => undefined).read(), undefined);
    } finally {
      await a.close();
      await wrong.close();
    }
  });
});

describe('agent sessions on Redis', () => {
  let stack: Stack;
  let other: { url: string };
  let third: { url: string };
  before(async () => {
    stack = await startStack({ configure: onRedis(redis, 'agents:') });
    other = await stack.replica();
    third = await stack.replica();
  });
  after(() => stack.close());

  test('three instances share one sign-in; Redis holds no Guid, cookie or password in clear, nor in a key name', async () => {
    const token = stack.token();
    const get = (url: string) => getAgentRecording(url, token);
    const answers = await Promise.all([get(stack.url), get(other.url), get(third.url), get(other.url), get(third.url)]);
    for (const r of answers) assert.equal(r.status, 200);
    assert.equal(stack.ccgw.signIns.length, 1);
    const c = redis.client();
    const keys = await c.keys('agents:*');
    assert.ok(keys.includes('agents:agent:acme:1001') && keys.includes('agents:lease:acme:1001'), keys.join(' '));
    const dump: string[] = [...keys];
    for (const k of keys) {
      const type = await c.type(k);
      if (type === 'string') dump.push((await c.get(k)) ?? '');
      if (type === 'hash') {
        for (const v of Object.values(await c.hgetall(k))) dump.push(v, Buffer.from(v, 'base64').toString('latin1'));
      }
    }
    const text = dump.join('\n');
    for (const secret of [...stack.ccgw.issued, AGENTS.acme.password]) assert.ok(!text.includes(secret));
  });
});

test('the vendor drops the session: requests on all three instances at once cause exactly one renewal', async () => {
  const stack = await startStack({
    configure: onRedis(redis, 'renew:'),
    // Polls answer late, so that the requests, not the owner's poll, find the loss first.
    ccgw: { pollWaitMs: 5000 },
  });
  try {
    const replicas = [await stack.replica(), await stack.replica()];
    const urls = [stack.url, ...replicas.map((r) => r.url)];
    const token = stack.token();
    const get = (url: string) => getAgentRecording(url, token);
    for (const u of urls) assert.equal((await get(u)).status, 200);
    assert.equal(stack.ccgw.signIns.length, 1);
    stack.ccgw.dropSession(AGENTS.acme.agentId);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => get(urls[i % 3]!)));
    for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(stack.ccgw.signIns.length, 2, 'one renewal, whoever met the loss');
    assert.equal(stack.ccgw.seen().filter((r) => r.retcode === '100-002').length, 0);
    // The owner counts the renewal; the others count none.
    let renewals = 0;
    for (const g of [stack.gateway, ...replicas.map((r) => r.gateway)])
      for (const v of (await g.deps.metrics.agentRenewals.get()).values) renewals += v.value;
    assert.equal(renewals, 1);
  } finally {
    await stack.close();
  }
});

test('a refused sign-in is refused on every instance at once, with one attempt at the vendor', async () => {
  const stack = await startStack({
    configure: (raw) => {
      onRedis(redis, 'refused:')(raw);
      raw.tenants[0].ccgateway.agents[0].password = 'not-the-agent-password';
      raw.upstreams.ccgateway.signInRetryAfterMs = 20_000;
    },
  });
  try {
    const replica = await stack.replica();
    const token = stack.token();
    const get = (url: string) => getAgentRecording(url, token);
    const first = await get(stack.url);
    assert.equal(first.status, 503);
    const second = await get(replica.url);
    assert.equal(second.status, 503);
    // The owner's refusal, read from the store, not a wait for a session that ran out.
    assert.match(String(second.body.detail), /refused the agent sign-in \(on the instance that owns it\)/);
    assert.ok(Number(second.headers['retry-after']) >= 10, `Retry-After ${second.headers['retry-after']}`);
    assert.ok(first.body.upstream?.code, JSON.stringify(first.body));
    assert.equal(second.body.upstream?.code, first.body.upstream.code);
    const attempts = stack.ccgw.seen('signIn').length + stack.ccgw.seen('forcelogin').length;
    assert.equal(attempts, 1, 'one sign-in attempt for both instances');
  } finally {
    await stack.close();
  }
});

test('every instance skips an agent whose sign-in the vendor refused, not only the owner', async () => {
  const stack = await startStack({
    configure: (raw) => {
      onRedis(redis, 'skip:')(raw);
      raw.tenants[1].ccgateway.agents[0].password = 'not-the-agent-password';
      raw.upstreams.ccgateway.signInRetryAfterMs = 20_000;
    },
  });
  try {
    const replica = await stack.replica();
    const token = stack.token('globex');
    const get = (url: string) => getAgentRecording(url, token, SEED.globex.recording);
    // The first agent is tried first on both: refused where it is signed in, and so on the replica.
    assert.equal((await get(stack.url)).status, 503);
    assert.equal((await get(replica.url)).status, 503);
    // From then on the replica, too, sends every request to the other agent.
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push((await get(replica.url)).status);
    assert.deepEqual(answers, [200, 200, 200, 200, 200, 200]);
  } finally {
    await stack.close();
  }
});

test('failed authentications from one address are counted once across the instances: both refuse it when the shared budget is spent', async () => {
  const stack = await startStack({
    configure: (raw) => {
      onRedis(redis, 'authfail:')(raw);
      // A budget of 4 failures refilled at 1 a minute: nothing refills during the test.
      raw.auth.failedAuthLimit = { burst: 4, perMinute: 1 };
    },
  });
  try {
    const replica = await stack.replica();
    const bad = (url: string) => getRecording(url, 'x.y.z', SEED.acme.recording);
    // Three failures on each: under either instance's own budget of 4, over the shared one.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await bad(stack.url)).status);
      statuses.push((await bad(replica.url)).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401]);
    // Each instance learnt the shared verdict with its own last failure, before answering it: over
    // budget, it verifies two more new tokens (the bounded rate's burst) and refuses the next.
    for (const url of [stack.url, replica.url]) {
      assert.equal((await bad(url)).status, 401);
      assert.equal((await bad(url)).status, 401);
      const refused = await bad(url);
      assert.equal(refused.status, 429, `${url}: ${refused.text}`);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
    }
  } finally {
    await stack.close();
  }
});
