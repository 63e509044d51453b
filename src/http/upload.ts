/**
 * Contract 3.6 at the edge: a raw WAV body received as a stream, checked from its header as it
 * arrives, cut off at the tenant's limit, and spooled to a private temp file, so that a 5 MiB
 * upload (7 MiB once base64-encoded for the vendor) is never held in memory.
 */

import { createReadStream, createWriteStream } from 'node:fs';
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
 * Reads the body into a file of the spool, refusing it (and reading no further) as soon as it is over
 * `limit`, is not a WAV, or has a header in the wrong format. Resolves once the file is on disk.
 */
export async function receiveWav(
  req: Request,
  res: Response,
  opts: { limit: number; declaredLength: number | undefined; spool: Spool },
): Promise<SpooledFile> {
  const { path, dispose } = opts.spool.take();
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let size = 0;
  let head: Buffer = Buffer.alloc(0);
  let verdict: WavVerdict = { kind: 'need-more' };

  const check = (ended: boolean) => {
    if (verdict.kind === 'need-more') verdict = inspectWavHeader(head, ended);
    if (verdict.kind === 'not-wav') throw notWav();
    if (verdict.kind !== 'header') return;
    const known = ended ? size : opts.declaredLength;
    const problems = known === undefined ? verdict.problems : [...verdict.problems, ...lengthProblems(verdict, known)];
    if (problems.length > 0) throw invalidAudio(problems);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const stop = (err?: unknown) => {
        if (settled) return;
        settled = true;
        req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
        req.pause();
        if (err) {
          // Wait for the file to be closed (its open may still be pending) so that it can be removed.
          out.once('close', () => reject(err)).destroy();
        } else {
          out.end(() => resolve());
        }
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        try {
          if (size > opts.limit) throw tooLarge(opts.limit);
          if (verdict.kind === 'need-more' && head.length <= WAV_HEADER_MAX_BYTES + 64) {
            head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
            check(false);
          }
        } catch (err) {
          stop(err);
          return;
        }
        if (!out.write(chunk)) {
          req.pause();
          out.once('drain', () => req.resume());
        }
      };
      const onEnd = () => {
        try {
          check(true);
          stop();
        } catch (err) {
          stop(err);
        }
      };
      const onClose = () => stop(new ClientGoneError());
      out.once('error', (err) => stop(err));
      req.on('data', onData).once('end', onEnd).once('close', onClose).once('error', onClose);
      continueIfExpected(req, res);
    });
  } catch (err) {
    await dispose();
    throw err;
  }
  return { size, open: () => createReadStream(path, { highWaterMark: 48 * 1024 }), dispose };
}
