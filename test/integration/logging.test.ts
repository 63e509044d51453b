/** Secrets never reach a log line: AK, SK, JWT, Authorization values, signatures, playback ids. */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { eventually } from '../helpers/eventually.js';
import { ACCOUNTS, type Stack, startStack } from '../helpers/stack.js';

let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s.close();
});

test('no secret appears in any log line, and every request line carries its request id', async () => {
  const token = s.token();
  const requestIds: string[] = [];
  const calls = [
    request(s.url)
      .get('/v1/recordings')
      .query({ fileName: SEED.acme.recording })
      .set('authorization', `Bearer ${token}`),
    request(s.url)
      .get('/v1/recordings')
      .query({ fileName: 'Y:/53/0/1/1/missing.V3' })
      .set('authorization', `Bearer ${token}`),
    request(s.url)
      .get('/v1/recordings')
      .query({ fileName: SEED.acme.recording })
      .set('authorization', `Bearer ${token}x`),
    request(s.url)
      .post('/v1/recordings/playback')
      .set('authorization', `Bearer ${token}`)
      .set('cookie', 'session=cookie-secret')
      .send({ fileName: SEED.acme.recording }),
  ];
  const responses: request.Response[] = [];
  for (const c of calls) responses.push(await c);
  for (const r of responses) requestIds.push(r.headers['x-request-id']!);
  const played = await request(s.url).get(responses[3]!.body.url);
  assert.equal(played.status, 200);
  // A signature CC-FS refuses: the tenant's SK is wrong (an operator problem logged at error).
  s.ccfs.options.accounts[0]!.sk = 'rotated-at-the-vendor';
  const refused = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${token}`);
  s.ccfs.options.accounts[0]!.sk = ACCOUNTS.acme.sk;
  assert.equal(refused.status, 502);
  assert.equal(refused.body.upstream.code, 'HTTP 401');

  const log = s.lines.join('\n');
  const signatures = s.ccfs.requests.map((r) => String(r.headers.authorization ?? '')).filter(Boolean);
  assert.ok(signatures.length >= 3);
  const secrets = [
    ACCOUNTS.acme.sk,
    ACCOUNTS.acme.ak,
    token,
    token.split('.')[2]!,
    'cookie-secret',
    responses[3]!.body.url.split('/').pop(),
    ...signatures,
    ...signatures.map((a) => a.split('/').pop()!),
  ];
  for (const secret of secrets) assert.ok(!log.includes(secret), `log holds a secret: ${secret.slice(0, 12)}…`);

  const records = s.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const id of requestIds)
    assert.ok(
      records.some((r) => r.requestId === id),
      `a line for ${id}`,
    );
  for (const r of records.filter((x) => x.method !== undefined)) assert.equal(typeof r.requestId, 'string');
  const alert = records.find((r) => r.level === 50 && String(r.msg).includes('refused the auth-v2 signature'));
  assert.ok(alert, 'a CC-FS 401 is an error-level line for the operator');
  const finished = records.find((r) => r.requestId === refused.headers['x-request-id'] && r.status !== undefined);
  assert.equal(finished?.level, 50, '5xx answers are logged at error');
  const fourxx = records.find((r) => r.requestId === responses[1]!.headers['x-request-id'] && r.status !== undefined);
  assert.equal(fourxx?.level, 30, '4xx answers are logged at info');
});

test('a request its client abandons before any answer is logged as aborted, never as a 200', async () => {
  s.ccfs.injectFault({ operation: 'downloadRecord', latencyMs: 5000, times: 1 });
  const before = s.ccfs.requests.length;
  const ac = new AbortController();
  const pending = fetch(`${s.url}/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`, {
    headers: { authorization: `Bearer ${s.token()}`, 'x-request-id': 'abandoned-1' },
    signal: ac.signal,
  }).catch(() => undefined);
  await eventually(() => s.ccfs.requests.length > before, 'the gateway is waiting for the vendor');
  ac.abort();
  await pending;
  const line = await eventually(
    () => s.lines.find((l) => l.includes('"requestId":"abandoned-1"')),
    'the request line is written',
  );
  const parsed = JSON.parse(line) as { msg: string; status: number };
  assert.equal(parsed.msg, 'GET aborted');
  assert.equal(parsed.status, 0);
});

test('one line per request, one shape: a download too, with the route template, code, bytes and the trace id', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const ok = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`)
    .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
    .set('x-request-id', 'shape-ok');
  assert.equal(ok.status, 200);
  const ours = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.globex.recording })
    .set('authorization', `Bearer ${s.token()}`)
    .set('x-request-id', 'shape-ours');
  s.ccfs.injectFault({ operation: 'downloadRecord', resultCode: '0300011', times: 1 });
  const vendors = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`)
    .set('x-request-id', 'shape-vendor');
  assert.deepEqual([ours.status, vendors.status], [403, 404]);
  const lineOf = (id: string) =>
    eventually(() => s.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.requestId === id), id);
  const line = await lineOf('shape-ok');
  assert.deepEqual(
    {
      method: line.method,
      route: line.route,
      status: line.status,
      tenant: line.tenant,
      sub: line.sub,
      bytesSent: line.bytesSent,
      traceId: line.traceId,
    },
    {
      method: 'GET',
      route: '/v1/recordings',
      status: 200,
      tenant: 'acme',
      sub: 'dev-acme',
      bytesSent: Number(ok.headers['content-length']),
      traceId,
    },
  );
  assert.equal(typeof line.durationMs, 'number');
  const refusedByUs = await lineOf('shape-ours');
  const refusedByVendor = await lineOf('shape-vendor');
  assert.equal(refusedByUs.code, 'PATH_FORBIDDEN');
  assert.equal(refusedByUs.upstream, undefined);
  assert.equal(refusedByVendor.code, 'NOT_FOUND');
  assert.deepEqual(refusedByVendor.upstream, { service: 'ccfs', code: '0300011' });
  // The same keys on every request line, whatever the route.
  const keys = (r: Record<string, unknown>) =>
    ['requestId', 'method', 'route', 'status', 'bytesSent', 'durationMs'].filter((k) => k in r);
  for (const r of [line, refusedByUs, refusedByVendor]) assert.equal(keys(r).length, 6);
});
