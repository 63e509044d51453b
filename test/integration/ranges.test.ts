/**
 * Byte ranges on every download (RFC 9110 14), so a browser's <audio> can seek: one range is 206
 * with Content-Range, an unsatisfiable one 416, several or a malformed one the whole file (200).
 * Names follow what the file is (`4411223.V3` leaves as `4411223.wav`); playback is inline.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import alawmulaw from 'alawmulaw';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { binaryBody } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { type Stack, startStack } from '../helpers/stack.js';

let stack: Stack;
let wav: Buffer;
before(async () => {
  stack = await startStack();
  // The recording as the gateway serves it whole: what every range is compared with.
  wav = (await ranged(`/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`, undefined)).body;
  assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
});
after(async () => {
  await stack.close();
});

const auth = () => `Bearer ${stack.token()}`;
const ranged = (path: string, range: string | undefined, withAuth = true) => {
  let r = request(stack.url).get(path).buffer(true).parse(binaryBody);
  if (withAuth) r = r.set('Authorization', auth());
  return range === undefined ? r : r.set('Range', range);
};

describe('ranges on 3.4, the playback URL', () => {
  let url: string;
  before(async () => {
    const made = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', auth())
      .send({ fileName: SEED.acme.recording });
    url = made.body.url;
  });

  it('a whole answer offers ranges, plays inline, and is named .wav', async () => {
    const res = await ranged(url, undefined, false);
    assert.equal(res.status, 200);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.headers['content-disposition'], 'inline; filename="4411223.wav"');
    assert.deepEqual(res.body, wav);
  });

  const cases: Array<[string, number, number]> = [
    ['bytes=0-1', 0, 1],
    ['bytes=100-', 100, -1],
    ['bytes=-10', -10, -1],
    ['bytes=44-4043', 44, 4043],
    ['bytes=0-999999999', 0, -1],
  ];
  for (const [range, from, to] of cases) {
    it(`${range}: 206 with the matching bytes and Content-Range`, async () => {
      const start = from < 0 ? wav.length + from : from;
      const end = to < 0 ? wav.length - 1 : to;
      const res = await ranged(url, range, false);
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${wav.length}`);
      assert.equal(res.headers['content-length'], String(end - start + 1));
      assert.deepEqual(res.body, wav.subarray(start, end + 1));
    });
  }

  it('a suffix longer than the file is the whole file (RFC 9110 14.1.3), not a 416', async () => {
    const res = await ranged(url, `bytes=-${wav.length + 1000}`, false);
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes 0-${wav.length - 1}/${wav.length}`);
    assert.deepEqual(res.body, wav);
  });

  it('an unsatisfiable range is 416 with Content-Range: bytes */size', async () => {
    const res = await request(stack.url).get(url).set('Range', `bytes=${wav.length}-`);
    assert.equal(res.status, 416);
    assert.equal(res.headers['content-range'], `bytes */${wav.length}`);
    assert.equal(res.body.code, 'RANGE_NOT_SATISFIABLE');
  });

  it('several ranges, a malformed range, or an If-Range are answered with the whole file', async () => {
    for (const [range, ifRange] of [
      ['bytes=0-1,10-20', undefined],
      ['bytes=abc', undefined],
      ['bytes=0-1', 'Wed, 21 Oct 2015 07:28:00 GMT'],
    ] as const) {
      let r = ranged(url, range, false);
      if (ifRange) r = r.set('If-Range', ifRange);
      const res = await r;
      assert.equal(res.status, 200, range);
      assert.deepEqual(res.body, wav);
    }
  });
});

