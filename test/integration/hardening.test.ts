/**
 * Issue 5 at the edge and in front of the vendor: CORS, per-tenant limits, inbound limits
 * (header size, URL length, slowloris), header hygiene, circuit breakers, metrics and the audit trail.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { demoRecording } from '../../simulators/shared/audio.js';
import { download } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { rawRequest } from '../helpers/raw-http.js';
import { activeStreams, opsGet, type Stack, startStack } from '../helpers/stack.js';

const rec = (stack: Stack, tenant = 'acme', path: string = SEED.acme.recording) =>
  request(stack.url)
    .get('/v1/recordings')
    .query({ fileName: path })
    .set('Authorization', `Bearer ${stack.token(tenant)}`);

describe('CORS', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        raw.server.cors = { allowedOrigins: ['https://app.example.com'] };
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it('answers a preflight from an allowed origin without a token', async () => {
    const res = await request(stack.url)
      .options('/v1/recordings')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(res.headers['access-control-allow-headers'] ?? '', /Authorization/);
    assert.match(res.headers['access-control-allow-headers'] ?? '', /Content-Type/);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
  });

  it('exposes Content-Disposition, Content-Length and X-Request-Id on a real answer', async () => {
    const res = await rec(stack).set('Origin', 'https://app.example.com');
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
    for (const h of ['Content-Disposition', 'Content-Length', 'X-Request-Id'])
      assert.match(res.headers['access-control-expose-headers'] ?? '', new RegExp(h));
    assert.match(res.headers.vary ?? '', /Origin/);
  });

  it('gives a disallowed origin no CORS header at all, and never a wildcard', async () => {
    const pre = await request(stack.url)
      .options('/v1/recordings')
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'GET');
    const real = await rec(stack).set('Origin', 'https://evil.example.com');
    for (const res of [pre, real]) {
      for (const name of Object.keys(res.headers))
        assert.ok(!name.startsWith('access-control-'), `${name} sent to a disallowed origin`);
    }
    assert.equal(real.status, 200, "the request itself is not CORS's business");
  });

  it('sets the security headers on every answer: a download, a refusal, a 404, a preflight', async () => {
    const answers = [
      await rec(stack),
      await request(stack.url).get('/v1/recordings').query({ fileName: SEED.acme.recording }),
      await request(stack.url).get('/v1/nowhere'),
      await request(stack.url)
        .options('/v1/recordings')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'GET'),
    ];
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 401, 404, 204],
    );
    for (const a of answers) {
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
      assert.equal(a.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(a.headers['cross-origin-resource-policy'], 'cross-origin', 'playback may be embedded');
      assert.equal(a.headers['referrer-policy'], 'no-referrer');
      assert.match(a.headers['content-security-policy'] ?? '', /default-src 'self'/);
      assert.equal(a.headers['x-powered-by'], undefined);
      assert.equal(a.headers['strict-transport-security'], undefined, "HSTS is the TLS terminator's");
    }
  });

  it('allows no origin by default', async () => {
    const other = await startStack();
    try {
      const res = await request(other.url)
        .options('/v1/recordings')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'GET');
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    } finally {
      await other.close();
    }
  });
});

describe('per-tenant limits', () => {
  let stack: Stack;
  // The gateway's clock, moved by hand: the bucket refills only when the test says so.
  let clock = Date.now();
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        raw.tenants[0].limits = { requestsPerSecond: 5, burst: 5, concurrentStreams: 2 };
        // Stalled downloads hold their slots here until the idle timeout cuts them, once.
        raw.downloads = { resume: { enabled: false } };
      },
      now: () => clock,
    });
  });
  after(async () => {
    await stack.close();
  });

  it('answers 429 with Retry-After past the burst, keyed on the tenant, and refills', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 8; i += 1) {
      const res = await request(stack.url)
        .get('/v1/ivr-files')
        .query({ path: 'Y:/elsewhere/x.wav' })
        .set('Authorization', `Bearer ${stack.token()}`);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers['retry-after'];
        assert.equal(res.body.code, 'RATE_LIMITED');
      }
    }
    assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
    assert.ok(
      statuses.slice(5).every((s) => s === 429),
      statuses.join(),
    );
    assert.ok(Number(retryAfter) >= 1);
    assert.equal((await rec(stack, 'globex', SEED.globex.recording)).status, 200, 'another tenant is not affected');
    assert.equal((await rec(stack)).status, 429, 'no time has passed for the gateway');
    clock += 250;
    assert.equal((await rec(stack)).status, 200, 'a quarter second refilled one token');
    assert.equal((await rec(stack)).status, 429);
  });

  it('caps concurrent downloads per tenant', async () => {
    clock += 10_000;
    const big = 'Y:/53/0/20261125/1001/stall.V3';
    await stack.ccfs.store.put(big, Buffer.alloc(1024 * 1024, 1));
    stack.ccfs.injectFault({ operation: 'downloadRecord', times: 2, stallAfterBytes: 1000 });
    const held = [0, 1].map(() =>
      download(
        `${stack.url}/v1/recordings?fileName=${encodeURIComponent(big)}`,
        { authorization: `Bearer ${stack.token()}` },
        { abortAfterBytes: 2_000_000 },
      ),
    );
    await eventually(async () => (await activeStreams(stack)) === 2, 'both downloads streaming');
    const third = await rec(stack);
    assert.equal(third.status, 429);
    assert.match(third.body.detail, /2 downloads or uploads in progress/);
    const results = await Promise.all(held);
    assert.ok(
      results.every((r) => r.error),
      'the stalled downloads were cut by the idle timeout',
    );
    await eventually(async () => (await activeStreams(stack)) === 0, 'slots given back');
    assert.equal((await rec(stack)).status, 200, 'slots are given back when a stream ends');
    const metrics = await opsGet(stack, '/metrics');
    assert.match(metrics.text, /cc_file_gateway_rate_limited_total\{tenant="acme",reason="concurrency"\} 1/);
    assert.match(metrics.text, /cc_file_gateway_rate_limited_total\{tenant="acme",reason="rate"\} [1-9]/);
  });
});

describe('inbound limits', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        Object.assign(raw.server, {
          headersTimeoutMs: 500,
          maxUrlBytes: 1024,
          maxHeaderBytes: 4096,
          jsonBodyMaxBytes: 1024,
        });
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it('refuses oversized headers (431), an over-long URL (400) and JSON body (413) without calling the vendor', async () => {
    const seen = stack.ccfs.requests.length;
    const big = await request(stack.url)
      .get('/v1/recordings')
      .set('X-Padding', 'x'.repeat(8000))
      .set('Authorization', `Bearer ${stack.token()}`);
    assert.equal(big.status, 431);
    const long = await rec(stack, 'acme', `Y:/53/${'a/'.repeat(600)}x.V3`);
    assert.equal(long.status, 400);
    assert.match(long.body.detail, /URL is longer than 1024/);
    const body = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', `Bearer ${stack.token()}`)
      .send({ fileName: 'x'.repeat(2000) });
    assert.equal(body.status, 413);
    assert.equal(stack.ccfs.requests.length, seen);
  });

  it('a JSON body is refused by its declared length before it is read, never told to continue, and cut at the limit when chunked', async () => {
    const head = (extra: string) =>
      `POST /v1/recordings/playback HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stack.token()}\r\n` +
      `Content-Type: application/json\r\n${extra}`;
    // Declared over the limit, no byte sent: the answer comes at once (it waited for the body before).
    const declared = await rawRequest(stack.url, head('Content-Length: 70000'), () => undefined);
    assert.equal(declared.status, 413);
    // Expect: 100-continue over the limit: refused, and never told to send.
    const expecting = await rawRequest(
      stack.url,
      head('Content-Length: 99999999\r\nExpect: 100-continue'),
      () => undefined,
    );
    assert.equal(expecting.status, 413);
    assert.doesNotMatch(expecting.text, /100 Continue/);
    // Chunked, 30 MiB on offer: the 413 reaches the client long before the 30 MiB would have been read.
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    const chunked = await rawRequest(stack.url, head('Transfer-Encoding: chunked'), (sent) =>
      sent < 30 * 1024 * 1024 ? chunk : undefined,
    );
    assert.equal(chunked.status, 413);
    assert.ok(chunked.bodySent < 8 * 1024 * 1024, `${chunked.bodySent} bytes were taken before the answer`);
  });

  it('closes a slowloris connection soon after headersTimeoutMs', async () => {
    const { hostname, port } = new URL(stack.url);
    const started = performance.now();
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(Number(port), hostname, () => {
        socket.write('GET /v1/recordings HTTP/1.1\r\nHost: x\r\n');
        const drip = setInterval(() => {
          if (!socket.destroyed) socket.write('X-Slow: 1\r\n');
        }, 100);
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
        });
        socket.on('close', () => {
          clearInterval(drip);
          resolve(received);
        });
        socket.on('error', () => undefined);
      });
    });
    // Closed by Node's headers timeout (408), and not before it: the drip kept the socket busy.
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(performance.now() - started >= 450, 'not before headersTimeoutMs');
  });
});

describe('header hygiene', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('the vendor sees only the headers the gateway builds, whatever the caller sent', async () => {
    const hostile = {
      Connection: 'X-Evil, keep-alive',
      'X-Evil': 'yes',
      'Keep-Alive': 'timeout=999',
      TE: 'trailers',
      'Proxy-Authorization': 'Basic eA==',
      'X-Forwarded-For': '10.0.0.1',
      Forwarded: 'for=10.0.0.1',
      'X-Forwarded-Host': 'evil',
      Cookie: 'a=b',
      guid: 'caller-guid',
      'X-Real-IP': '10.0.0.2',
    };
    const calls: Array<[() => request.Test, string, string[]]> = [
      [
        () => rec(stack).set(hostile),
        'downloadRecord',
        ['authorization', 'connection', 'content-length', 'content-type', 'host'],
      ],
      [
        () =>
          request(stack.url)
            .get('/v1/ivr-files')
            .query({ path: SEED.acme.ivrFile })
            .set('Authorization', `Bearer ${stack.token()}`)
            .set(hostile),
        'ivr/downloadFile',
        ['authorization', 'connection', 'content-length', 'content-type', 'host'],
      ],
      [
        () =>
          request(stack.url)
            .post('/v1/ivr-files')
            .set('Authorization', `Bearer ${stack.token()}`)
            .set('Content-Type', 'audio/wav')
            .set(hostile)
            .send(demoRecording(1, 1)),
        'ivr/uploadFile',
        ['authorization', 'connection', 'content-length', 'content-type', 'host'],
      ],
    ];
    for (const [send, op, expected] of calls) {
      const res = await send();
      assert.ok(res.status < 300, `${op}: ${res.status}`);
      const seen = stack.ccfs.seen(op).at(-1)!;
      assert.deepEqual(Object.keys(seen.headers).sort(), expected, op);
      assert.notEqual(seen.headers.connection, 'X-Evil, keep-alive');
    }
    const agent = await request(stack.url)
      .get('/v1/agent-recordings')
      .query({ recordId: SEED.acme.recording })
      .set('Authorization', `Bearer ${stack.token()}`)
      .set(hostile);
    assert.equal(agent.status, 200);
    const vendorCall = stack.ccgw.seen('recordfile').at(-1)!;
    assert.notEqual(vendorCall.cookie, 'a=b');
    assert.equal(vendorCall.guidValid, true, "the gateway's Guid, not the caller's");
  });
});

describe('circuit breakers', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        Object.assign(raw.upstreams.ccfs, {
          retries: 0,
          breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 400, rollingWindowMs: 5000 },
        });
        raw.tenants[1].ccfs.sk = 'SK-wrong';
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it('opens after repeated vendor failures: 503 at once with Retry-After while /readyz stays 200; closes again by itself', async () => {
    stack.ccfs.injectFault({ operation: 'downloadRecord', status: 502, times: 4 });
    for (let i = 0; i < 4; i += 1) assert.equal((await rec(stack)).status, 502);
    const seen = stack.ccfs.requests.length;
    const fast = await rec(stack);
    assert.equal(fast.status, 503);
    assert.equal(fast.body.code, 'UPSTREAM_UNAVAILABLE');
    assert.match(fast.body.detail, /circuit open/);
    assert.ok(Number(fast.headers['retry-after']) >= 1);
    assert.equal(stack.ccfs.requests.length, seen, 'the vendor was not called');
    // The vendor failing is every replica's problem: the instance stays in rotation and answers 503 itself.
    assert.equal((await request(stack.url).get('/readyz')).status, 200);
    const ready = await opsGet(stack, '/readyz/details');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'degraded');
    assert.match(JSON.stringify(ready.body), /"breaker:ccfs:default","ok":false,"detail":"open","instance":false/);
    assert.match((await opsGet(stack, '/metrics')).text, /cc_file_gateway_circuit_state\{upstream="ccfs:default"\} 2/);
    // Calls keep failing fast until resetTimeoutMs has passed; then the trial call closes the circuit.
    await eventually(async () => (await rec(stack)).status === 200, 'the trial call went through and closed it');
    assert.equal((await opsGet(stack, '/readyz/details')).body.status, 'ready');
  });

  it('a tenant whose signature is refused gets its own breaker; the others are unaffected', async () => {
    for (let i = 0; i < 4; i += 1) assert.equal((await rec(stack, 'globex', SEED.globex.recording)).status, 502);
    const seen = stack.ccfs.requests.length;
    const fast = await rec(stack, 'globex', SEED.globex.recording);
    assert.equal(fast.status, 503);
    assert.equal(stack.ccfs.requests.length, seen);
    assert.equal((await rec(stack)).status, 200, 'acme still served');
    const ready = await opsGet(stack, '/readyz/details');
    assert.equal(ready.status, 200, "one tenant's credentials do not make the gateway unready");
    assert.match(JSON.stringify(ready.body), /"breaker:ccfs-credentials:globex","ok":false/);
  });
});

describe('what a caller asks for never opens the breaker every tenant shares', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        Object.assign(raw.upstreams.ccfs, {
          breaker: {
            volumeThreshold: 4,
            errorThresholdPercentage: 50,
            resetTimeoutMs: 60_000,
            rollingWindowMs: 60_000,
          },
        });
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it("a file whose bytes look like a broken vendor envelope opens the asking tenant's breaker, never the one every tenant shares", async () => {
    const odd = 'Y:/53/0/20261125/1001/looks-like-an-error.V3';
    await stack.ccfs.store.put(odd, Buffer.from('{"resultCode":"030'));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await rec(stack, 'acme', odd)).status);
    assert.ok(
      statuses.slice(0, 2).every((st) => st === 502),
      statuses.join(' '),
    );
    assert.equal(statuses.at(-1), 503, `acme's own breaker opened: ${statuses.join(' ')}`);
    assert.equal((await rec(stack, 'globex', SEED.globex.recording)).status, 200, 'another tenant is served');
    const ready = await opsGet(stack, '/readyz/details');
    assert.equal(ready.status, 200, 'the instance stays ready');
    assert.match(JSON.stringify(ready.body), /"breaker:ccfs:default","ok":true/);
    assert.match(JSON.stringify(ready.body), /"breaker:ccfs-credentials:acme","ok":false/);
  });
});

describe('metrics and audit trail', () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-'));
    stack = await startStack({
      configure: (raw) => {
        raw.audit = { destination: join(dir, 'audit.jsonl') };
      },
    });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditLines = () =>
    readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('/metrics reports requests by route template, upstream calls, bytes, agents; no raw path or id', async () => {
    assert.equal((await rec(stack)).status, 200);
    assert.equal(
      (
        await request(stack.url)
          .get('/v1/calls/1777093663-792075/recordings')
          .set('Authorization', `Bearer ${stack.token()}`)
      ).status,
      200,
    );
    assert.equal(
      (
        await request(stack.url)
          .get('/v1/agent-recordings')
          .query({ recordId: SEED.acme.recording })
          .set('Authorization', `Bearer ${stack.token()}`)
      ).status,
      200,
    );
    await request(stack.url).get('/v1/nowhere/12345');
    const text = (await opsGet(stack, '/metrics')).text;
    assert.match(
      text,
      /cc_file_gateway_http_requests_total\{route="\/v1\/recordings",method="GET",status="200",tenant="acme"\} 1/,
    );
    assert.match(text, /route="\/v1\/calls\/:callId\/recordings"/);
    assert.match(text, /route="unmatched",method="GET",status="404",tenant="none"/);
    assert.match(
      text,
      /cc_file_gateway_upstream_requests_total\{service="ccfs",operation="downloadRecord",outcome="ok"\} 2/,
    );
    assert.match(
      text,
      /cc_file_gateway_upstream_requests_total\{service="ccgateway",operation="recordfile",outcome="ok"\} 1/,
    );
    assert.match(text, /cc_file_gateway_upstream_request_duration_seconds_bucket/);
    assert.match(text, /cc_file_gateway_bytes_streamed_total\{direction="download",tenant="acme"\} \d{5,}/);
    assert.match(text, /cc_file_gateway_agent_sessions\{state="signed-in"\} 1/);
    assert.match(text, /cc_file_gateway_agent_sign_ins_total\{tenant="acme"\} 1/);
    assert.match(text, /cc_file_gateway_active_streams\{tenant="acme"\} 0/);
    assert.doesNotMatch(text, /1777093663|4411223|12345|nowhere/, 'no raw path or id in a label');
  });

  it('writes one audit line per access, with the bytes actually sent when a download is cut', async () => {
    const before = auditLines().length;
    const ok = await rec(stack).set('X-Request-Id', 'audit-ok-1');
    assert.equal(ok.status, 200);
    const big = 'Y:/53/0/20261125/1001/audit-big.V3';
    await stack.ccfs.store.put(big, Buffer.alloc(8 * 1024 * 1024, 7));
    const cut = await download(
      `${stack.url}/v1/recordings?fileName=${encodeURIComponent(big)}`,
      { authorization: `Bearer ${stack.token()}`, 'x-request-id': 'audit-cut-1' },
      { abortAfterBytes: 100_000 },
    );
    assert.ok(cut.error);
    const denied = await rec(stack, 'acme', SEED.globex.recording).set('X-Request-Id', 'audit-denied-1');
    assert.equal(denied.status, 403);
    const written = (id: string) =>
      auditLines()
        .slice(before)
        .some((l) => l.requestId === id);
    await eventually(() => written('audit-denied-1') && written('audit-cut-1'), 'audit lines written');
    const lines = auditLines().slice(before);
    const full = lines.find((l) => l.requestId === 'audit-ok-1')!;
    assert.equal(full.channel, 'audit');
    assert.equal(full.tenant, 'acme');
    assert.equal(full.subject, 'dev-acme');
    assert.equal(full.operation, 'recording.download');
    assert.equal(full.target, SEED.acme.recording);
    assert.equal(full.status, 200);
    assert.equal(full.bytesSent, Number(ok.headers['content-length']));
    assert.equal(full.complete, true);
    assert.equal(typeof full.durationMs, 'number');
    assert.equal(full.clientAddress, '127.0.0.1');
    assert.match(String(full.time), /^\d{4}-\d\d-\d\dT/);
    const short = lines.find((l) => l.requestId === 'audit-cut-1')!;
    assert.equal(short.complete, false);
    assert.ok(
      (short.bytesSent as number) >= 100_000 && (short.bytesSent as number) < 8 * 1024 * 1024,
      `bytesSent ${short.bytesSent}`,
    );
    const refused = lines.find((l) => l.requestId === 'audit-denied-1')!;
    assert.equal(refused.status, 403, 'a refused attempt is audited too');
    assert.ok((refused.bytesSent as number) > 0, 'its problem body');
    assert.equal(refused.target, SEED.globex.recording);
    for (const line of lines) assert.doesNotMatch(JSON.stringify(line), /Bearer|eyJ/);
  });

  it('a read by call id names in its audit line the files the vendor chose, from the zip it returned', async () => {
    const zip = await request(stack.url)
      .get(`/v1/calls/${SEED.acme.twoRecordingCall}/recordings`)
      .set('Authorization', `Bearer ${stack.token()}`)
      .set('X-Request-Id', 'audit-call-1');
    assert.equal(zip.status, 200);
    const native = await request(stack.url)
      .post('/v1/ccfs/downloadRecord')
      .set('Authorization', `Bearer ${stack.token('acme', ['ccfs:native'])}`)
      .set('X-Request-Id', 'audit-call-2')
      .send({ request: { version: '2.0' }, msgBody: { callId: SEED.acme.twoRecordingCall } });
    assert.equal(native.status, 200);
    const line = (id: string) => auditLines().find((l) => l.requestId === id);
    await eventually(() => line('audit-call-1') && line('audit-call-2'), 'both audit lines written');
    // The simulator names a zip's entries by their base names, as the files lie on its disk.
    const names = SEED.acme.twoRecordingFiles.map((f) => f.split('/').at(-1));
    assert.deepEqual(line('audit-call-1')!.files, names);
    assert.deepEqual(line('audit-call-2')!.files, names);
    assert.equal(line('audit-call-1')!.target, SEED.acme.twoRecordingCall);
  });

  it('can serve /metrics on a port of its own instead', async () => {
    const other = await startStack({
      configure: (raw) => {
        raw.metrics = { port: 0 };
      },
    });
    try {
      assert.equal((await request(other.url).get('/metrics')).status, 404);
      const addr = other.gateway.metricsServer!.address() as { port: number };
      const res = await request(`http://127.0.0.1:${addr.port}`).get('/metrics');
      assert.equal(res.status, 200);
      assert.match(res.text, /cc_file_gateway_http_requests_total/);
    } finally {
      await other.close();
    }
  });
});
