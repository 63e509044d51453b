/**
 * `?format=pcm16`: a playback streamed as 16-bit PCM instead of G.711, for players that cannot
 * decode A-law or mu-law. The vendor's header is read first (its data size gives the exact output
 * length, so ranges still work), then the samples are decoded as they stream; nothing is held whole.
 */
import { Readable } from 'node:stream';
import { decodeG711, pcm16Header, pcm16Length } from '../domain/pcm16.js';
import { inspectWavHeader, WAV_FORMAT_TAGS, WAV_HEADER_MAX_BYTES, type WavVerdict } from '../domain/wav-header.js';
import { GatewayError } from '../errors/catalogue.js';
import type { UpstreamFile } from '../upstream/ports.js';

const notG711 = () =>
  new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'only an 8 kHz mono A-law or mu-law WAV can be served as pcm16');

export async function toPcm16(file: UpstreamFile): Promise<UpstreamFile> {
  const chunks = file.rest[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = file.head;
  let verdict: WavVerdict = inspectWavHeader(head, false);
  try {
    while (verdict.kind === 'need-more' && head.length <= WAV_HEADER_MAX_BYTES) {
      const next = await chunks.next();
      if (!next.done) head = Buffer.concat([head, next.value]);
      verdict = inspectWavHeader(head, next.done === true);
    }
  } catch (err) {
    file.rest.destroy();
    throw err;
  }
  const tag = verdict.kind === 'header' ? verdict.formatTag : undefined;
  if (
    verdict.kind !== 'header' ||
    verdict.problems.length > 0 ||
    (tag !== WAV_FORMAT_TAGS.alaw && tag !== WAV_FORMAT_TAGS.mulaw)
  ) {
    file.rest.destroy();
    throw notG711();
  }
  const { dataOffset } = verdict;
  // A data size past the body's end (the 0xFFFFFFFF a recorder writes before it knows, or a
  // header never rewritten) is the bytes the body holds, when the vendor says how many.
  const held = file.contentLength === undefined ? undefined : Math.max(0, file.contentLength - dataOffset);
  const dataSize = held === undefined ? verdict.dataSize : Math.min(verdict.dataSize, held);
  if (pcm16Length(dataSize) - 8 > 0xffff_ffff) {
    file.rest.destroy();
    throw new GatewayError(
      'UNSUPPORTED_MEDIA_TYPE',
      'the WAV does not state a data size that fits a pcm16 WAV (4 GiB): serve it without ?format=pcm16',
    );
  }
  async function* samples(): AsyncGenerator<Buffer> {
    let left = dataSize;
    const take = (b: Buffer) => {
      const part = b.subarray(0, Math.min(b.length, left));
      left -= part.length;
      return part.length > 0 ? decodeG711(tag!, part) : undefined;
    };
    const first = take(head.subarray(dataOffset));
    if (first) yield first;
    // Leaving early (the data chunk is done, or the client left) destroys the vendor stream.
    while (left > 0) {
      const next = await chunks.next();
      if (next.done) throw new Error('the vendor stream ended inside the data chunk');
      const part = take(next.value);
      if (part) yield part;
    }
    await chunks.return?.();
  }
  const rest = Readable.from(samples());
  rest.once('close', () => file.rest.destroy());
  return { contentType: 'audio/wav', contentLength: pcm16Length(dataSize), head: pcm16Header(dataSize), rest };
}
