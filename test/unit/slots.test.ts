/** Fair use of an endpoint's connections, on node:test's mocked timers. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../src/errors/catalogue.js';
import { createSlots, isQueueTimeout, reserveOf } from '../../src/upstream/slots.js';

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

test("tenants within their shares never take another tenant's last connections: each is left a reserve", async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // 12 connections, 3 tenants, a share of 6 each: together a and b could hold all 12.
  const slots = createSlots({ service: 'ccfs', size: 12, perTenant: 6, maxWaitMs: 1000 });
  for (const tenant of ['a', 'b', 'c']) slots.addTenant(tenant);
  assert.equal(reserveOf(12, 3), 1);
  for (let i = 0; i < 6; i += 1) await slots.acquire('a');
  for (let i = 0; i < 5; i += 1) await slots.acquire('b');
  const sixthOfB = slots.acquire('b');
  assert.equal(await settled(sixthOfB), 'pending', "within b's share, but it would take c's reserve");
  assert.equal(await settled(slots.acquire('c')), 'done', 'c is served at once: its reserve was kept');
  assert.equal(slots.inUse().total, 12);
});

test('a reserve is a quarter of the pool split among its tenants, at least one, and none for a single tenant', () => {
  assert.equal(reserveOf(64, 1), 0);
  assert.equal(reserveOf(64, 2), 8);
  assert.equal(reserveOf(64, 3), 5);
  assert.equal(reserveOf(4, 10), 1);
});
