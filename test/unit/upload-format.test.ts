/** The pure parts of contract 3.6: the streaming WAV header check and the streamed, signed JSON body. */

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { wavFromEncoded } from '../../simulators/shared/audio.js';
import { inspectWavHeader, lengthProblems } from '../../src/domain/wav-header.js';
import { authorization, createStreamingSigner } from '../../src/upstream/signing/auth-v2.js';
import { base64Pieces, uploadFileBody } from '../../src/upstream/upload-body.js';

const chunked = (buf: Buffer, cuts: number[]) => {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const p of [...points, buf.length]) {
    pieces.push(buf.subarray(at, p));
    at = p;
  }
  return pieces.filter((p) => p.length > 0);
};

async function collect(gen: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const s of gen) out += s;
  return out;
}

describe('inspectWavHeader', () => {
  it('accepts every vendor-format WAV, whatever its size and options, fed in any number of pieces', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(6 as const, 7 as const),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (data, formatTag, extendedFmt, listChunk, cuts) => {
          const wav = wavFromEncoded(Buffer.from(data), { formatTag, extendedFmt, listChunk });
          let seen = Buffer.alloc(0);
          let verdict = inspectWavHeader(seen, false);
          for (const piece of chunked(wav, cuts)) {
            if (verdict.kind !== 'need-more') break;
            seen = Buffer.concat([seen, piece]);
            verdict = inspectWavHeader(seen, seen.length === wav.length);
          }
          assert.equal(verdict.kind, 'header');
          if (verdict.kind !== 'header') return;
          assert.deepEqual(verdict.problems, []);
          assert.deepEqual(lengthProblems(verdict, wav.length), []);
          assert.equal(verdict.dataSize, data.length);
        },
      ),
    );
  });

  it('never answers need-more once the body has ended, and never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, riff) => {
        const b = riff
          ? Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1'), Buffer.from(bytes)])
          : Buffer.from(bytes);
        assert.notEqual(inspectWavHeader(b, true).kind, 'need-more');
        inspectWavHeader(b, false);
      }),
    );
  });

  it('says not-wav from the first bytes that cannot start a RIFF/WAVE file', () => {
    assert.equal(inspectWavHeader(Buffer.from('RI'), false).kind, 'need-more');
    assert.equal(inspectWavHeader(Buffer.from('RX'), false).kind, 'not-wav');
    assert.equal(inspectWavHeader(Buffer.from('RIFF\0\0\0\0WAV'), false).kind, 'need-more');
    assert.equal(inspectWavHeader(Buffer.from('RIFF\0\0\0\0AVI '), false).kind, 'not-wav');
    assert.equal(inspectWavHeader(Buffer.from('RIFF'), true).kind, 'not-wav');
  });

  it('allows the pad byte after odd data and nothing else', () => {
    const h = { dataOffset: 44, dataSize: 3, riffSize: 40 };
    assert.deepEqual(lengthProblems(h, 48), []);
    assert.equal(lengthProblems(h, 47).length, 1, 'RIFF size disagrees');
    assert.equal(lengthProblems(h, 49).length, 2);
    assert.equal(lengthProblems({ dataOffset: 44, dataSize: 4, riffSize: 41 }, 49).length, 1);
  });
});

describe('the ivr/uploadFile body', () => {
  it('encodes to the one-shot base64 for any chunking of the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        assert.equal(await collect(base64Pieces(Readable.from(chunked(buf, cuts)))), buf.toString('base64'));
      }),
    );
  });

  it('has the length it announces, and streaming signing gives the one-shot signature', async () => {
    for (const size of [0, 1, 2, 3, 4, 100, 100_000]) {
      const data = Buffer.alloc(size, 7);
      const body = uploadFileBody({ size, open: () => Readable.from(chunked(data, [17, 4000, 65537])) });
      const text = await collect(body.pieces());
      assert.equal(text.length, body.length);
      assert.deepEqual(JSON.parse(text), { request: { version: '2.0' }, msgBody: { data: data.toString('base64') } });
      const req = {
        ak: 'AK',
        timestamp: '2026-11-25T10:00:00.000Z',
        method: 'POST',
        path: '/CCFS/resource/ccfs/ivr/uploadFile',
        query: { vdnId: '53' },
        headers: { host: '127.0.0.1:1', 'content-length': String(body.length) },
      };
      const signer = createStreamingSigner(req, 'SK');
      for await (const piece of body.pieces()) signer.update(piece);
      assert.equal(signer.finish(), authorization({ ...req, body: text }, 'SK'));
    }
  });
});
