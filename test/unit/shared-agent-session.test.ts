/**
 * The shared agent session on a fake share and a fake clock, as agent-session.test.ts does for the
 * vendor session: two instances ("a" and "b") of one deployment, one lease and one record between
 * them, announcements delivered to the other instance, scripted CC-Gateway calls. No socket, no Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/catalogue.js';
import type { AgentMessage, AgentRecord, AgentShare, Store } from '../../src/store/port.js';
import { SharedAgentSession } from '../../src/upstream/shared-agent-session.js';
import { eventually } from '../helpers/eventually.js';
import { AGENT, fakeCalls, ok } from '../helpers/fake-ccgw.js';
import { captureLogger } from '../helpers/logs.js';

const LEASE_MS = 3000;

/** One agent's lease, record and refusal, seen by several instances; each message goes to the others. */
function fakeDeployment() {
  const clock = { now: 1_000_000 };
  let lease: { holder: string; until: number } | undefined;
  let record: AgentRecord | undefined;
  let refused: { code: string; until: number } | undefined;
  const listeners = new Map<string, (m: AgentMessage) => void>();
  const log: Array<{ from: string; kind: string; generation: number }> = [];
  const tell = (from: string, kind: AgentMessage['kind'], generation: number) => {
    log.push({ from, kind, generation });
    for (const [who, on] of listeners) if (who !== from) queueMicrotask(() => on({ kind, generation }));
  };
  const live = () => (lease && lease.until > clock.now ? lease : undefined);
  const share = (me: string): AgentShare => ({
    async acquire() {
      if (live()) return false;
      lease = { holder: me, until: clock.now + LEASE_MS };
      return true;
    },
    async renew() {
      const l = live();
      if (l && l.holder !== me) return 'lost';
      lease = { holder: me, until: clock.now + LEASE_MS };
      return l ? 'kept' : 'regained';
    },
    async release() {
      if (live()?.holder !== me) return;
      lease = undefined;
      tell(me, 'released', 0);
    },
    held: async () => live() !== undefined,
    read: async () => record,
    async write(generation, credentials, expectVersion) {
      const version = record?.version ?? 0;
      if ((expectVersion !== undefined && expectVersion !== version) || generation < (record?.generation ?? 0))
        return undefined;
      record = { version: version + 1, generation, credentials };
      tell(me, 'changed', generation);
      return record.version;
    },
    async clear() {
      record = undefined;
    },
    requestRenewal: async (generation) => tell(me, 'renew', generation),
    async markRefused(code, ms) {
      refused = { code, until: clock.now + ms };
    },
    async refusal() {
      const ms = refused ? refused.until - clock.now : 0;
      return refused && ms > 0 ? { code: refused.code, ms } : undefined;
    },
  });
  const instance = (me: string, signIns = [ok(`G-${me}-1`), ok(`G-${me}-2`)]) => {
    const vendor = fakeCalls(signIns);
    const store = {
      instanceId: me,
      shared: true,
      agent: (_tenant: string, _agent: number, on: (m: AgentMessage) => void) => {
        listeners.set(me, on);
        return share(me);
      },
    } as unknown as Store;
    const { logger } = captureLogger();
    const changes: string[] = [];
    const session = new SharedAgentSession('acme', AGENT, vendor.calls, {
      pollIntervalMs: 300,
      signInRetryAfterMs: 15_000,
      logger,
      now: () => clock.now,
      sleep: async () => undefined,
      store,
      waitMs: 10_000,
      onLeaseChange: (c) => changes.push(c),
    });
    return { session, vendor, changes };
  };
  return { clock, instance, messages: log, lease: () => live(), record: () => record };
}

