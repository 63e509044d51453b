import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { parseVendorPath } from '../../simulators/ccfs/store.js';
import { SEED } from '../../simulators/seed.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { binaryBody as binary } from '../helpers/download.js';
import { captureLogger } from '../helpers/logs.js';
import { baseConfig, type Stack, startStack } from '../helpers/stack.js';

let s: Stack;
let clock = Date.now();
before(async () => {
  s = await startStack({ now: () => clock, sim: { now: () => clock } });
});
after(async () => {
  await s.close();
});

async function createPlayback(tenant = 'acme', fileName: string = SEED.acme.recording) {
  const res = await request(s.url)
    .post('/v1/recordings/playback')
    .set('authorization', `Bearer ${s.token(tenant)}`)
    .send({ fileName });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res;
}

test('3.3 then 3.4: a playback URL plays the recording without a token', async () => {
  const created = await createPlayback();
  assert.match(created.body.url, /^\/v1\/recordings\/playback\/[A-Za-z0-9_-]{40,}$/);
  assert.equal(created.headers.location, created.body.url);
  const expiresAt = Date.parse(created.body.expiresAt);
  assert.ok(expiresAt > clock && expiresAt <= clock + 30 * 60_000, 'expires no later than the vendor token');
  const played = await request(s.url).get(created.body.url).buffer(true).parse(binary);
  assert.equal(played.status, 200);
  assert.equal(played.headers['content-type'], 'audio/wav');
  assert.ok((played.body as Buffer).equals(readFileSync(s.ccfs.store.diskPath(parseVendorPath(SEED.acme.recording)!))));
});

test('3.4: the vendor token never appears in what the caller receives', async () => {
  const created = await createPlayback();
  const rpv = s.ccfs.seen('requestPlayVoice').at(-1)!;
  assert.ok(rpv.ak);
  const played = await request(s.url).get(created.body.url);
  const vendorToken = new URL(s.ccfs.seen('playVoice').at(-1)!.url, 'http://x').searchParams.get('st')!;
  assert.ok(vendorToken.length >= 16);
  const everything = JSON.stringify(created.headers) + JSON.stringify(created.body) + JSON.stringify(played.headers);
  assert.ok(!everything.includes(vendorToken));
  assert.ok(!s.lines.join('\n').includes(vendorToken), 'nor in a log line');
  assert.ok(
    !s.lines.join('\n').includes(created.body.url.split('/').pop()),
    'the playback id is a credential: not logged either',
  );
});

test('3.4: a tampered, truncated or made-up id is 404 PLAYBACK_EXPIRED and the vendor is not called', async () => {
  const created = await createPlayback();
  const id: string = created.body.url.split('/').pop();
  const flip = id.slice(0, 20) + (id[20] === 'A' ? 'B' : 'A') + id.slice(21);
  const before = s.ccfs.requests.length;
  for (const bad of [flip, id.slice(0, -4), 'x'.repeat(60), 'short', `${id}..`]) {
    const res = await request(s.url).get(`/v1/recordings/playback/${encodeURIComponent(bad)}`);
    assert.equal(res.status, 404, bad);
    assert.equal(res.body.code, 'PLAYBACK_EXPIRED');
  }
  assert.equal(s.ccfs.requests.length, before);
});

test('3.4: an id past its expiry is refused by the gateway itself', async () => {
  const created = await createPlayback();
  const saved = clock;
  clock += 30 * 60_000;
  try {
    const before = s.ccfs.requests.length;
    const res = await request(s.url).get(created.body.url);
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'PLAYBACK_EXPIRED');
    assert.equal(s.ccfs.requests.length, before);
  } finally {
    clock = saved;
  }
});

test('3.4: a token the vendor no longer honours is PLAYBACK_EXPIRED, sniffed from an octet-stream error', async () => {
  s.ccfs.injectFault({ operation: 'playVoice', resultCode: '010107' });
  const created = await createPlayback();
  const res = await request(s.url).get(created.body.url);
  assert.equal(res.status, 404);
  assert.equal(res.body.code, 'PLAYBACK_EXPIRED');
  assert.equal(res.body.upstream.code, '010107');
});

test('3.4: a broken vendor envelope sent as octet-stream is a 502, never handed on as the recording', async () => {
  // Seen in the soak: 27 bytes of `{"resultCode":"0","resultDe` came back as a clean 200 "file".
  s.ccfs.injectFault({ operation: 'playVoice', resultCode: '0', malformed: true, times: 3 });
  const created = await createPlayback();
  const res = await request(s.url).get(created.body.url);
  assert.equal(res.status, 502);
  assert.equal(res.body.code, 'UPSTREAM_ERROR');
});

test('3.4: works on any instance sharing the playback secret, and on none that does not', async () => {
  const created = await createPlayback();
  const { logger } = captureLogger();
  const twin = createGateway(parseConfig(baseConfig(s.ccfs.url)), { logger, now: () => clock });
  const twinUrl = await twin.listen(0, '127.0.0.1');
  const raw = baseConfig(s.ccfs.url);
  raw.server.playbackSecret = 'a-different-playback-secret-0123456789abcdef';
  const stranger = createGateway(parseConfig(raw), { logger, now: () => clock });
  const strangerUrl = await stranger.listen(0, '127.0.0.1');
  try {
    assert.equal((await request(twinUrl).get(created.body.url)).status, 200);
    assert.equal((await request(strangerUrl).get(created.body.url)).status, 404);
  } finally {
    await twin.close(100);
    await stranger.close(100);
  }
});

test("3.3: a playback for another tenant's file is refused before the vendor", async () => {
  const before = s.ccfs.requests.length;
  const res = await request(s.url)
    .post('/v1/recordings/playback')
    .set('authorization', `Bearer ${s.token('acme')}`)
    .send({ fileName: SEED.globex.recording });
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'PATH_FORBIDDEN');
  assert.equal(s.ccfs.requests.length, before);
});
