/**
 * Contract 3.8 and issue 4 against the CC-Gateway simulator: the gateway signs agents in once,
 * keeps them alive, renews what the vendor drops, follows Guid rotation, shares the load over a
 * tenant's agents, signs out at shutdown, and never lets a Guid, password or cookie out.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import request from 'supertest';
import { FileStore } from '../../simulators/ccfs/store.js';
import { CcgwSimulator } from '../../simulators/ccgateway/server.js';
import { SEED } from '../../simulators/seed.js';
import { demoRecording } from '../../simulators/shared/audio.js';
import { binaryBody, download } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { AGENTS, opsGet, type Stack, type StackOptions, startStack } from '../helpers/stack.js';

const get = (stack: Stack, query: string, tenant = 'acme', scopes?: string[]) =>
  request(stack.url)
    .get(`/v1/agent-recordings?${query}`)
    .set('Authorization', `Bearer ${stack.token(tenant, scopes)}`)
    .buffer(true)
    .parse(binaryBody);
const rec = (path: string) => `recordId=${encodeURIComponent(path)}`;
const problem = (res: { body: Buffer }) => JSON.parse(res.body.toString('utf8'));

async function withStack(opts: StackOptions, fn: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack(opts);
  try {
    await fn(stack);
  } finally {
    await stack.close();
  }
}

describe('agent recordings (contract 3.8)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it("downloads a recording as the tenant's agent, carrying the Guid and the cookie it was given", async () => {
    const res = await get(stack, rec(SEED.acme.recording));
    assert.equal(res.status, 200);
    assert.ok((res.body as Buffer).equals(stack.ccfs.store.read(SEED.acme.recording)));
    assert.equal(res.headers['content-type'], 'audio/wav');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="4411223.wav"');
    const call = stack.ccgw.seen('recordfile').at(-1)!;
    assert.equal(call.agentId, AGENTS.acme.agentId);
    assert.equal(call.guidValid, true);
    assert.match(call.cookie ?? '', /^AGWNODE=/);
    assert.deepEqual(stack.ccgw.signIns, [{ agentId: AGENTS.acme.agentId, forced: false }]);
    await eventually(() => stack.ccgw.seen('agentevent').length >= 2, 'two polls');
  });

  it('fileType 2 reads voice messages under the agentMessageRecordings rule; locationId is passed on', async () => {
    const res = await get(stack, `${rec(SEED.acme.voiceMessage)}&fileType=2&locationId=7`);
    assert.equal(res.status, 200);
    assert.ok((res.body as Buffer).equals(stack.ccfs.store.read(SEED.acme.voiceMessage)));
    const url = new URL(stack.ccgw.seen('recordfile').at(-1)!.url, 'http://x');
    assert.equal(url.searchParams.get('filetype'), '2');
    assert.equal(url.searchParams.get('locationId'), '7');
  });

  it('refuses bad input without calling the CC-Gateway', async () => {
    const seen = stack.ccgw.seen('recordfile').length;
    const cases: Array<[string, number, string, string?, string[]?]> = [
      ['', 400, 'INVALID_REQUEST'],
      [`${rec(SEED.acme.recording)}&fileType=3`, 400, 'INVALID_REQUEST'],
      [`${rec(SEED.acme.recording)}&locationId=abc`, 400, 'INVALID_REQUEST'],
      [`${rec(SEED.acme.recording)}&extra=1`, 400, 'INVALID_REQUEST'],
      [rec(SEED.globex.recording), 403, 'PATH_FORBIDDEN'],
      [rec('Y:/53/../54/0/x.V3'), 403, 'PATH_FORBIDDEN'],
      [`${rec(SEED.acme.recording)}&fileType=2`, 403, 'PATH_FORBIDDEN'],
      [rec(SEED.acme.recording), 403, 'INSUFFICIENT_SCOPE', 'acme', ['recordings:read']],
    ];
    for (const [query, status, code, tenant, scopes] of cases) {
      const res = await get(stack, query, tenant, scopes);
      assert.equal(res.status, status, query);
      assert.equal(problem(res).code, code, query);
    }
    assert.equal(stack.ccgw.seen('recordfile').length, seen);
  });

  it('maps the 104 codes, keeping the vendor code', async () => {
    const cases: Array<[string, number, string]> = [
      ['104-005', 404, 'NOT_FOUND'],
      ['104-002', 403, 'UPSTREAM_FORBIDDEN'],
      ['104-001', 502, 'UPSTREAM_ERROR'],
      ['104-004', 502, 'UPSTREAM_ERROR'],
      ['104-010', 502, 'UPSTREAM_ERROR'],
    ];
    for (const [code, status, name] of cases) {
      stack.ccgw.injectFault({ operation: 'recordfile', times: 1, resultCode: code });
      const res = await get(stack, rec(SEED.acme.recording));
      assert.equal(res.status, status, code);
      assert.equal(problem(res).code, name);
      assert.deepEqual(problem(res).upstream.code, code);
      assert.equal(problem(res).upstream.service, 'ccgateway');
    }
    const missing = await get(stack, rec('Y:/53/0/20261125/1001/none.V3'));
    assert.equal(missing.status, 404);
    assert.equal(problem(missing).upstream.code, '104-005');
  });

  it('000-003 twice: one renewal, then 403 UPSTREAM_FORBIDDEN', async () => {
    const before = stack.ccgw.signIns.length;
    stack.ccgw.injectFault({ operation: 'recordfile', times: 2, resultCode: '000-003' });
    const res = await get(stack, rec(SEED.acme.recording));
    assert.equal(res.status, 403);
    assert.equal(problem(res).code, 'UPSTREAM_FORBIDDEN');
    assert.equal(problem(res).upstream.code, '000-003');
    assert.equal(stack.ccgw.signIns.length, before + 1, 'signed in again exactly once');
    assert.equal((await get(stack, rec(SEED.acme.recording))).status, 200, 'and the new session works');
  });

  it('the vendor drops the session: the next request signs in once more and succeeds', async () => {
    await get(stack, rec(SEED.acme.recording));
    const before = stack.ccgw.signIns.length;
    stack.ccgw.dropSession(AGENTS.acme.agentId);
    const res = await get(stack, rec(SEED.acme.recording));
    assert.equal(res.status, 200);
    assert.equal(stack.ccgw.signIns.length, before + 1);
  });

  it("/readyz shows each agent's session state and no Guid", async () => {
    const res = await opsGet(stack, '/readyz/details');
    const agents = res.body.dependencies.filter((d: { name: string }) => d.name.startsWith('agent:'));
    assert.deepEqual(agents.map((d: { name: string }) => d.name).sort(), [
      'agent:acme/1001',
      'agent:globex/2001',
      'agent:globex/2002',
    ]);
    assert.equal(agents.find((d: { name: string }) => d.name === 'agent:acme/1001').detail.split(' ')[0], 'signed-in');
    for (const secret of stack.ccgw.issued) assert.ok(!res.text.includes(secret));
  });
});

describe('agent sessions under stress', () => {
  it('50 concurrent requests on a cold start cause exactly one sign-in', async () => {
    await withStack({}, async (stack) => {
      const results = await Promise.all(Array.from({ length: 50 }, () => get(stack, rec(SEED.acme.recording))));
      assert.deepEqual(
        results.map((r) => r.status),
        Array(50).fill(200),
      );
      assert.equal(stack.ccgw.signIns.length, 1);
      assert.equal(stack.ccgw.seen('recordfile').length, 50);
      assert.ok(stack.ccgw.seen('recordfile').every((r) => r.guidValid));
    });
  });

  it('expiry while idle (the polls fail, the vendor signs the agent out): one re-sign-in, the request succeeds', async () => {
    await withStack({ ccgw: { idleSignOutMs: 300 } }, async (stack) => {
      assert.equal((await get(stack, rec(SEED.acme.recording))).status, 200);
      stack.ccgw.injectFault({ operation: 'agentevent', times: Infinity, status: 502 });
      await eventually(() => !stack.ccgw.isSignedIn(AGENTS.acme.agentId), 'the vendor signed the agent out');
      stack.ccgw.faults.clear();
      const res = await get(stack, rec(SEED.acme.recording));
      assert.equal(res.status, 200);
      assert.equal(stack.ccgw.signIns.length, 2);
    });
  });

  it('a forced sign-in by someone else: recovered by force where allowed, 503 where not', async () => {
    await withStack({}, async (stack) => {
      assert.equal((await get(stack, rec(SEED.acme.recording))).status, 200);
      assert.equal((await get(stack, rec(SEED.globex.recording), 'globex')).status, 200);
      stack.ccgw.signInElsewhere(AGENTS.acme.agentId);
      stack.ccgw.signInElsewhere(AGENTS.globexA.agentId);
      stack.ccgw.signInElsewhere(AGENTS.globexB.agentId);

      const refused = await get(stack, rec(SEED.acme.recording));
      assert.equal(refused.status, 503);
      assert.equal(problem(refused).code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(problem(refused).upstream.code, '100-002');
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      const ready = await opsGet(stack, '/readyz/details');
      assert.equal(ready.status, 200, "one tenant's agent does not make the gateway unready");
      assert.match(JSON.stringify(ready.body), /agent:acme\/1001","ok":false/);
      const signInsBefore = stack.ccgw.seen('signIn').length;
      assert.equal((await get(stack, rec(SEED.acme.recording))).status, 503, 'still refused during the cool-down');
      assert.equal(stack.ccgw.seen('signIn').length, signInsBefore, 'without asking the vendor again');

      for (let i = 0; i < 4; i += 1) assert.equal((await get(stack, rec(SEED.globex.recording), 'globex')).status, 200);
      assert.ok(stack.ccgw.signIns.some((s) => s.agentId === AGENTS.globexA.agentId && s.forced));
      assert.ok(stack.ccgw.signIns.some((s) => s.agentId === AGENTS.globexB.agentId && s.forced));
    });
  });

  it('Guid rotation under steady traffic: no request fails, one sign-in', async () => {
    // The simulator's clock, moved by hand: each step makes the next poll answer rotate the Guid,
    // while four loops keep requesting across the rotation.
    let clock = 1_000_000;
    await withStack({ ccgw: { rotateEveryMs: 1000, oldGuidTtlMs: 5000, now: () => clock } }, async (stack) => {
      const statuses: number[] = [];
      let done = false;
      const loops = Array.from({ length: 4 }, async () => {
        while (!done) statuses.push((await get(stack, rec(SEED.acme.recording))).status);
      });
      try {
        await eventually(() => statuses.length >= 4, 'signed in and serving');
        for (let step = 1; step <= 6; step += 1) {
          clock += 1000;
          await eventually(() => stack.ccgw.rotations >= step, `rotation ${step}`);
          const seen = statuses.length;
          await eventually(() => statuses.length >= seen + 4, 'requests made with the new Guid');
        }
      } finally {
        done = true;
        await Promise.all(loops);
      }
      assert.deepEqual([...new Set(statuses)], [200]);
      assert.ok(stack.ccgw.rotations >= 6, `${stack.ccgw.rotations} rotations`);
      assert.equal(stack.ccgw.signIns.length, 1);
      const late = stack.ccgw.seen('recordfile').slice(-5);
      assert.ok(late.every((r) => r.guidValid));
    });
  });

  it('several agents of a tenant share the load', async () => {
    await withStack({}, async (stack) => {
      for (let i = 0; i < 10; i += 1)
        assert.equal((await get(stack, rec(SEED.globex.recording), 'globex')).status, 200);
      const byAgent = new Map<number, number>();
      for (const r of stack.ccgw.seen('recordfile')) byAgent.set(r.agentId!, (byAgent.get(r.agentId!) ?? 0) + 1);
      assert.deepEqual([...byAgent.entries()].sort(), [
        [AGENTS.globexA.agentId, 5],
        [AGENTS.globexB.agentId, 5],
      ]);
    });
  });

  it('a wrong password: 503, an error log line, and no password hammering', async () => {
    await withStack(
      {
        configure: (raw) => {
          raw.tenants[0].ccgateway.agents[0].password = 'wrong-password';
        },
      },
      async (stack) => {
        const res = await get(stack, rec(SEED.acme.recording));
        assert.equal(res.status, 503);
        assert.equal(problem(res).upstream.code, '100-004');
        assert.equal((await get(stack, rec(SEED.acme.recording))).status, 503);
        assert.equal(stack.ccgw.seen('signIn').length, 1);
        assert.ok(stack.lines.some((l) => /"level":50/.test(l) && /agent sign-in refused/.test(l)));
        assert.ok(!stack.lines.some((l) => l.includes('wrong-password')));
      },
    );
  });

  it('shutdown signs the agents out and stops polling; no Guid, password or cookie in any response or log line', async () => {
    const stack = await startStack();
    let closed = false;
    try {
      const responses: string[] = [];
      for (const [tenant, path] of [
        ['acme', SEED.acme.recording],
        ['globex', SEED.globex.recording],
        ['globex', SEED.globex.recording],
      ] as const) {
        const res = await get(stack, rec(path), tenant);
        assert.equal(res.status, 200);
        responses.push(JSON.stringify(res.headers));
      }
      stack.ccgw.injectFault({ operation: 'recordfile', times: 1, resultCode: '104-002' });
      const refused = await get(stack, rec(SEED.acme.recording));
      responses.push(JSON.stringify(refused.headers), refused.body.toString());
      const ready = await opsGet(stack, '/readyz/details');
      responses.push(ready.text);

      await stack.gateway.close(1000);
      closed = true;
      assert.deepEqual([...stack.ccgw.signOuts].sort(), [
        AGENTS.acme.agentId,
        AGENTS.globexA.agentId,
        AGENTS.globexB.agentId,
      ]);
      for (const a of Object.values(AGENTS)) assert.equal(stack.ccgw.isSignedIn(a.agentId), false);
      // Every poll loop is stopped and the pool closed: no poll can start after shutdown.
      assert.deepEqual(new Set(stack.gateway.deps.agentRecordings.status().map((a) => a.state)), new Set(['stopped']));
      const polls = stack.ccgw.seen('agentevent').length;
      await eventually(() => stack.ccgw.connectionCount() === 0, 'the gateway holds no connection to CC-Gateway');
      assert.equal(stack.ccgw.seen('agentevent').length, polls, 'no poll after shutdown');

      const secrets = [...stack.ccgw.issued, ...Object.values(AGENTS).map((a) => a.password)];
      assert.ok(secrets.length >= 9);
      for (const secret of secrets) {
        for (const r of responses) assert.ok(!r.includes(secret), 'a secret in a response');
        for (const l of stack.lines) assert.ok(!l.includes(secret), `a secret in a log line: ${l.slice(0, 120)}`);
      }
      assert.ok(stack.lines.some((l) => /agent signed out/.test(l)));
    } finally {
      if (!closed) await stack.gateway.close(100);
      await stack.ccgw.close();
      await stack.ccfs.close();
    }
  });
});

describe('agent recordings: faults', () => {
  it('a reset on every try (the first and both resumes) cuts the client connection; a CC-Gateway 5xx is a 502 problem', async () => {
    await withStack({}, async (stack) => {
      stack.ccgw.injectFault({ operation: 'recordfile', times: 3, resetAfterBytes: 3000 });
      const cut = await download(`${stack.url}/v1/agent-recordings?${rec(SEED.acme.recording)}`, {
        authorization: `Bearer ${stack.token()}`,
      });
      assert.equal(cut.status, 200);
      assert.ok(cut.error, 'the client saw an incomplete transfer');
      assert.ok(cut.bytes < Number(cut.headers['content-length']));
      stack.ccgw.injectFault({ operation: 'recordfile', times: 3, status: 502 });
      const bad = await get(stack, rec(SEED.acme.recording));
      assert.equal(bad.status, 502);
      assert.equal(problem(bad).upstream.code, 'HTTP 502');
      assert.doesNotMatch(bad.body.toString(), /NSLB/);
    });
  });

  it('a tenant may name its own CC-Gateway; its agents are signed in there', async () => {
    const root = mkdtempSync(join(tmpdir(), 'own-ccgw-'));
    const store = new FileStore(root);
    await store.put(SEED.globex.recording, demoRecording(1));
    const own = new CcgwSimulator({ agents: [AGENTS.globexA, AGENTS.globexB], store, pollWaitMs: 100 });
    const ownUrl = await own.listen();
    try {
      await withStack(
        {
          configure: (raw) => {
            raw.tenants[1].upstreams = { ccgateway: { baseUrl: ownUrl } };
          },
        },
        async (stack) => {
          const res = await get(stack, rec(SEED.globex.recording), 'globex');
          assert.equal(res.status, 200);
          assert.equal(own.signIns.length, 1, "signed in on the tenant's own CC-Gateway");
          assert.equal(stack.ccgw.signIns.length, 0, 'not on the global one');
          assert.equal((await get(stack, rec(SEED.acme.recording))).status, 200);
          assert.equal(stack.ccgw.signIns.length, 1, 'the other tenant still uses the global one');
        },
      );
    } finally {
      await own.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('agent sessions over time', () => {
  it('a long-lived poll loop leaves no listener behind (no MaxListenersExceededWarning after many polls)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      await withStack({ ccgw: { pollWaitMs: 5 } }, async (stack) => {
        assert.equal((await get(stack, rec(SEED.acme.recording))).status, 200);
        await eventually(() => stack.ccgw.seen('agentevent').length >= 40, 'forty polls');
      });
      await tick();
      assert.deepEqual(
        warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });
});
