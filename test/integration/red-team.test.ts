/**
 * Issue 13, the red team's findings, each as it was reproduced: fair use of the vendor pool,
 * playback links that cannot starve their tenant, HEAD that costs only headers, the paths to a
 * 500, case and spelling tricks, `100 Continue` before the checks, JWT `crit` and infinite `exp`,
 * what the public port tells, and the budget of failed authentications.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type ClientRequest, get as httpGet, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { mintToken } from '../../demo/mint.js';
import { SEED } from '../../simulators/seed.js';
import { eventually } from '../helpers/eventually.js';
import { rawRequest } from '../helpers/raw-http.js';
import { AUDIENCE, activeStreams, ISSUER, JWT_SECRET, type Stack, startStack } from '../helpers/stack.js';

const MIB = 1024 * 1024;
const BIG = 'Y:/53/0/20261125/1001/red-big.V3';
const GLOBEX_BIG = 'Y:/54/0/20261125/1001/red-big.V3';

/** A GET whose body the client never reads: the stream stalls on backpressure and holds its slot. */
function stalled(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ res: IncomingMessage; req: ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      res.pause();
      resolve({ res, req });
    });
    req.on('error', reject);
  });
}

describe('a full vendor pool: fair shares and a bounded wait', () => {
  let stack: Stack;
  const held: Array<{ req: ClientRequest }> = [];
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        Object.assign(raw.upstreams.ccfs, {
          connections: 4,
          maxTenantShare: 0.5,
          queueTimeoutMs: 300,
          idleTimeoutMs: 60_000,
        });
      },
    });
    await stack.ccfs.store.put(BIG, Buffer.alloc(60 * MIB, 1));
    await stack.ccfs.store.put(GLOBEX_BIG, Buffer.alloc(60 * MIB, 2));
  });
  after(async () => {
    for (const h of held) h.req.destroy();
    await stack.close();
  });

  it('a tenant at its share waits, then gets 503 with Retry-After; the other tenant is still served', async () => {
    const url = (p: string) => `${stack.url}/v1/recordings?fileName=${encodeURIComponent(p)}`;
    for (let i = 0; i < 2; i += 1) held.push(await stalled(url(BIG), { authorization: `Bearer ${stack.token()}` }));
    assert.equal(await activeStreams(stack), 2);

    const refused = await request(url(SEED.acme.recording)).get('').set('Authorization', `Bearer ${stack.token()}`);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'UPSTREAM_UNAVAILABLE');
    assert.match(refused.body.detail, /no connection to CC-FS became free/);
    assert.equal(refused.headers['retry-after'], '1');

    const other = await request(url(SEED.globex.recording))
      .get('')
      .set('Authorization', `Bearer ${stack.token('globex')}`);
    assert.equal(other.status, 200, 'the other tenant still has its share');
    // The other tenant fills the rest of the pool; then anyone waits, and is refused in time.
    for (let i = 0; i < 2; i += 1)
      held.push(await stalled(url(GLOBEX_BIG), { authorization: `Bearer ${stack.token('globex')}` }));
    const full = await request(url(SEED.globex.recording))
      .get('')
      .set('Authorization', `Bearer ${stack.token('globex')}`);
    assert.equal(full.status, 503);

    for (const h of held.splice(0)) h.req.destroy();
    await eventually(async () => (await activeStreams(stack)) === 0, 'slots given back');
    const again = await request(url(SEED.acme.recording)).get('').set('Authorization', `Bearer ${stack.token()}`);
    assert.equal(again.status, 200, 'slots are freed when the streams end');
  });
});

describe('playback links have limits of their own', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        raw.tenants[0].limits = {
          requestsPerSecond: 1000,
          burst: 5,
          concurrentStreams: 2,
          playbackStreamsPerId: 2,
          playbackConcurrentStreams: 10,
          playbackRequestsPerSecondPerId: 0.001,
          playbackBurstPerId: 6,
        };
      },
    });
    await stack.ccfs.store.put(BIG, Buffer.alloc(60 * MIB, 1));
  });
  after(async () => {
    await stack.close();
  });

  it('slow and rapid GETs of one playback id are refused for that id, not for the tenant', async () => {
    const made = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', `Bearer ${stack.token()}`)
      .send({ fileName: BIG });
    assert.equal(made.status, 201);
    const held = [await stalled(`${stack.url}${made.body.url}`), await stalled(`${stack.url}${made.body.url}`)];
    try {
      const third = await request(stack.url).get(made.body.url);
      assert.equal(third.status, 429);
      assert.match(third.body.detail, /this playback URL already has 2 streams open/);
      // The tenant's own API budget and stream cap are untouched.
      for (let i = 0; i < 2; i += 1) {
        const own = await request(stack.url)
          .get('/v1/recordings')
          .query({ fileName: SEED.acme.recording })
          .set('Authorization', `Bearer ${stack.token()}`);
        assert.equal(own.status, 200);
      }
    } finally {
      for (const h of held) h.req.destroy();
    }
    // Three GETs so far; the id's bucket of 6 lets three more through, then refuses.
    await eventually(async () => (await activeStreams(stack)) === 0, 'streams ended');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await request(stack.url).head(made.body.url)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const own = await request(stack.url)
      .get('/v1/recordings')
      .query({ fileName: SEED.acme.recording })
      .set('Authorization', `Bearer ${stack.token()}`);
    assert.equal(own.status, 200, 'the tenant is not starved by its link');
  });
});

