import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { SEED } from '../../simulators/seed.js';
import { download } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { type Stack, startStack } from '../helpers/stack.js';

const BIG = 'Y:/53/0/20261125/1001/big200.V3';
const MIB = 1024 * 1024;
let s: Stack;
let bigSha = '';

before(async () => {
  // Resuming is off here: these tests show what a cut looks like to the client (resume.test.ts resumes).
  // A reader that stops is ended after 1.5 s here (60 s by default).
  s = await startStack({
    configure: (raw) => Object.assign(raw, { downloads: { resume: { enabled: false }, readerIdleTimeoutMs: 1500 } }),
  });
  // 200 MiB of incompressible bytes behind a WAV header, written and hashed as a stream.
  const block = randomBytes(MIB);
  const hash = createHash('sha256');
  let i = 0;
  const source = Readable.from(
    (function* () {
      for (; i < 200; i++) {
        const chunk = Buffer.from(block);
        chunk.writeUInt32LE(i, 64);
        if (i === 0) chunk.write('RIFF\0\0\0\0WAVE', 0, 'latin1');
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );
  await s.ccfs.store.put(BIG, source);
  bigSha = hash.digest('hex');
});
after(async () => {
  await s.close();
});

const url = (path: string) => `${s.url}/v1/recordings?fileName=${encodeURIComponent(path)}`;

test("a 200 MiB download arrives byte-identical while the gateway's memory stays flat", async () => {
  // Warm the allocator first: its first arenas are a one-time cost, not a per-download one.
  await download(url(BIG), { authorization: `Bearer ${s.token()}` }, { abortAfterBytes: 40 * MIB });
  global.gc?.();
  const baseline = process.memoryUsage();
  let peak = baseline.rss;
  let peakBuffers = baseline.arrayBuffers;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
  }, 20);
  try {
    const r = await download(url(BIG), { authorization: `Bearer ${s.token()}` });
    assert.equal(r.status, 200);
    assert.equal(r.error, undefined);
    assert.equal(r.bytes, 200 * MIB);
    assert.equal(r.headers['content-length'], String(200 * MIB));
    assert.equal(r.headers['content-type'], 'audio/wav');
    assert.equal(r.sha256, bigSha);
  } finally {
    clearInterval(sampler);
  }
  // Gateway, simulator and client share this process: all three together stay far below the file
  // (a buffered download would add 200 MiB here). bench/ measures the gateway process alone.
  const growthMiB = (peak - baseline.rss) / MIB;
  const buffersMiB = (peakBuffers - baseline.arrayBuffers) / MIB;
  assert.ok(growthMiB < 80, `RSS grew by ${growthMiB.toFixed(1)} MiB during a 200 MiB transfer`);
  assert.ok(buffersMiB < 100, `live buffers grew by ${buffersMiB.toFixed(1)} MiB during a 200 MiB transfer`);
});

test('a client abort reaches the simulator: the upstream request is torn down', async () => {
  const before = s.ccfs.requests.length;
  const r = await download(url(BIG), { authorization: `Bearer ${s.token()}` }, { abortAfterBytes: 2 * MIB });
  assert.ok(r.bytes < 200 * MIB);
  const rec = s.ccfs.requests[before]!;
  await eventually(() => rec.aborted, 'the simulator saw its client (the gateway) go away');
});

test('a client that stops reading is ended once it took nothing for readerIdleTimeoutMs, and the vendor stream released', async () => {
  const before = s.ccfs.requests.length;
  const { hostname, port } = new URL(s.url);
  const socket = connect(Number(port), hostname);
  try {
    socket.write(
      `GET /v1/recordings?fileName=${encodeURIComponent(BIG)} HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${s.token()}\r\n\r\n`,
    );
    // The answer starts, then the client takes nothing more: the connection fills up.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    const rec = s.ccfs.requests[before]!;
    await eventually(() => rec.aborted, 'the vendor request is torn down', 10_000);
    await eventually(
      () => s.lines.some((l) => l.includes('the client took no bytes for 1500 ms') && l.includes('"level":30')),
      'logged at info level: the client stopped, not the gateway or the vendor',
    );
  } finally {
    socket.destroy();
  }
});

test('resume off: a reset mid-stream is seen by the client as an incomplete transfer, not a short file', async () => {
  s.ccfs.injectFault({ operation: 'downloadRecord', resetAfterBytes: 3 * MIB + 17 });
  const r = await download(url(BIG), { authorization: `Bearer ${s.token()}` });
  assert.equal(r.status, 200);
  assert.ok(r.error, 'the client saw an error');
  assert.ok(r.bytes < 200 * MIB);
});

test('resume off: a reset inside a zip (no Content-Length) is still an error at the client', async () => {
  s.ccfs.injectFault({ operation: 'downloadRecord', resetAfterBytes: 5000 });
  const r = await download(`${s.url}/v1/calls/${SEED.acme.twoRecordingCall}/recordings`, {
    authorization: `Bearer ${s.token()}`,
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], undefined);
  assert.ok(r.error, 'the client saw an error');
});

test('resume off: a vendor that stalls mid-body is cut after the idle timeout, and the client sees it', async () => {
  s.ccfs.injectFault({ operation: 'downloadRecord', stallAfterBytes: MIB });
  const started = Date.now();
  const r = await download(url(BIG), { authorization: `Bearer ${s.token()}` });
  assert.ok(r.error, 'the client saw an error');
  assert.ok(r.bytes <= MIB + 65536);
  assert.ok(Date.now() - started >= 1900, 'after idleTimeoutMs (2 s in the test config), not before');
});
