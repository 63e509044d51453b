/**
 * Contract 3.6 at the edge: a raw WAV body received as a stream, checked from its header as it
 * arrives, cut off at the tenant's limit, and spooled to a private temp file, so that a 5 MiB
 * upload (7 MiB once base64-encoded for the vendor) is never held in memory.
 */

import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { inspectWavHeader, lengthProblems, WAV_HEADER_MAX_BYTES, type WavVerdict } from '../domain/wav-header.js';
import { ClientGoneError, GatewayError } from '../errors/catalogue.js';
import { continueIfExpected } from './body.js';
import type { Spool } from './spool.js';

const WAV_CONTENT_TYPES: readonly string[] = ['audio/wav', 'audio/x-wav', 'audio/wave'];

/** The upload on disk, readable as often as needed (once to sign, once to send). */
export interface SpooledFile {
  size: number;
  open(): Readable;
  /** Removes the temp file; safe to call twice. */
  dispose(): Promise<void>;
}

/** The refusals of contract 3.6, shared with the native upload of 3.7. */
export const tooLarge = (limit: number) =>
  new GatewayError('PAYLOAD_TOO_LARGE', `the file is larger than the tenant's limit of ${limit} bytes`);
export const notWav = (what = 'the body') =>
  new GatewayError('UNSUPPORTED_MEDIA_TYPE', `${what} is not a WAV file (RIFF/WAVE)`);
export const invalidAudio = (problems: string[]) =>
  new GatewayError('INVALID_AUDIO', `the WAV is not 8 bit 8000 Hz mono A-law or mu-law: ${problems.join('; ')}`);

/** Everything that can be refused from the headers alone, before a byte of the body is read. */
export function checkUploadHeaders(req: Request, limit: number): number | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!WAV_CONTENT_TYPES.includes(type))
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be one of ${WAV_CONTENT_TYPES.join(', ')}`);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity')
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'compressed uploads are not accepted');
  const declared = req.headers['content-length'];
  if (declared === undefined) return undefined;
  const length = Number(declared);
  if (length > limit) throw tooLarge(limit);
  return length;
}

/**
 * A WAV written to a file of the spool as its bytes come, checked as they come: refused (by a
 * throw from `write`) as soon as it is over `limit`, is not a WAV, or has a header in the wrong
 * format. Shared by route 3.6 (raw bytes) and the native upload of 3.7 (bytes decoded from JSON).
 */
export class WavSpoolWriter {
  private readonly out: WriteStream;
  private readonly file: { path: string; dispose: () => Promise<void> };
  private size = 0;
  private head: Buffer = Buffer.alloc(0);
  private verdict: WavVerdict = { kind: 'need-more' };
  private failed: unknown;

  constructor(
    spool: Spool,
    private readonly opts: { limit: number; declaredLength?: number | undefined; what?: string },
  ) {
    this.file = spool.take();
    this.out = createWriteStream(this.file.path, { flags: 'wx', mode: 0o600 });
    this.out.once('error', (err) => {
      this.failed = err;
    });
  }

  private check(ended: boolean): void {
    if (this.verdict.kind === 'need-more') this.verdict = inspectWavHeader(this.head, ended);
    if (this.verdict.kind === 'not-wav') throw notWav(this.opts.what);
    if (this.verdict.kind !== 'header') return;
    const known = ended ? this.size : this.opts.declaredLength;
    const problems =
      known === undefined ? this.verdict.problems : [...this.verdict.problems, ...lengthProblems(this.verdict, known)];
    if (problems.length > 0) throw invalidAudio(problems);
  }

  /** Takes the next bytes; a promise when the file asks to wait before the next ones. */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    this.size += chunk.length;
    if (this.size > this.opts.limit) throw tooLarge(this.opts.limit);
    if (this.verdict.kind === 'need-more' && this.head.length <= WAV_HEADER_MAX_BYTES + 64) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      this.check(false);
    }
    if (this.out.write(chunk)) return undefined;
    return new Promise((resolve, reject) => {
      const done = (err?: unknown) => {
        this.out.off('drain', done).off('error', done);
        if (err) reject(err);
        else resolve();
      };
      this.out.once('drain', done).once('error', done);
    });
  }

  /** The whole file, checked and on disk. */
  async finish(): Promise<SpooledFile> {
    try {
      this.check(true);
      await new Promise<void>((resolve, reject) => {
        if (this.failed) reject(this.failed);
        else this.out.end(() => (this.failed ? reject(this.failed) : resolve()));
      });
    } catch (err) {
      await this.abort();
      throw err;
    }
    const { path, dispose } = this.file;
    return { size: this.size, open: () => createReadStream(path, { highWaterMark: 48 * 1024 }), dispose };
  }

  /** Drops the file: the upload was refused or its client left. */
  async abort(): Promise<void> {
    // Wait for the file to be closed (its open may still be pending) so that it can be removed.
    if (!this.out.closed) await new Promise<void>((resolve) => this.out.once('close', () => resolve()).destroy());
    await this.file.dispose();
  }
}

/**
 * Hands the request's body to `take` chunk by chunk and resolves at its end. When `take` throws
 * (a refusal) or its promise rejects, reading stops at once: the request is paused and left, so
 * that the refusal can still be answered and the rest of the body is never read. A promise from
 * `take` holds the next chunk back until it settles (the spool's backpressure).
 */
export function pumpBody(
  req: Request,
  res: Response,
  take: (chunk: Buffer) => Promise<void> | undefined,
  atEnd: () => void = () => {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const stop = (err?: unknown) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      req.pause();
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      try {
        const wait = take(chunk);
        if (wait) {
          req.pause();
          wait.then(() => settled || req.resume(), stop);
        }
      } catch (err) {
        stop(err);
      }
    };
    const onEnd = () => {
      try {
        atEnd();
        stop();
      } catch (err) {
        stop(err);
      }
    };
    const onClose = () => stop(new ClientGoneError());
    req.on('data', onData).once('end', onEnd).once('close', onClose).once('error', onClose);
    continueIfExpected(req, res);
  });
}

/** Route 3.6: the raw body into a file of the spool. Resolves once the file is checked and on disk. */
export async function receiveWav(
  req: Request,
  res: Response,
  opts: { limit: number; declaredLength: number | undefined; spool: Spool },
): Promise<SpooledFile> {
  const writer = new WavSpoolWriter(opts.spool, opts);
  try {
    await pumpBody(req, res, (chunk) => writer.write(chunk));
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finish();
}
