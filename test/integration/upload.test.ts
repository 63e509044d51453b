/**
 * Contract 3.6 against the CC-FS simulator: uploads stored byte for byte and readable through
 * 3.5, every refusal made by the gateway itself (the simulator never sees it), and the spool
 * directory left empty.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { demoRecording, wavFromEncoded } from '../../simulators/shared/audio.js';
import { binaryBody } from '../helpers/download.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type Stack, startStack } from '../helpers/stack.js';

const LIMIT = 5 * 1024 * 1024;

/** A WAV whose fmt chunk says what `fields` say (defaults: the vendor's format). */
function wavWith(
  fields: Partial<{ tag: number; channels: number; rate: number; byteRate: number; align: number; bits: number }>,
  data = Buffer.alloc(80, 0xd5),
): Buffer {
  const wav = wavFromEncoded(data);
  wav.writeUInt16LE(fields.tag ?? 6, 20);
  wav.writeUInt16LE(fields.channels ?? 1, 22);
  wav.writeUInt32LE(fields.rate ?? 8000, 24);
  wav.writeUInt32LE(fields.byteRate ?? 8000, 28);
  wav.writeUInt16LE(fields.align ?? 1, 32);
  wav.writeUInt16LE(fields.bits ?? 8, 34);
  return wav;
}

