import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { MIN_SNIFF_BYTES, sniffContentType } from '../domain/content.js';
import type { UpstreamFile } from './ports.js';

/**
 * Reads whole chunks from a paused stream until at least `min` bytes arrived (or it ended),
 * leaving the rest in the stream. Stops early past `max`, so a huge first chunk is not refused.
 */
function readAtLeast(stream: Readable, min: number, max = Infinity): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const done = (ended: boolean) => {
      cleanup();
      resolve({ head: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), ended });
    };
    const onEnd = () => done(true);
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (!stream.readableEnded) onError(Object.assign(new Error('stream closed early'), { code: 'UND_ERR_SOCKET' }));
    };
    const onReadable = () => {
      while (size < min && size <= max) {
        const chunk = stream.read() as Buffer | null;
        if (chunk === null) break;
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= min || size > max) done(false);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Reads a whole small body, failing past `max` bytes (a vendor answer that is not a file). */
export async function readSmall(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      stream.destroy();
      throw Object.assign(new Error('body too large'), { code: 'BODY_TOO_LARGE' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** A vendor answer to a download: a file, or a small JSON error (cc-protocol 3.6, 3.13, 5.8). */
export interface SniffedAnswer {
  /** The whole body when it is small and looks like JSON, for the caller to parse for a vendor error. */
  json?: Buffer;
  /** The vendor's Content-Type said JSON. */
  declaredJson: boolean;
  /** The answer as a file, in case it is one: the bytes already read come first. */
  file: UpstreamFile;
}

/**
 * Tells a file from a JSON error by the declared type and the first bytes, since some vendor
 * errors travel as octet-stream. Reads only what it needs; throws what the body throws.
 */
export async function sniffAnswer(res: Dispatcher.ResponseData, maxJson: number): Promise<SniffedAnswer> {
  const declaredJson = String(res.headers['content-type'] ?? '')
    .toLowerCase()
    .includes('json');
  const lengthHeader = res.headers['content-length'];
  const contentLength =
    typeof lengthHeader === 'string' && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const { head, ended } = await readAtLeast(res.body, MIN_SNIFF_BYTES, maxJson);
  const looksJson = declaredJson || head.subarray(0, 16).toString('latin1').trimStart().startsWith('{');
  if (looksJson && (contentLength === undefined || contentLength <= maxJson)) {
    const whole = ended ? head : Buffer.concat([head, await readSmall(res.body, maxJson - head.length)]);
    return {
      json: whole,
      declaredJson,
      file: { contentType: sniffContentType(whole), contentLength, head: whole, rest: res.body },
    };
  }
  return { declaredJson, file: { contentType: sniffContentType(head), contentLength, head, rest: res.body } };
}