describe('ranges on the other downloads', () => {
  it('3.1, 3.5 and 3.8 answer one range with 206; names follow the content', async () => {
    const paths = [
      [`/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`, '4411223.wav'],
      [`/v1/ivr-files?path=${encodeURIComponent(SEED.acme.ivrFile)}`, undefined],
      [`/v1/agent-recordings?recordId=${encodeURIComponent(SEED.acme.recording)}`, '4411223.wav'],
    ] as const;
    for (const [path, name] of paths) {
      const res = await ranged(path, 'bytes=0-11');
      assert.equal(res.status, 206, path);
      assert.equal(res.body.subarray(0, 4).toString('latin1'), 'RIFF');
      assert.equal(res.body.subarray(8, 12).toString('latin1'), 'WAVE');
      assert.match(String(res.headers['content-range']), /^bytes 0-11\/\d+$/);
      if (name) assert.equal(res.headers['content-disposition'], `attachment; filename="${name}"`);
    }
  });

  it('a call with several recordings is a zip named .zip; without a vendor length, a range gets the whole zip', async () => {
    // The vendor streams a zip without Content-Length: its size is unknown, so no range can be cut.
    const res = await ranged(`/v1/calls/${SEED.acme.twoRecordingCall}/recordings`, 'bytes=0-3');
    assert.equal(res.headers['content-disposition'], `attachment; filename="${SEED.acme.twoRecordingCall}.zip"`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-range'], undefined);
    assert.equal(res.headers['accept-ranges'], undefined);
    assert.deepEqual([...res.body.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
    assert.ok(res.body.length > 4, 'the whole zip');
  });

  it('a small range of a big file tears the vendor stream down after it', async () => {
    const big = 'Y:/53/0/20261125/1001/range-big.V3';
    await stack.ccfs.store.put(big, Buffer.alloc(50 * 1024 * 1024, 3));
    const res = await ranged(`/v1/recordings?fileName=${encodeURIComponent(big)}`, 'bytes=1000-1999');
    assert.equal(res.status, 206);
    assert.equal(res.body.length, 1000);
    const rec = stack.ccfs.seen('downloadRecord').at(-1)!;
    await eventually(() => rec.aborted, 'the vendor stream was torn down');
  });
});

describe('?format=pcm16: the same recording decoded for players without G.711', () => {
  it('a data size of 0xFFFFFFFF (a placeholder) is the bytes the file holds, not a 500', async () => {
    const placeholder = Buffer.from(wav);
    const at = placeholder.indexOf('data', 12, 'latin1');
    placeholder.writeUInt32LE(0xffff_ffff, at + 4);
    const path = 'Y:/53/0/20261125/1001/placeholder.V3';
    await stack.ccfs.store.put(path, placeholder);
    const made = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', auth())
      .send({ fileName: path });
    const res = await ranged(`${made.body.url}?format=pcm16`, undefined, false);
    const samples = placeholder.length - (at + 8);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(44 + 2 * samples));
    assert.equal((res.body as Buffer).length, 44 + 2 * samples);
    assert.equal((res.body as Buffer).readUInt32LE(40), 2 * samples);
  });

  it('is a 16-bit PCM WAV of twice the samples, with an exact length, and ranges over it', async () => {
    const made = await request(stack.url)
      .post('/v1/recordings/playback')
      .set('Authorization', auth())
      .send({ fileName: SEED.acme.recording });
    const whole = await ranged(`${made.body.url}?format=pcm16`, undefined, false);
    assert.equal(whole.status, 200);
    const dataOffset = wav.indexOf('data', 12, 'latin1') + 8;
    const samples = wav.subarray(dataOffset);
    assert.equal(whole.headers['content-length'], String(44 + 2 * samples.length));
    const pcm = whole.body as Buffer;
    assert.equal(pcm.length, 44 + 2 * samples.length);
    assert.equal(pcm.toString('latin1', 0, 4), 'RIFF');
    assert.equal(pcm.readUInt16LE(20), 1, 'linear PCM');
    assert.equal(pcm.readUInt16LE(34), 16, '16 bits');
    assert.equal(pcm.readUInt32LE(40), 2 * samples.length);
    const decoded = alawmulaw.alaw.decode(samples);
    for (const i of [0, 1, 1000, decoded.length - 1])
      assert.equal(pcm.readInt16LE(44 + 2 * i), decoded[i], `sample ${i}`);

    const part = await ranged(`${made.body.url}?format=pcm16`, 'bytes=44-1043', false);
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 44-1043/${pcm.length}`);
    assert.deepEqual(part.body, pcm.subarray(44, 1044));
    const bad = await request(stack.url).get(`${made.body.url}?format=mp3`);
    assert.equal(bad.status, 400);
  });
});

describe('what a range may make the gateway read and drop on a playback URL', () => {
  let bounded: Stack;
  let clock = Date.now();
  before(async () => {
    bounded = await startStack({
      now: () => clock,
      configure: (raw) => {
        raw.tenants[0].limits = { playbackRangeSkipMaxBytes: 20_000, playbackRangeSkipBytesPerMinutePerId: 30_000 };
      },
    });
  });
  after(async () => {
    await bounded.close();
  });
  const link = async () =>
    (
      await request(bounded.url)
        .post('/v1/recordings/playback')
        .set('Authorization', `Bearer ${bounded.token()}`)
        .send({ fileName: SEED.acme.recording })
    ).body.url as string;
  const get = (url: string, range: string, query = '') =>
    request(bounded.url).get(`${url}${query}`).set('Range', range).buffer(true).parse(binaryBody);

  it('a range past playbackRangeSkipMaxBytes is answered with the whole recording, decoded or not', async () => {
    const url = await link();
    for (const query of ['', '?format=pcm16']) {
      const res = await get(url, 'bytes=-1', query);
      assert.equal(res.status, 200, `${query}: the Range is ignored, not served by reading all and sending one byte`);
      assert.ok(res.body.length > 20_000);
    }
    assert.equal((await get(url, 'bytes=100-199')).status, 206, 'a near range is served as usual');
  });

  it("a link's ranges skip at most playbackRangeSkipBytesPerMinutePerId a minute; the bytes are counted for its tenant", async () => {
    clock += 120_000;
    const url = await link();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await get(url, 'bytes=10000-10099')).status);
    assert.deepEqual(statuses, [206, 206, 206, 429], 'three skips of 10,000 bytes, then the budget is spent');
    const refused = await get(url, 'bytes=10000-10099');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    clock += 60_000;
    assert.equal((await get(url, 'bytes=10000-10099')).status, 206, 'a minute later the budget is back');
    const metrics = await request(bounded.url).get('/metrics').set('Authorization', `Bearer ${bounded.token()}`);
    assert.match(metrics.text, /playback_range_skipped_bytes_total\{tenant="acme"\} \d+/);
    assert.match(metrics.text, /rate_limited_total\{tenant="acme",reason="playback_skip"\} [1-9]/);
  });
});