describe('upload (contract 3.6)', () => {
  let stack: Stack;
  let spool: string;
  before(async () => {
    spool = mkdtempSync(join(tmpdir(), 'gw-spool-'));
    stack = await startStack({
      configure: (raw) => {
        raw.server.spoolDir = spool;
      },
    });
  });
  after(async () => {
    await stack.close();
    rmSync(spool, { recursive: true, force: true });
  });

  const upload = (body: Buffer, opts: { tenant?: string; query?: string; type?: string; scopes?: string[] } = {}) =>
    request(stack.url)
      .post(`/v1/ivr-files${opts.query ?? ''}`)
      .set('Authorization', `Bearer ${stack.token(opts.tenant ?? 'acme', opts.scopes)}`)
      .set('Content-Type', opts.type ?? 'audio/wav')
      .send(body);

  const uploadsSeen = () => stack.ccfs.seen('ivr/uploadFile').length;

  const cases: Array<[string, Buffer]> = [
    ['a WAV of 0 samples', wavFromEncoded(Buffer.alloc(0))],
    ['a WAV of 1 byte of data (odd, with its pad byte)', wavFromEncoded(Buffer.from([0x55]))],
    ['a limit-sized WAV (5 MiB exactly)', wavFromEncoded(Buffer.alloc(LIMIT - 44, 0xd5))],
    [
      'a mu-law WAV with an 18-byte fmt chunk and a LIST chunk',
      wavFromEncoded(Buffer.alloc(8000, 0x7f), { formatTag: 7, extendedFmt: true, listChunk: true }),
    ],
    ['a playable demo recording', demoRecording(3)],
  ];
  for (const [name, wav] of cases) {
    it(`stores ${name} byte for byte and reads it back through 3.5`, async () => {
      const before = stack.ccfs.uploads.length;
      const res = await upload(wav);
      assert.equal(res.status, 201, res.text);
      assert.match(res.body.fileName, /^Y:\/3rdfile\/53\/thirdvoicebotfile\/\d+\.wav$/);
      assert.deepEqual(res.body.locationIds, ['1']);
      assert.equal(res.headers.location, `/v1/ivr-files?path=${encodeURIComponent(res.body.fileName)}`);
      const stored = stack.ccfs.uploads[before]!;
      assert.equal(stack.ccfs.uploads.length, before + 1);
      assert.equal(stored.bytes.length, wav.length);
      assert.ok(stored.bytes.equals(wav), 'the simulator decoded exactly the uploaded bytes');
      assert.equal(stored.ak, 'AK-ACME-0001');
      assert.equal(stored.vdnId, 53);

      const back = await request(stack.url)
        .get(res.headers.location!)
        .set('Authorization', `Bearer ${stack.token()}`)
        .buffer(true)
        .parse(binaryBody);
      assert.equal(back.status, 200);
      assert.equal(back.headers['content-type'], 'audio/wav');
      assert.ok((back.body as Buffer).equals(wav));
    });
  }

  it('accepts audio/x-wav and audio/wave, with parameters', async () => {
    for (const type of ['audio/x-wav', 'audio/wave', 'Audio/WAV; codec=alaw']) {
      const res = await upload(demoRecording(1, 1), { type });
      assert.equal(res.status, 201, `${type}: ${res.text}`);
    }
  });

  it('refuses other content types with 415 and never calls the vendor', async () => {
    const seen = uploadsSeen();
    for (const type of ['application/octet-stream', 'text/plain', 'audio/mpeg', 'application/json']) {
      const res = await upload(demoRecording(1, 1), { type });
      assert.equal(res.status, 415, type);
      assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    assert.equal(uploadsSeen(), seen);
  });

  it('refuses a body that is not a WAV at all with 415', async () => {
    const seen = uploadsSeen();
    for (const body of [
      Buffer.from('ID3\x04 an mp3 pretending'),
      Buffer.from('RIFF\x10\x00\x00\x00AVI LIST'),
      Buffer.alloc(0),
      Buffer.from('RIF'),
    ]) {
      const res = await upload(body);
      assert.equal(res.status, 415, body.toString('latin1'));
      assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    assert.equal(uploadsSeen(), seen);
  });

  it('names every fmt field that is off in a 422', async () => {
    const seen = uploadsSeen();
    const res = await upload(wavWith({ tag: 1, channels: 2, rate: 16000, byteRate: 64000, align: 4, bits: 16 }));
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'INVALID_AUDIO');
    for (const field of [
      'format tag 1',
      'channels 2',
      'sample rate 16000',
      'byte rate 64000',
      'block align 4',
      'bits per sample 16',
    ]) {
      assert.ok(res.body.detail.includes(field), `detail names ${field}: ${res.body.detail}`);
    }
    const one = await upload(wavWith({ rate: 8001 }));
    assert.equal(one.status, 422);
    assert.match(one.body.detail, /sample rate 8001 \(want 8000\)/);
    assert.doesNotMatch(one.body.detail, /channels|format tag|bits per sample/);
    assert.equal(uploadsSeen(), seen);
  });

  it('refuses a data chunk that disagrees with the body, a missing fmt chunk and a wrong fmt size', async () => {
    const seen = uploadsSeen();
    const short = wavFromEncoded(Buffer.alloc(100, 0xd5));
    short.writeUInt32LE(200, 40);
    const trailing = Buffer.concat([wavFromEncoded(Buffer.alloc(100, 0xd5)), Buffer.alloc(10)]);
    const noFmt = Buffer.concat([Buffer.from('RIFF\x0c\x00\x00\x00WAVEdata\x00\x00\x00\x00', 'latin1')]);
    const bigFmt = wavFromEncoded(Buffer.alloc(4));
    bigFmt.writeUInt32LE(20, 16);
    for (const [body, pattern] of [
      [short, /data chunk size 200/],
      [trailing, /data chunk size 100/],
      [noFmt, /no fmt chunk/],
      [bigFmt, /./],
    ] as const) {
      const res = await upload(body);
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.code, 'INVALID_AUDIO');
      assert.match(res.body.detail, pattern);
    }
    assert.equal(uploadsSeen(), seen);
  });

  it('refuses a Content-Length over the limit with 413 before reading a byte of the body', async () => {
    const seen = uploadsSeen();
    const head = [
      'POST /v1/ivr-files HTTP/1.1',
      `Host: ${new URL(stack.url).host}`,
      `Authorization: Bearer ${stack.token()}`,
      'Content-Type: audio/wav',
      `Content-Length: ${LIMIT + 1}`,
    ].join('\r\n');
    const answer = await rawRequest(stack.url, head, () => undefined);
    assert.equal(answer.status, 413);
    assert.equal(answer.bodySent, 0);
    assert.match(answer.text, /PAYLOAD_TOO_LARGE/);
    assert.equal(uploadsSeen(), seen);
  });

  it('answers 413 instead of 100 Continue to an oversized upload that asks first', async () => {
    const head = [
      'POST /v1/ivr-files HTTP/1.1',
      `Host: ${new URL(stack.url).host}`,
      `Authorization: Bearer ${stack.token()}`,
      'Content-Type: audio/wav',
      `Content-Length: ${LIMIT * 2}`,
      'Expect: 100-continue',
    ].join('\r\n');
    const answer = await rawRequest(stack.url, head, () => undefined);
    assert.equal(answer.status, 413);
    assert.doesNotMatch(answer.text, /100 Continue/);
  });

  it('cuts a chunked body off as soon as it passes the limit', async () => {
    const seen = uploadsSeen();
    const wav = wavFromEncoded(Buffer.alloc(LIMIT * 2, 0xd5));
    const head = [
      'POST /v1/ivr-files HTTP/1.1',
      `Host: ${new URL(stack.url).host}`,
      `Authorization: Bearer ${stack.token()}`,
      'Content-Type: audio/wav',
      'Transfer-Encoding: chunked',
    ].join('\r\n');
    const piece = 256 * 1024;
    const answer = await rawRequest(
      stack.url,
      head,
      (sent) => {
        const at = Math.floor(sent / (piece + 16)) * piece;
        if (at >= wav.length) return undefined;
        const data = wav.subarray(at, at + piece);
        return Buffer.concat([
          Buffer.from(`${data.length.toString(16).padStart(8, '0')}\r\n`),
          data,
          Buffer.from('\r\n'),
        ]);
      },
      { pauseMs: 5 },
    );
    assert.equal(answer.status, 413);
    assert.ok(
      answer.bodySent < wav.length * 0.75,
      `the client could send only part of the body (${answer.bodySent} of ${wav.length})`,
    );
    assert.equal(uploadsSeen(), seen);
  });

  it('takes vdnId from the query when the tenant has several VDNs, and refuses others', async () => {
    const seen = uploadsSeen();
    const wav = demoRecording(2, 1);
    const missing = await upload(wav, { tenant: 'globex' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.detail, /vdnId is required/);
    const notOwned = await upload(wav, { tenant: 'globex', query: '?vdnId=53' });
    assert.equal(notOwned.status, 403);
    assert.equal(notOwned.body.code, 'PATH_FORBIDDEN');
    for (const bad of ['?vdnId=abc', '?vdnId=', '?vdnId=54&vdnId=55', '?vdnId=-54', '?vdn=54']) {
      const res = await upload(wav, { tenant: 'globex', query: bad });
      assert.equal(res.status, 400, bad);
    }
    assert.equal(uploadsSeen(), seen);
    const ok = await upload(wav, { tenant: 'globex', query: '?vdnId=55' });
    assert.equal(ok.status, 201);
    assert.match(ok.body.fileName, /^Y:\/3rdfile\/55\/thirdvoicebotfile\//);
    assert.equal(stack.ccfs.uploads.at(-1)!.ak, 'AK-GLOBEX-0002');
  });

  it('needs the ivr-files:write scope', async () => {
    const res = await upload(demoRecording(1, 1), { scopes: ['ivr-files:read'] });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'INSUFFICIENT_SCOPE');
  });

  it('maps a vendor refusal to the contract and keeps its code', async () => {
    stack.ccfs.injectFault({ operation: 'ivr/uploadFile', times: 1, resultCode: '0300004' });
    const res = await upload(demoRecording(1, 1));
    assert.equal(res.status, 502);
    assert.equal(res.body.upstream.code, '0300004');
    stack.ccfs.injectFault({ operation: 'ivr/uploadFile', times: 1, resultCode: '0300008' });
    const limited = await upload(demoRecording(1, 1));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  });

  it('leaves nothing in the spool directory', () => {
    assert.deepEqual(readdirSync(spool), []);
  });
});

describe('upload: the vendor stores outside our ivrUpload rule', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ sim: { ivrUploadRule: '/3rdfile/%VDNNO%/elsewhere/' } });
  });
  after(async () => {
    await stack.close();
  });

  it('answers 502 and logs an error naming the disagreement', async () => {
    const res = await request(stack.url)
      .post('/v1/ivr-files')
      .set('Authorization', `Bearer ${stack.token()}`)
      .set('Content-Type', 'audio/wav')
      .send(demoRecording(1, 1));
    assert.equal(res.status, 502);
    assert.equal(res.body.code, 'UPSTREAM_ERROR');
    const line = stack.lines
      .map((l) => JSON.parse(l))
      .find((r) => r.level === 50 && r.requestId === res.body.requestId);
    assert.ok(line, 'an error-level line for the request');
    assert.match(JSON.stringify(line), /ivrUpload rule/);
  });
});
