/**
 * Contract section 3: downloads are piped with backpressure, typed from their first bytes, and
 * never end cleanly when the vendor failed mid-way: the client's connection is destroyed instead.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Response } from 'express';
import { ClientGoneError } from '../errors/catalogue.js';
import { contentDisposition } from '../domain/content.js';
import type { NativeAnswer, UpstreamFile } from '../upstream/ports.js';
import { recordStreamError } from './scope.js';

/** An AbortSignal that fires when the client goes away before its answer was sent. */
export function clientSignal(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new ClientGoneError());
  });
  return ac.signal;
}

/** Pipes `body` into the answer; a failure on either side tears both down, so the client sees a cut. */
async function stream(res: Response, body: Readable, head?: Buffer): Promise<void> {
  try {
    if (head && head.length > 0) res.write(head);
    await pipeline(body, res);
  } catch (err) {
    body.destroy();
    res.destroy();
    recordStreamError(res, err);
  }
}

export async function sendDownload(res: Response, file: UpstreamFile, fileName: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(fileName));
  res.setHeader('Cache-Control', 'no-store');
  if (file.contentLength !== undefined) res.setHeader('Content-Length', String(file.contentLength));
  if (res.req.method === 'HEAD') {
    // The headers are known from the vendor's headers and the first bytes: the rest is never fetched.
    file.rest.destroy();
    res.end();
    return;
  }
  await stream(res, file.rest, file.head);
}

/** Contract 3.7: the vendor's answer as it came (its end-to-end headers, its body). */
export async function relayAnswer(res: Response, answer: NativeAnswer): Promise<void> {
  res.status(200);
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  await stream(res, answer.body);
}
