/**
 * The agent session state machine on fake CC-Gateway calls and a fake clock: no socket, no timer.
 * Each fake call records what it was given and answers what the test scripted.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentConfig } from '../../src/config/schema.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { AgentSession } from '../../src/upstream/agent-session.js';
import type { CcgwCalls, SessionCredentials } from '../../src/upstream/ccgateway.js';
import { cookieHeader } from '../../src/upstream/cookie-jar.js';
import { AGENT, fakeCalls, ok } from '../helpers/fake-ccgw.js';
import { captureLogger } from '../helpers/logs.js';

function session(
  calls: CcgwCalls,
  opts: { agent?: Partial<AgentConfig>; clock?: { now: number }; sleeps?: number[] } = {},
) {
  const clock = opts.clock ?? { now: 1_000_000 };
  const { logger, lines } = captureLogger();
  const s = new AgentSession('acme', { ...AGENT, ...opts.agent }, calls, {
    pollIntervalMs: 300,
    signInRetryAfterMs: 15_000,
    logger,
    now: () => clock.now,
    // No real pause: the loop goes on at once, and the durations it asked for are kept.
    sleep: async (ms) => {
      opts.sleeps?.push(ms);
    },
  });
  return { s, clock, lines };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('agent session', () => {
  it('concurrent callers share one sign-in, and get the Guid of it', async () => {
    const f = fakeCalls([ok('G1')]);
    const { s } = session(f.calls);
    const all = await Promise.all([s.credentials(), s.credentials(), s.credentials()]);
    assert.deepEqual(f.log.signIns, [false]);
    assert.deepEqual(new Set(all.map((c) => c.guid)), new Set(['G1']));
    assert.equal(s.status().state, 'signed-in');
    assert.equal(s.status().signIns, 1);
    await s.stop();
  });

  it('100-002 without allowForceLogin: refused, cooling down without calling the vendor, then tried again', async () => {
    const f = fakeCalls([{ retcode: '100-002', newGuid: undefined, cookies: [] }, ok('G2')]);
    const { s, clock, lines } = session(f.calls);
    const err = await s.credentials().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(err.retryAfterSec, 15);
    assert.equal(err.upstream?.code, '100-002');
    assert.equal(s.status().state, 'refused');
    assert.ok(s.coolingDown);
    clock.now += 14_999;
    await assert.rejects(s.credentials(), GatewayError);
    assert.deepEqual(f.log.signIns, [false], 'no second sign-in during the cool-down');
    assert.ok(
      lines.some((l) => /"level":50.*agent sign-in refused/.test(l)),
      'logged at error level',
    );
    clock.now += 1;
    assert.equal((await s.credentials()).guid, 'G2');
    assert.deepEqual(f.log.signIns, [false, false]);
    await s.stop();
  });

  it('100-002 with allowForceLogin: forces the sign-in', async () => {
    const f = fakeCalls([{ retcode: '100-002', newGuid: undefined, cookies: [] }, ok('G3')]);
    const { s } = session(f.calls, { agent: { allowForceLogin: true } });
    assert.equal((await s.credentials()).guid, 'G3');
    assert.deepEqual(f.log.signIns, [false, true]);
    await s.stop();
  });

  it('a sign-in answered without Set-GUID is a refusal, not a session', async () => {
    const f = fakeCalls([ok(undefined)]);
    const { s } = session(f.calls);
    await assert.rejects(
      s.credentials(),
      (e: unknown) => e instanceof GatewayError && e.upstream?.code === 'no Set-GUID',
    );
  });

  it('adopts a rotated Guid from a poll; an answer made with an older sign-in changes nothing', async () => {
    const f = fakeCalls([ok('G1'), ok('H1')]);
    const { s } = session(f.calls);
    const first = await s.credentials();
    await flush();
    f.answerPoll(ok('G2'));
    await flush();
    assert.equal((await s.credentials()).guid, 'G2');
    // The session is lost and renewed: an answer made with the first sign-in's credentials is stale.
    s.invalidate(await s.credentials(), '100-006');
    const renewed = await s.credentials();
    assert.equal(renewed.guid, 'H1');
    s.adopt(first, ok('STALE'));
    assert.equal((await s.credentials()).guid, 'H1');
    await s.stop();
  });

  it('a lost session is renewed once for any number of callers, and the stale one is signed out first', async () => {
    const f = fakeCalls([ok('G1'), ok('G2')]);
    const { s } = session(f.calls);
    const used = await s.credentials();
    for (let i = 0; i < 5; i += 1) s.invalidate(used, '000-003');
    assert.equal(s.status().state, 'signed-out');
    assert.equal(s.status().lastCode, '000-003');
    const renewed = await Promise.all([s.credentials(), s.credentials()]);
    assert.deepEqual(
      renewed.map((c) => c.guid),
      ['G2', 'G2'],
    );
    assert.deepEqual(f.log.signIns, [false, false], 'one renewal');
    assert.deepEqual(f.log.signOuts, ['G1'], 'the stale session was signed out before the new sign-in');
    await s.stop();
  });

  it('a poll that says the session is gone drops it; failed polls back off from 1 s to 10 s', async () => {
    const sleeps: number[] = [];
    const f = fakeCalls([ok('G1')]);
    const { s } = session(f.calls, { sleeps });
    await s.credentials();
    for (let i = 0; i < 6; i += 1) {
      await flush();
      f.answerPoll(new Error('socket hang up'));
    }
    await flush();
    assert.deepEqual(sleeps, [1000, 2000, 4000, 8000, 10_000, 10_000]);
    f.answerPoll(ok());
    await flush();
    assert.equal(sleeps.at(-1), 300, 'after a good poll, the normal interval');
    f.answerPoll({ retcode: '100-006', newGuid: undefined, cookies: [] });
    await flush();
    assert.equal(s.status().state, 'signed-out');
    assert.equal(f.waitingPolls(), 0, 'the loop stopped with the session');
  });

  it('keeps cookies from Set-Cookie, drops one at Max-Age=0 or a past Expires, and stops sending one that expired', async () => {
    const f = fakeCalls([
      ok('G1', [
        ['NODE', { value: 'a', expiresAtMs: undefined }],
        ['LB', { value: 'b', expiresAtMs: 1_000_000 + 60_000 }],
      ]),
    ]);
    const clock = { now: 1_000_000 };
    const { s } = session(f.calls, { clock });
    const creds: SessionCredentials = await s.credentials();
    assert.equal(cookieHeader(creds.cookies, clock.now), 'NODE=a; LB=b');
    await flush();
    // What `Set-Cookie: NODE=; Max-Age=0` becomes: a cookie whose lifetime is already over.
    f.answerPoll(ok(undefined, [['NODE', { value: '', expiresAtMs: clock.now }]]));
    await flush();
    const after = await s.credentials();
    assert.equal(cookieHeader(after.cookies, clock.now), 'LB=b');
    clock.now += 60_000;
    assert.equal(cookieHeader(after.cookies, clock.now), undefined, 'LB expired: nothing is sent');
    await s.stop();
  });

  it('stop signs the agent out, stops polling, and refuses further use', async () => {
    const f = fakeCalls([ok('G1')]);
    const { s } = session(f.calls);
    await s.credentials();
    await flush();
    await s.stop();
    assert.deepEqual(f.log.signOuts, ['G1']);
    assert.equal(s.status().state, 'stopped');
    assert.equal(f.waitingPolls(), 0);
    await assert.rejects(
      s.credentials(),
      (e: unknown) => e instanceof GatewayError && e.code === 'UPSTREAM_UNAVAILABLE',
    );
  });
});
