/**
 * The guard on fake attempts: retries with their delays (a fake sleep and a fixed jitter), what
 * counts against the breaker, and the breaker's open, fail-fast and half-open cycle on node:test's
 * mocked timers, so no test waits for real time.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientGoneError, GatewayError } from '../../src/errors/catalogue.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createGuard, type GuardConfig } from '../../src/upstream/guard.js';
import { captureLogger } from '../helpers/logs.js';

const CONFIG: GuardConfig = {
  retries: 2,
  retryBaseMs: 100,
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 10_000, rollingWindowMs: 10_000 },
};
const unavailable = () =>
  new GatewayError('UPSTREAM_UNAVAILABLE', 'CC-FS cannot be reached', { cause: { code: 'ECONNREFUSED' } });
const http5xx = () =>
  new GatewayError('UPSTREAM_ERROR', 'failed', { upstream: { service: 'ccfs', code: 'HTTP 502', message: 'x' } });
const timeout = () => new GatewayError('UPSTREAM_TIMEOUT', 'slow');
const vendorCode = () =>
  new GatewayError('NOT_FOUND', 'no file', { upstream: { service: 'ccfs', code: '0300011', message: 'x' } });
const tls = () =>
  new GatewayError('UPSTREAM_ERROR', 'TLS to CC-FS failed', { cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });

function guard(counts: (err: unknown) => boolean = () => true, config = CONFIG) {
  const sleeps: number[] = [];
  const metrics = createMetrics();
  const g = createGuard({
    name: 'ccfs:default',
    service: 'ccfs',
    config,
    counts,
    logger: captureLogger().logger,
    metrics,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
  });
  return { g, sleeps, metrics };
}

/** An attempt that fails with each of `errors` in turn, then answers 'ok'. */
function attempts(...errors: Array<() => Error>) {
  let calls = 0;
  const fn = async () => {
    const make = errors[calls];
    calls += 1;
    if (make) throw make();
    return 'ok';
  };
  return { fn, calls: () => calls };
}

describe('guard: retries', () => {
  it('retries a read after transient failures, doubling the delay (jitter from 0.5x)', async () => {
    const { g, sleeps } = guard(() => false);
    const a = attempts(unavailable, http5xx);
    assert.equal(await g.run('downloadRecord', a.fn, { retry: true }), 'ok');
    assert.equal(a.calls(), 3);
    assert.deepEqual(sleeps, [50, 100]);
    g.shutdown();
  });

  it('gives up after `retries` extra attempts and throws the last failure', async () => {
    const { g } = guard(() => false);
    const a = attempts(unavailable, unavailable, http5xx, unavailable);
    await assert.rejects(
      g.run('downloadRecord', a.fn, { retry: true }),
      (e: unknown) => (e as GatewayError).upstream?.code === 'HTTP 502',
    );
    assert.equal(a.calls(), 3);
    g.shutdown();
  });

  for (const [what, make] of [
    ['a timeout', timeout],
    ['a vendor business code', vendorCode],
    ['a TLS failure', tls],
  ] as const) {
    it(`never retries ${what}`, async () => {
      const { g, sleeps } = guard(() => false);
      const a = attempts(make);
      await assert.rejects(g.run('downloadRecord', a.fn, { retry: true }), GatewayError);
      assert.equal(a.calls(), 1);
      assert.deepEqual(sleeps, []);
      g.shutdown();
    });
  }

  it('never retries without `retry` (uploads, the pass-through), nor once the client is gone', async () => {
    const { g } = guard(() => false);
    const a = attempts(unavailable);
    await assert.rejects(g.run('ivr/uploadFile', a.fn), GatewayError);
    assert.equal(a.calls(), 1);
    const ac = new AbortController();
    ac.abort(new ClientGoneError());
    const b = attempts(unavailable);
    await assert.rejects(g.run('downloadRecord', b.fn, { retry: true, signal: ac.signal }), GatewayError);
    assert.equal(b.calls(), 1);
    g.shutdown();
  });
});

describe('guard: circuit breaker', () => {
  it('opens after enough counted failures, fails fast without calling, and closes after a good trial call', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    const { g, metrics } = guard((err) => err instanceof GatewayError && err.code === 'UPSTREAM_UNAVAILABLE');
    for (let i = 0; i < 4; i += 1) await assert.rejects(g.run('downloadRecord', attempts(unavailable).fn));
    assert.equal(g.state(), 'open');
    const never = attempts();
    const fast = await g.run('downloadRecord', never.fn).then(
      () => undefined,
      (e: unknown) => e as GatewayError,
    );
    assert.equal(fast?.code, 'UPSTREAM_UNAVAILABLE');
    assert.match(fast?.message ?? '', /circuit open/);
    assert.equal(fast?.retryAfterSec, 10);
    assert.equal(never.calls(), 0, 'the vendor was not called');
    const text = await metrics.registry.metrics();
    assert.match(text, /upstream_requests_total\{service="ccfs",operation="downloadRecord",outcome="circuit_open"\} 1/);
    assert.match(text, /circuit_opened_total\{upstream="ccfs:default"\} 1/);

    t.mock.timers.tick(10_000);
    assert.equal(g.state(), 'half-open');
    assert.equal(await g.run('downloadRecord', attempts().fn), 'ok');
    assert.equal(g.state(), 'closed');
    g.shutdown();
  });

  it('failures it does not count (vendor codes) never open it', async () => {
    const { g } = guard((err) => err instanceof GatewayError && err.code === 'UPSTREAM_UNAVAILABLE');
    for (let i = 0; i < 10; i += 1) await assert.rejects(g.run('downloadRecord', attempts(vendorCode).fn));
    assert.equal(g.state(), 'closed');
    g.shutdown();
  });
});
