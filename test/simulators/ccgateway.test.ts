/**
 * The CC-Gateway simulator holds clients to the vendor's session rules: this file talks to it
 * with plain HTTP, as the vendor's own demo client would, so that a lenient simulator fails here.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../simulators/ccfs/store.js';
import { CcgwSimulator, type CcgwSimulatorOptions } from '../../simulators/ccgateway/server.js';
import { demoRecording } from '../../simulators/shared/audio.js';

const A = { agentId: 301, password: 'pw-301', vdnId: 53 };
const B = { agentId: 302, password: 'pw-302', vdnId: 53, forceable: false };
const REC = 'Y:/53/0/20261125/301/77.V3';
const MSG = 'Y:/53/record/20261125/301/m1.wav';
const OTHER_VDN = 'Y:/54/0/20261125/1/1.V3';

interface Answer {
  status: number;
  retcode?: string;
  headers: Headers;
  bytes: Buffer;
}

async function call(
  base: string,
  method: string,
  path: string,
  opts: { guid?: string; cookie?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
  if (opts.guid) headers.guid = opts.guid;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(`${base}/agentgateway/resource${path}`, {
    method,
    headers,
    ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const retcode = res.headers.get('content-type')?.includes('json')
    ? (JSON.parse(bytes.toString()) as { retcode: string }).retcode
    : undefined;
  return { status: res.status, headers: res.headers, bytes, ...(retcode !== undefined ? { retcode } : {}) };
}

const guidOf = (a: Answer) => a.headers.get('set-guid')!.replace(/^JSESSIONID=/, '');
const cookieOf = (a: Answer) => a.headers.get('set-cookie')!.split(';')[0]!;

async function startSim(extra: Partial<CcgwSimulatorOptions> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'ccgw-sim-'));
  const store = new FileStore(root);
  await store.put(REC, demoRecording(1, 1));
  await store.put(MSG, demoRecording(2, 1));
  await store.put(OTHER_VDN, demoRecording(3, 1));
  const sim = new CcgwSimulator({ agents: [A, B], store, pollWaitMs: 50, ...extra });
  const url = await sim.listen();
  return {
    sim,
    url,
    store,
    close: async () => {
      await sim.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

describe('CC-Gateway simulator', () => {
  let s: Awaited<ReturnType<typeof startSim>>;
  before(async () => {
    s = await startSim();
  });
  after(async () => {
    await s.close();
  });

  it('checks the password and answers 100-004 when it is wrong', async () => {
    const bad = await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: 'nope', phonenum: '1' } });
    assert.equal(bad.retcode, '100-004');
    assert.equal(bad.headers.get('set-guid'), null);
    const empty = await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: {} });
    assert.equal(empty.retcode, '100-001');
  });

  it('signs in with Set-GUID and a cookie, refuses a second sign-in with 100-002, and checks the Guid on every call', async () => {
    const first = await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } });
    assert.equal(first.retcode, '0');
    assert.match(first.headers.get('set-guid')!, /^JSESSIONID=[0-9a-f-]{36}\.AgentGateway0$/);
    assert.ok(first.headers.get('set-cookie'));
    const again = await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } });
    assert.equal(again.retcode, '100-002');
    const guid = guidOf(first);
    assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid })).retcode, '0');
    assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid: 'made-up' })).retcode, '100-006');
    assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`)).retcode, '100-006');
    assert.equal(
      (await call(s.url, 'GET', `/agentevent/${B.agentId}`, { guid })).retcode,
      '100-006',
      "a Guid is one agent's",
    );
  });

  it('force sign-in kills the previous Guid; an unforceable agent answers 100-015', async () => {
    const old = guidOf(
      await call(s.url, 'PUT', `/onlineagent/${A.agentId}/forcelogin`, { body: { password: A.password } }),
    );
    const fresh = await call(s.url, 'PUT', `/onlineagent/${A.agentId}/forcelogin`, { body: { password: A.password } });
    assert.equal(fresh.retcode, '0');
    assert.notEqual(guidOf(fresh), old);
    assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid: old })).retcode, '100-006');
    assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid: guidOf(fresh) })).retcode, '0');
    await call(s.url, 'PUT', `/onlineagent/${B.agentId}`, { body: { password: B.password } });
    assert.equal(
      (await call(s.url, 'PUT', `/onlineagent/${B.agentId}/forcelogin`, { body: { password: B.password } })).retcode,
      '100-015',
    );
  });

  it('long-polls: an empty poll returns after the configured wait', async () => {
    const guid = guidOf(
      await call(s.url, 'PUT', `/onlineagent/${A.agentId}/forcelogin`, { body: { password: A.password } }),
    );
    const t0 = Date.now();
    await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid });
    assert.ok(Date.now() - t0 >= 45, 'waited about pollWaitMs');
  });

  it("serves recordings of the agent's VDN with the 104 codes", async () => {
    const guid = guidOf(
      await call(s.url, 'PUT', `/onlineagent/${A.agentId}/forcelogin`, { body: { password: A.password } }),
    );
    const rec = (q: string) => call(s.url, 'GET', `/recordfile/${A.agentId}?${q}`, { guid });
    const ok = await rec(`recordId=${encodeURIComponent(REC)}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/octet-stream;charset=utf-8');
    assert.ok(ok.bytes.equals(s.store.read(REC)));
    assert.equal((await rec(`recordId=${encodeURIComponent(MSG)}&filetype=2`)).status, 200);
    assert.equal(
      (await rec(`recordId=${encodeURIComponent(REC)}&filetype=2`)).retcode,
      '104-003',
      'fileType 2 is for voice messages',
    );
    assert.equal((await rec(`recordId=${encodeURIComponent('Y:/53/0/none.V3')}`)).retcode, '104-005');
    assert.equal((await rec(`recordId=${encodeURIComponent(OTHER_VDN)}`)).retcode, '104-002');
    assert.equal((await rec('filetype=1')).retcode, '000-002');
    const noGuid = await call(s.url, 'GET', `/recordfile/${A.agentId}?recordId=${encodeURIComponent(REC)}`);
    assert.equal(noGuid.retcode, '100-006');
  });

  it('signs out on DELETE logout; the Guid dies', async () => {
    const guid = guidOf(
      await call(s.url, 'PUT', `/onlineagent/${A.agentId}/forcelogin`, { body: { password: A.password } }),
    );
    assert.equal((await call(s.url, 'DELETE', `/onlineagent/${A.agentId}/logout`, { guid })).retcode, '0');
    assert.equal(s.sim.isSignedIn(A.agentId), false);
    assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid })).retcode, '100-006');
    assert.equal(
      (await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } })).retcode,
      '0',
      'a plain sign-in works again',
    );
  });

  it('injects faults: 5xx, malformed bodies, injected codes', async () => {
    s.sim.injectFault({ operation: 'signIn', times: 1, status: 502 });
    assert.equal(
      (await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } })).status,
      502,
    );
    s.sim.injectFault({ operation: 'agentevent', times: 1, malformed: true });
    const text = await (await fetch(`${s.url}/agentgateway/resource/agentevent/${A.agentId}`)).text();
    assert.ok(text.length > 0);
    assert.throws(() => JSON.parse(text));
    s.sim.injectFault({ operation: 'recordfile', times: 1, resultCode: '104-001' });
    assert.equal((await call(s.url, 'GET', `/recordfile/${A.agentId}?recordId=x`)).retcode, '104-001');
  });
});

describe('CC-Gateway simulator timing rules', () => {
  it('signs an agent out when it is not polled for idleSignOutMs', async () => {
    // The simulator's clock, moved by hand: its timeouts pass when the test says so.
    let clock = 1_000_000;
    const s = await startSim({ idleSignOutMs: 150, now: () => clock });
    try {
      const guid = guidOf(await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } }));
      for (let i = 0; i < 4; i += 1)
        assert.equal((await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid })).retcode, '0', 'polled: alive');
      clock += 250;
      assert.equal(
        (await call(s.url, 'GET', `/recordfile/${A.agentId}?recordId=${encodeURIComponent(REC)}`, { guid })).retcode,
        '100-006',
      );
      assert.equal(
        (await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } })).retcode,
        '0',
        'not 100-002: it was signed out',
      );
    } finally {
      await s.close();
    }
  });

  it('rotates the Guid on poll answers in dynamic mode; the old one dies after its timeout', async () => {
    let clock = 1_000_000;
    const s = await startSim({ rotateEveryMs: 60, oldGuidTtlMs: 100, now: () => clock });
    try {
      const first = guidOf(await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } }));
      clock += 70;
      const polled = await call(s.url, 'GET', `/agentevent/${A.agentId}`, { guid: first });
      const second = guidOf(polled);
      assert.notEqual(second, first);
      assert.equal(
        (await call(s.url, 'GET', `/recordfile/${A.agentId}?recordId=${encodeURIComponent(REC)}`, { guid: first }))
          .status,
        200,
        'the old Guid still works for a while',
      );
      clock += 120;
      assert.equal(
        (await call(s.url, 'GET', `/recordfile/${A.agentId}?recordId=${encodeURIComponent(REC)}`, { guid: first }))
          .retcode,
        '100-006',
      );
      assert.equal(
        (await call(s.url, 'GET', `/recordfile/${A.agentId}?recordId=${encodeURIComponent(REC)}`, { guid: second }))
          .status,
        200,
      );
    } finally {
      await s.close();
    }
  });

  it('in POOL mode needs locationId (104-010); with requireStickyCookie needs the cookie', async () => {
    const s = await startSim({ poolMode: true, requireStickyCookie: true });
    try {
      const signIn = await call(s.url, 'PUT', `/onlineagent/${A.agentId}`, { body: { password: A.password } });
      const guid = guidOf(signIn);
      const cookie = cookieOf(signIn);
      const path = `/recordfile/${A.agentId}?recordId=${encodeURIComponent(REC)}`;
      assert.equal((await call(s.url, 'GET', path, { guid, cookie })).retcode, '104-010');
      assert.equal(
        (await call(s.url, 'GET', `${path}&locationId=1`, { guid })).retcode,
        '100-006',
        'no cookie: the NSLB sent it elsewhere',
      );
      assert.equal((await call(s.url, 'GET', `${path}&locationId=1`, { guid, cookie })).status, 200);
    } finally {
      await s.close();
    }
  });
});
