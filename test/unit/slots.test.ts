/** Fair use of an endpoint's connections, on node:test's mocked timers. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../src/errors/catalogue.js';
import { createSlots, isQueueTimeout } from '../../src/upstream/slots.js';

const settled = async <T>(p: Promise<T>) => {
  let state: 'pending' | 'done' | 'failed' = 'pending';
  p.then(
    () => {
      state = 'done';
    },
    () => {
      state = 'failed';
    },
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

test('a tenant gets at most its share; another is served past it; the pool size bounds all', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const slots = createSlots({ service: 'ccfs', size: 4, perTenant: 2, maxWaitMs: 1000 });
  const a1 = await slots.acquire('a');
  await slots.acquire('a');
  const a3 = slots.acquire('a');
  assert.equal(await settled(a3), 'pending', 'a is at its share');
  const b1 = await slots.acquire('b');
  await slots.acquire('b');
  assert.deepEqual(slots.inUse().total, 4);
  const c1 = slots.acquire('c');
  assert.equal(await settled(c1), 'pending', 'the pool is full');
  b1();
  assert.equal(await settled(c1), 'done', 'the freed slot goes to the first waiter that fits (c, not a)');
  assert.equal(await settled(a3), 'pending');
  a1();
  assert.equal(await settled(a3), 'done');
});

test('a wait longer than maxWaitMs is a 503 that is not the vendor’s fault; a client that leaves stops waiting', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const slots = createSlots({ service: 'ccfs', size: 1, perTenant: 1, maxWaitMs: 1000 });
  const first = await slots.acquire('a');
  const waiting = slots.acquire('b');
  t.mock.timers.tick(999);
  assert.equal(await settled(waiting), 'pending');
  t.mock.timers.tick(1);
  const err = await waiting.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayError && err.code === 'UPSTREAM_UNAVAILABLE' && err.retryAfterSec === 1);
  assert.ok(isQueueTimeout(err));
  const ac = new AbortController();
  const leaving = slots.acquire('b', ac.signal);
  ac.abort();
  assert.equal(await settled(leaving), 'failed');
  first();
  assert.equal(slots.inUse().total, 0, 'nobody was left queued to take the slot');
});
