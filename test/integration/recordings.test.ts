import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import request from 'supertest';
import yauzl from 'yauzl';
import { parseVendorPath } from '../../simulators/ccfs/store.js';
import { SEED } from '../../simulators/seed.js';
import { demoRecording } from '../../simulators/shared/audio.js';
import { binaryBody as binary } from '../helpers/download.js';
import { ACCOUNTS, type Stack, startStack } from '../helpers/stack.js';

let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s.close();
});

const stored = (vendorPath: string) => readFileSync(s.ccfs.store.diskPath(parseVendorPath(vendorPath)!));

function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) =>
        zip.openReadStream(e, (err2, rs) => {
          if (err2 || !rs) return reject(err2);
          const parts: Buffer[] = [];
          rs.on('data', (c: Buffer) => parts.push(c));
          rs.on('end', () => {
            out.set(e.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

test('3.1: a recording by file name streams back byte-identical, typed from its bytes', async () => {
  const before = s.ccfs.requests.length;
  const res = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`)
    .buffer(true)
    .parse(binary);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'audio/wav');
  assert.equal(res.headers['content-disposition'], 'attachment; filename="4411223.wav"');
  assert.equal(res.headers['content-length'], String(stored(SEED.acme.recording).length));
  assert.ok((res.body as Buffer).equals(stored(SEED.acme.recording)));
  const seen = s.ccfs.requests.slice(before);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.ak, ACCOUNTS.acme.ak, 'the simulator verified the signature for acme');
  assert.deepEqual(JSON.parse(seen[0]!.body), {
    request: { version: '2.0' },
    msgBody: { fileName: SEED.acme.recording, ccId: '1' },
  });
});

test('3.1: backslashes and a lower-case drive are normalised before the vendor sees them', async () => {
  const before = s.ccfs.requests.length;
  const res = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: 'y:\\53\\0\\20261125\\1001\\4411223.V3', ccId: '7' })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(res.status, 200);
  const body = JSON.parse(s.ccfs.requests[before]!.body);
  assert.deepEqual(body.msgBody, { fileName: SEED.acme.recording, ccId: '7' });
});

test('3.2: a call with two recordings arrives as a real zip holding both files', async () => {
  const res = await request(s.url)
    .get(`/v1/calls/${SEED.acme.twoRecordingCall}/recordings`)
    .set('authorization', `Bearer ${s.token()}`)
    .buffer(true)
    .parse(binary);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.equal(res.headers['content-disposition'], `attachment; filename="${SEED.acme.twoRecordingCall}.zip"`);
  const files = await unzip(res.body as Buffer);
  assert.deepEqual([...files.keys()].sort(), ['4411224.V3', '4411225.V3']);
  assert.ok(files.get('4411224.V3')!.equals(stored(SEED.acme.twoRecordingFiles[0])));
  assert.ok(files.get('4411225.V3')!.equals(stored(SEED.acme.twoRecordingFiles[1])));
});

test('3.2: a call with one recording arrives as that WAV', async () => {
  const res = await request(s.url)
    .get(`/v1/calls/${SEED.acme.oneRecordingCall}/recordings`)
    .set('authorization', `Bearer ${s.token()}`)
    .buffer(true)
    .parse(binary);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'audio/wav');
  assert.ok((res.body as Buffer).equals(stored('Y:/53/0/20261125/1001/4411226.V3')));
});

test('3.5: an IVR file by path, and the one file of a folder in mode 1', async () => {
  const byPath = await request(s.url)
    .get('/v1/ivr-files')
    .query({ path: SEED.acme.ivrFile })
    .set('authorization', `Bearer ${s.token()}`)
    .buffer(true)
    .parse(binary);
  assert.equal(byPath.status, 200);
  assert.ok((byPath.body as Buffer).equals(stored(SEED.acme.ivrFile)));
  assert.equal(byPath.headers['content-disposition'], 'attachment; filename="welcome.wav"');
  const before = s.ccfs.requests.length;
  const byDir = await request(s.url)
    .get('/v1/ivr-files')
    .query({ dir: SEED.acme.ivrDir })
    .set('authorization', `Bearer ${s.token()}`)
    .buffer(true)
    .parse(binary);
  assert.equal(byDir.status, 200);
  assert.ok((byDir.body as Buffer).equals(stored(`${SEED.acme.ivrDir}/hello.wav`)));
  assert.equal(JSON.parse(s.ccfs.requests[before]!.body).msgBody.mode, 1);
});

test("3.5: a folder holding two files is the vendor's error, kept in upstream", async () => {
  const res = await request(s.url)
    .get('/v1/ivr-files')
    .query({ dir: SEED.acme.ivrCrowdedDir })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(res.status, 502);
  assert.equal(res.body.code, 'UPSTREAM_ERROR');
  assert.equal(res.body.upstream.code, '0300004');
});

test('vendor codes: missing file and unknown call are 404 with the vendor code', async () => {
  const missing = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: 'Y:/53/0/20261125/1001/999.V3' })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(missing.body.code, 'NOT_FOUND');
  assert.deepEqual(missing.body.upstream, { service: 'ccfs', code: '0300011', message: 'file does not exist' });
  const call = await request(s.url)
    .get('/v1/calls/no-such-call/recordings')
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(call.status, 404);
  assert.equal(call.body.upstream.code, '0300012');
});

test('vendor codes: flow control is 429 with Retry-After; an unknown code is 502 keeping it', async () => {
  for (const code of ['0300008', '0300009']) {
    s.ccfs.injectFault({ operation: 'downloadRecord', resultCode: code });
    const res = await request(s.url)
      .get('/v1/recordings')
      .query({ fileName: SEED.acme.recording })
      .set('authorization', `Bearer ${s.token()}`);
    assert.equal(res.status, 429);
    assert.equal(res.body.code, 'RATE_LIMITED');
    assert.equal(res.body.upstream.code, code);
    assert.ok(Number(res.headers['retry-after']) >= 1);
  }
  s.ccfs.injectFault({ operation: 'downloadRecord', resultCode: '0399999' });
  const res = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(res.status, 502);
  assert.deepEqual(res.body.upstream, { service: 'ccfs', code: '0399999', message: 'unknown result code' });
});

test('vendor faults: a 5xx page and a malformed JSON answer are 502, never passed through', async () => {
  // Three times: the first try and the two retries a read gets (upstreams.ccfs.retries).
  const tries = () => s.ccfs.seen('downloadRecord').length;
  const before = tries();
  s.ccfs.injectFault({ operation: 'downloadRecord', status: 500, times: 3 });
  const r1 = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(r1.status, 502);
  assert.equal(r1.body.code, 'UPSTREAM_ERROR');
  assert.ok(!JSON.stringify(r1.body).includes('load balancer'));
  assert.equal(tries() - before, 3, 'tried three times');
  s.ccfs.injectFault({ operation: 'downloadRecord', resultCode: '0300011', malformed: true, times: 3 });
  const r2 = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(r2.status, 502);
  assert.equal(r2.body.code, 'UPSTREAM_ERROR');
});

test('vendor faults: an answer slower than headersTimeoutMs is 504, not retried', async () => {
  const before = s.ccfs.seen('downloadRecord').length;
  s.ccfs.injectFault({ operation: 'downloadRecord', latencyMs: 2500 });
  const res = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(res.status, 504);
  assert.equal(res.body.code, 'UPSTREAM_TIMEOUT');
  assert.equal(s.ccfs.seen('downloadRecord').length - before, 1);
});

test('vendor faults: a read that failed before answering is retried transparently; an upload never is', async () => {
  const before = s.ccfs.seen('downloadRecord').length;
  s.ccfs.injectFault({ operation: 'downloadRecord', status: 503, times: 1 });
  s.ccfs.injectFault({ operation: 'downloadRecord', malformed: true, resultCode: '0', times: 1 });
  const res = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('authorization', `Bearer ${s.token()}`);
  assert.equal(res.status, 200);
  assert.equal(s.ccfs.seen('downloadRecord').length - before, 3);
  const uploads = s.ccfs.seen('ivr/uploadFile').length;
  s.ccfs.injectFault({ operation: 'ivr/uploadFile', status: 503, times: 1 });
  const up = await request(s.url)
    .post('/v1/ivr-files')
    .set('authorization', `Bearer ${s.token()}`)
    .set('content-type', 'audio/wav')
    .send(demoRecording(1, 1));
  assert.equal(up.status, 503);
  assert.equal(s.ccfs.seen('ivr/uploadFile').length - uploads, 1, 'one attempt');
});

test("tenants are isolated: acme cannot name globex's VDN and the vendor is not called", async () => {
  const before = s.ccfs.requests.length;
  const res = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.globex.recording })
    .set('authorization', `Bearer ${s.token('acme')}`);
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'PATH_FORBIDDEN');
  assert.equal(s.ccfs.requests.length, before);
  const ok = await request(s.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.globex.recording })
    .set('authorization', `Bearer ${s.token('globex')}`);
  assert.equal(ok.status, 200);
  assert.equal(s.ccfs.requests.at(-1)!.ak, ACCOUNTS.globex.ak);
});

test('every response carries X-Request-Id; a well-formed one from the caller is kept', async () => {
  const mine = await request(s.url).get('/healthz').set('x-request-id', 'abc.DEF-123_x');
  assert.equal(mine.headers['x-request-id'], 'abc.DEF-123_x');
  const bad = await request(s.url).get('/v1/recordings').set('x-request-id', 'has space');
  assert.match(bad.headers['x-request-id']!, /^[0-9a-f-]{36}$/);
  assert.equal(bad.body.requestId, bad.headers['x-request-id']);
});