describe('HEAD costs the vendor headers, not the file', () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'red-audit-'));
    stack = await startStack({
      configure: (raw) => {
        raw.audit.destination = join(dir, 'audit.log');
      },
    });
    await stack.ccfs.store.put(BIG, Buffer.alloc(60 * MIB, 1));
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the headers, aborts the vendor stream, and audits 0 bytes sent', async () => {
    const res = await request(stack.url)
      .head('/v1/recordings')
      .query({ fileName: BIG })
      .set('Authorization', `Bearer ${stack.token()}`)
      .set('X-Request-Id', 'head-1');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(60 * MIB));
    const rec = stack.ccfs.seen('downloadRecord').at(-1)!;
    await eventually(() => rec.aborted, 'the vendor stream was torn down');
    const line = await eventually(() =>
      readFileSync(join(dir, 'audit.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.requestId === 'head-1'),
    );
    assert.equal(line.bytesSent, 0);
    assert.equal(line.status, 200);
  });
});

describe('no path to a 500, and no spelling around the rules', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });
  const auth = () => `Bearer ${stack.token()}`;

  it('a token whose payload is null, not JSON, or starts with a byte-order mark is a 401', async () => {
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    for (const payload of ['null', '{}x', '\uFEFF{"iss":"x"}', '[]', '"text"', '7']) {
      const token = `${header}.${Buffer.from(payload).toString('base64url')}.AAAA`;
      const res = await request(stack.url)
        .get('/v1/recordings')
        .query({ fileName: SEED.acme.recording })
        .set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 401, payload);
    }
  });

  it('object values where strings belong are 400 from the schema, on 3.3 and 3.7', async () => {
    const playback = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', auth())
      .send({ fileName: { toString: 'x' } });
    assert.equal(playback.status, 400);
    for (const msgBody of [{ fileName: { toString: 'x' } }, { callId: { valueOf: 1 } }]) {
      const res = await request(stack.url)
        .post('/v1/ccfs/downloadRecord')
        .set('Authorization', auth())
        .send({ request: { version: '2.0' }, msgBody });
      assert.equal(res.status, 400, JSON.stringify(msgBody));
    }
    const ivr = await request(stack.url)
      .post('/v1/ccfs/ivr/downloadFile')
      .set('Authorization', auth())
      .send({ request: { version: '2.0' }, msgBody: { filePath: { toString: 'x' } } });
    assert.equal(ivr.status, 400);
    assert.ok(!stack.lines.some((l) => l.includes('"level":50')), 'no error-level log line');
  });

  it('a compressed JSON body is 415 on every JSON route, whether or not it decodes', async () => {
    for (const path of ['/v1/recordings/playback', '/v1/ccfs/requestPlayVoice']) {
      for (const [encoding, body] of [
        ['gzip', Buffer.from('{"fileName":"x"}')],
        ['deflate', Buffer.from('not deflate')],
        ['br', Buffer.from('not brotli')],
        ['gzip', gzipSync('{"fileName":"x"}')],
      ] as const) {
        const res = await request(stack.url)
          .post(path)
          .set('Authorization', auth())
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .send(body);
        assert.equal(res.status, 415, `${path} ${encoding}`);
      }
    }
  });

  it('routes are case-sensitive, and a playback id is masked in the log however it is spelled', async () => {
    const made = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', auth())
      .send({ fileName: SEED.acme.recording });
    const id = made.body.url.split('/').at(-1) as string;
    for (const path of [
      `/V1/RECORDINGS/PLAYBACK/${id}`,
      `/v1/recordings/PlayBack/${id}`,
      `/v1/recordings/%70layback/${id}`,
      `/v1//recordings/playback/${id}`,
    ]) {
      assert.equal((await request(stack.url).get(path)).status, 404, path);
    }
    assert.equal((await request(stack.url).get(`/v1/recordings/playback/${id}`)).status, 200);
    await eventually(() => stack.lines.some((l) => l.includes('/V1/RECORDINGS/PLAYBACK/')), 'logged');
    for (const line of stack.lines)
      assert.ok(!line.includes(id.slice(0, 40)), `the id in a log line: ${line.slice(0, 200)}`);
  });

  it('100 Continue comes only after the checks, however the upload route is spelled', async () => {
    const { host } = new URL(stack.url);
    const cases: Array<[string, string]> = [
      ['POST /v1/ivr-files/ HTTP/1.1', 'Bearer nope'],
      ['POST /V1/IVR-FILES HTTP/1.1', 'Bearer nope'],
      [`POST http://${host}/v1/ivr-files HTTP/1.1`, 'Bearer nope'],
      ['POST /v1/ccfs/ivr/uploadFile?vdnId=53 HTTP/1.1', 'Bearer nope'],
      ['POST /v1/ivr-files HTTP/1.1', auth()],
    ];
    for (const [line, authorization] of cases) {
      const answer = await rawRequest(
        stack.url,
        [
          line,
          `Host: ${host}`,
          `Authorization: ${authorization}`,
          'Content-Type: audio/wav',
          'Content-Length: 999999999',
          'Expect: 100-continue',
        ].join('\r\n'),
        () => undefined,
      );
      assert.doesNotMatch(answer.text, /^HTTP\/1\.1 100/, line);
      assert.ok([401, 404, 413].includes(answer.status), `${line}: ${answer.status}`);
    }
  });

  it('a JWT with a critical header extension, or an exp of 1e309, is refused', async () => {
    const sign = (payload: object, header: object = {}) =>
      jwt.sign(payload, JWT_SECRET, { algorithm: 'HS256', header: { alg: 'HS256', ...header } as jwt.JwtHeader });
    const base = { tenant: 'acme', scope: 'recordings:read', sub: 'u', iss: ISSUER, aud: AUDIENCE };
    const crit = sign({ ...base, exp: Math.floor(Date.now() / 1000) + 600 }, { crit: ['exp-ext'], 'exp-ext': 1 });
    const b64 = (o: string) => Buffer.from(o).toString('base64url');
    const payload = `{"tenant":"acme","scope":"recordings:read","sub":"u","iss":"${ISSUER}","aud":"${AUDIENCE}","exp":1e309}`;
    const unsigned = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(payload)}`;
    const { createHmac } = await import('node:crypto');
    const infinite = `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
    for (const token of [crit, infinite]) {
      const res = await request(stack.url)
        .get('/v1/recordings')
        .query({ fileName: SEED.acme.recording })
        .set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 401);
    }
  });

  it('the public port says only ready or not; details and metrics need ops:read', async () => {
    const ready = await request(stack.url).get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
    assert.equal((await request(stack.url).get('/metrics')).status, 401);
    assert.equal((await request(stack.url).get('/readyz/details')).status, 401);
    const noScope = await request(stack.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${stack.token('acme', ['recordings:read'])}`);
    assert.equal(noScope.status, 403);
    const details = await request(stack.url).get('/readyz/details').set('Authorization', auth());
    assert.equal(details.status, 200);
    assert.ok(Array.isArray(details.body.dependencies));
  });
});

describe('a budget of failed authentications per client address', () => {
  let stack: Stack;
  let clock = Date.now();
  before(async () => {
    stack = await startStack({
      now: () => clock,
      configure: (raw) => {
        raw.auth.failedAuthLimit = { burst: 5, perMinute: 60 };
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it('answers 429 with Retry-After once the address has failed too often and its verifications over budget are spent, and refills with time', async () => {
    const bad = () =>
      request(stack.url)
        .get('/v1/recordings')
        .query({ fileName: SEED.acme.recording })
        .set('Authorization', 'Bearer x.y.z');
    const statuses: number[] = [];
    for (let i = 0; i < 9; i += 1) statuses.push((await bad()).status);
    // Five failures of budget, then two verifications over budget (their burst), then refusals.
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 429, 429]);
    const limited = await bad();
    // The wait for the next verification over budget: 30 a minute, so 2 s.
    assert.equal(limited.headers['retry-after'], '2');
    // Two seconds on, the rate over budget allows one more verification, and only one.
    clock += 2000;
    assert.equal((await bad()).status, 401);
    assert.equal((await bad()).status, 429);
  });

  it('a valid caller behind an address flooding forged tokens keeps working; the flood gets a bounded number of verifications', async () => {
    // A stack of its own, whose clock stands still: no budget refills during the test.
    const fixed = Date.now();
    const own = await startStack({
      now: () => fixed,
      configure: (raw) => {
        raw.auth.failedAuthLimit = { burst: 5, perMinute: 60 };
      },
    });
    try {
      const valid = own.token('acme');
      const get = (token: string) =>
        request(own.url)
          .get('/v1/recordings')
          .query({ fileName: SEED.acme.recording })
          .set('Authorization', `Bearer ${token}`);
      assert.equal((await get(valid)).status, 200, 'verified once, before the flood');
      const [h, p] = valid.split('.');
      const forged = (i: number) => `${h}.${p}.${Buffer.from(`forged-${i}`).toString('base64url')}`;
      const flood: number[] = [];
      const served: number[] = [];
      for (let i = 0; i < 60; i += 1) {
        flood.push((await get(forged(i))).status);
        served.push((await get(valid)).status);
      }
      assert.deepEqual(new Set(served), new Set([200]), 'every request of the valid caller was served');
      // Five failures of budget and two over it were verified, no more.
      assert.equal(flood.filter((s) => s === 401).length, 7, flood.join(' '));
      assert.equal(flood.filter((s) => s === 429).length, 53);
      // A new token from that address waits for the bounded rate like any other.
      const fresh = await get(own.token('acme', undefined, { subject: 'someone-else' }));
      assert.equal(fresh.status, 429);
      assert.ok(Number(fresh.headers['retry-after']) >= 1);
    } finally {
      await own.close();
    }
  });

  it('trusted networks are exempt', async () => {
    const trusted = await startStack({
      configure: (raw) => {
        raw.auth.failedAuthLimit = { burst: 1, perMinute: 1, trustedNetworks: ['127.0.0.0/8'] };
      },
    });
    try {
      for (let i = 0; i < 5; i += 1) {
        const res = await request(trusted.url)
          .get('/v1/recordings')
          .query({ fileName: 'x' })
          .set('Authorization', 'Bearer x.y.z');
        assert.equal(res.status, 401);
      }
    } finally {
      await trusted.close();
    }
  });
});

describe('an issuer bound to tenants, and a cap on connections per address', () => {
  const PARTNER = 'https://idp.partner.test';
  const PARTNER_SECRET = 'partner-jwt-secret-0123456789-abcdefghijkl';
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        raw.auth.issuers.push({
          issuer: PARTNER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          secret: PARTNER_SECRET,
          tenants: ['globex'],
        });
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it("a partner issuer's token acts for its own tenants only", async () => {
    const partner = (tenant: string) =>
      mintToken({ secret: PARTNER_SECRET, issuer: PARTNER, audience: AUDIENCE, tenant, scopes: ['ops:read'] });
    const own = await request(stack.url)
      .get('/readyz/details')
      .set('Authorization', `Bearer ${partner('globex')}`);
    assert.equal(own.status, 200);
    const other = await request(stack.url)
      .get('/readyz/details')
      .set('Authorization', `Bearer ${partner('acme')}`);
    assert.equal(other.status, 401);
    assert.equal(other.body.detail, 'token issuer may not act for this tenant');
  });

  it('connections past the cap from one address are closed as they come; one freed is one more allowed', async () => {
    // A stack of its own: nothing else holds a connection to it.
    const capped = await startStack({
      configure: (raw) => {
        raw.server.maxConnectionsPerAddress = 3;
      },
    });
    const { port } = new URL(capped.url);
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const s = connect(Number(port), '127.0.0.1', () => resolve(s));
        s.on('error', () => undefined);
      });
    const closed = (s: Socket) =>
      new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
    const held = [await open(), await open(), await open()];
    try {
      // The cap is reached: the next connection is closed by the server before it says anything.
      const fourth = await open();
      let said = '';
      fourth.on('data', (d: Buffer) => {
        said += d.toString('latin1');
      });
      fourth.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed(fourth);
      assert.equal(said, '');
      // The three held still work.
      const answer = await new Promise<string>((resolve) => {
        held[0]!.once('data', (d: Buffer) => resolve(d.toString('latin1')));
        held[0]!.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      assert.match(answer, /^HTTP\/1\.1 200/);
      held.pop()!.destroy();
      await eventually(async () => {
        const s = await open();
        const ok = await new Promise<boolean>((resolve) => {
          s.once('data', (d: Buffer) => resolve(/^HTTP\/1\.1 200/.test(d.toString('latin1'))));
          s.once('close', () => resolve(false));
          s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        s.destroy();
        return ok;
      }, 'a freed connection makes room');
    } finally {
      for (const s of held) s.destroy();
      await capped.close();
    }
  });
});
