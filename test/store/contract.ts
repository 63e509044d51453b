/**
 * The store port's contract: what every implementation does as one instance sees it. Run against
 * the memory store and a real Redis (test/integration/store-contract.test.ts); what only a shared
 * store does (several instances agreeing) is in shared-store.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/store/port.js';
import { eventually } from '../helpers/eventually.js';

export interface ContractSubject {
  /** A new store of this kind, started; every call gives keys no other call shares. */
  make(): Promise<Store>;
  close?(): Promise<void>;
}

export function storeContract(name: string, subject: () => Promise<ContractSubject>): void {
  describe(`store contract: ${name}`, () => {
    let s: ContractSubject;
    const stores: Store[] = [];
    const fresh = async () => {
      const store = await s.make();
      stores.push(store);
      return store;
    };
    before(async () => {
      s = await subject();
    });
    after(async () => {
      for (const store of stores) await store.close();
      await s.close?.();
    });

    test('a rate admits its burst, then says how long to wait; ids and spaces count apart', async () => {
      const store = await fresh();
      for (let i = 0; i < 3; i++) assert.equal(await store.take('tenant', 'acme', 1, 3), undefined, `request ${i}`);
      const wait = await store.take('tenant', 'acme', 1, 3);
      assert.ok(wait !== undefined && wait > 0 && wait <= 3, `a wait in (0, 3] s, got ${wait}`);
      assert.equal(await store.take('tenant', 'globex', 1, 3), undefined, 'another id has its own budget');
      assert.equal(await store.take('id', 'acme', 1, 3), undefined, 'another space has its own budget');
    });

    test('slots: up to the cap, a release frees one, and a second call of the same release frees nothing', async () => {
      const store = await fresh();
      const first = await store.hold('api', 'acme', 2);
      const second = await store.hold('api', 'acme', 2);
      assert.ok(first && second);
      assert.equal(await store.hold('api', 'acme', 2), undefined, 'the cap is held');
      assert.ok(await store.hold('playback', 'acme', 1), 'another space has its own slots');
      first();
      first();
      const third = await store.hold('api', 'acme', 2);
      assert.ok(third, 'a released slot is free again');
      assert.equal(await store.hold('api', 'acme', 2), undefined, 'a repeated release freed nothing more');
      second();
      third();
    });

    test("an agent's lease: taken once, renewed, released, and regained by a renewal after it went", async () => {
      const store = await fresh();
      const share = store.agent('acme', 1001, () => undefined);
      assert.equal(await share.held(), false);
      assert.equal(await share.acquire(), true);
      assert.equal(await share.acquire(), false, 'already held');
      assert.equal(await share.held(), true);
      assert.equal(await share.renew(), 'kept');
      await share.release();
      assert.equal(await share.held(), false);
      assert.equal(await share.renew(), 'regained');
      assert.equal(await share.held(), true);
      await share.release();
    });

    test("an agent's record: versioned, written over an expected version only, never back to an older generation", async () => {
      const store = await fresh();
      const share = store.agent('acme', 1002, () => undefined);
      assert.equal(await share.read(), undefined);
      const v1 = await share.write(2, Buffer.from('first'));
      assert.ok(v1);
      assert.deepEqual(await share.read(), { version: v1, generation: 2, credentials: Buffer.from('first') });
      assert.equal(await share.write(2, Buffer.from('stale'), v1 + 5), undefined, 'not over another version');
      assert.equal(await share.write(1, Buffer.from('older')), undefined, 'not back to an older generation');
      const v2 = await share.write(2, Buffer.from('rotated'), v1);
      assert.equal(v2, v1 + 1);
      assert.equal((await share.read())?.credentials.toString(), 'rotated');
      await share.clear();
      assert.equal(await share.read(), undefined);
    });

    test('a refused sign-in holds for its time, then lapses', async () => {
      const store = await fresh();
      const share = store.agent('acme', 1003, () => undefined);
      assert.equal(await share.refusal(), undefined);
      await share.markRefused('100-006', 60_000);
      const r = await share.refusal();
      assert.equal(r?.code, '100-006');
      assert.ok(r && r.ms > 0 && r.ms <= 60_000);
      await share.markRefused('100-006', 50);
      await eventually(async () => (await share.refusal()) === undefined, 'the refusal lapses', 5000);
    });

    test('alone, the store is up with one live instance, and leaving says none is left', async () => {
      const store = await fresh();
      assert.deepEqual(store.status(), { up: true, liveInstances: 1 });
      assert.equal(await store.leave(), 0);
    });
  });
}