describe('shared agent session', () => {
  it('the first instance to need the agent takes the lease and signs in; the other serves with its announced Guid', async () => {
    const d = fakeDeployment();
    const a = d.instance('a');
    const b = d.instance('b');
    assert.equal((await a.session.credentials()).guid, 'G-a-1');
    assert.deepEqual(a.changes, ['acquired']);
    assert.equal(a.session.status().role, 'owner');
    const used = await b.session.credentials();
    assert.equal(used.guid, 'G-a-1');
    assert.equal(used.generation, 1);
    assert.deepEqual(b.vendor.log.signIns, [], 'the follower never signs in');
    assert.equal(b.session.status().role, 'follower');
    assert.equal(b.session.status().state, 'signed-in');
    await Promise.all([a.session.stop(false), b.session.stop(false)]);
  });

  it('a follower told the session is gone asks the owner, which renews once; the follower then gets the new generation', async () => {
    const d = fakeDeployment();
    const a = d.instance('a');
    const b = d.instance('b');
    await a.session.credentials();
    const old = await b.session.credentials();
    b.session.invalidate(old, '000-003');
    b.session.invalidate(old, '000-003');
    const [next, again] = await Promise.all([b.session.credentials(), b.session.credentials()]);
    assert.equal(next.guid, 'G-a-2');
    assert.equal(next.generation, 2);
    assert.equal(again, next, 'one wait for the renewal, however many requests need it');
    assert.equal(a.vendor.log.signIns.length, 2, 'the owner signed in once more');
    assert.equal(d.messages.filter((m) => m.kind === 'renew').length, 1);
    await Promise.all([a.session.stop(false), b.session.stop(false)]);
  });

  it("the owner's refused sign-in is answered at once by every instance, and they skip the agent alike", async () => {
    const d = fakeDeployment();
    const a = d.instance('a', [{ retcode: '100-006', newGuid: undefined, cookies: [] }]);
    const b = d.instance('b');
    await assert.rejects(a.session.credentials(), GatewayError);
    // The refusal reaches the store after the answer: wait for it, not for the clock.
    await eventually(async () => {
      try {
        await b.session.credentials();
        return false;
      } catch (err) {
        return err instanceof GatewayError && err.upstream?.code === '100-006' && err.retryAfterSec === 15;
      }
    }, "b answers with the owner's code and the time left");
    assert.equal(b.session.coolingDown, true);
    assert.deepEqual(b.vendor.log.signIns, [], 'the follower did not try the password itself');
    d.clock.now += 15_000;
    assert.equal(b.session.coolingDown, false);
    await Promise.all([a.session.stop(false), b.session.stop(false)]);
  });

  it('an owner that finds its lease taken becomes a follower and stops polling', async () => {
    const d = fakeDeployment();
    const a = d.instance('a');
    const b = d.instance('b');
    await a.session.credentials();
    await eventually(() => a.vendor.waitingPolls() === 1, 'the owner polls');
    d.clock.now += LEASE_MS + 1; // a's lease lapsed (a paused process), b takes it
    await b.session.tick();
    assert.equal(d.lease()?.holder, 'b');
    assert.equal(b.session.status().role, 'owner');
    assert.deepEqual(b.vendor.log.signIns, [], 'the same vendor session carried on');
    await a.session.tick();
    assert.equal(a.session.status().role, 'follower');
    assert.deepEqual(a.changes, ['acquired', 'lost']);
    await eventually(() => a.vendor.waitingPolls() === 0, 'the old owner stopped polling');
    await Promise.all([a.session.stop(false), b.session.stop(false)]);
  });

  it('a stopping owner hands the lease over without signing out; the last instance signs out and clears the record', async () => {
    const d = fakeDeployment();
    const a = d.instance('a');
    const b = d.instance('b');
    await a.session.credentials();
    await b.session.credentials();
    await a.session.stop(false);
    assert.deepEqual(a.vendor.log.signOuts, []);
    assert.ok(
      d.messages.some((m) => m.from === 'a' && m.kind === 'released'),
      'the release is announced',
    );
    assert.deepEqual(a.changes, ['acquired', 'released']);
    // Told of the release, b takes the lease over with the same Guid.
    await eventually(() => b.session.status().role === 'owner', 'b owns the agent');
    assert.deepEqual(b.vendor.log.signIns, []);
    await b.session.stop(true);
    assert.deepEqual(b.vendor.log.signOuts, ['G-a-1']);
    assert.equal(d.record(), undefined);
  });

  it('a rotation a follower was answered is written over the version it knew, and the owner uses it too', async () => {
    const d = fakeDeployment();
    const a = d.instance('a');
    const b = d.instance('b');
    await a.session.credentials();
    const used = await b.session.credentials();
    b.session.adopt(used, { newGuid: 'G-rotated', cookies: [] });
    await eventually(async () => (await a.session.credentials()).guid === 'G-rotated', 'the owner took the rotation');
    assert.equal((await b.session.credentials()).guid, 'G-rotated');
    // A call made with the old credentials changes nothing now.
    b.session.adopt(used, { newGuid: 'G-late', cookies: [] });
    b.session.invalidate(used, '000-003');
    assert.equal((await b.session.credentials()).guid, 'G-rotated');
    await Promise.all([a.session.stop(false), b.session.stop(false)]);
  });
});
