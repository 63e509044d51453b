/**
 * Contract section 3: downloads are piped with backpressure, typed from their first bytes, and
 * never end cleanly when the vendor failed mid-way: the client's connection is destroyed instead.
 */
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { ClientGoneError } from '../errors/catalogue.js';
import { contentDisposition } from '../domain/content.js';
import type { UpstreamFile } from '../upstream/ports.js';

/** An AbortSignal that fires when the client goes away before its answer was sent. */
export function clientSignal(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new ClientGoneError());
  });
  return ac.signal;
}

export async function sendDownload(res: Response, file: UpstreamFile, fileName: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(fileName));
  res.setHeader('Cache-Control', 'no-store');
  if (file.contentLength !== undefined) res.setHeader('Content-Length', String(file.contentLength));
  try {
    if (file.head.length > 0) res.write(file.head);
    await pipeline(file.rest, res);
  } catch (err) {
    // Both ways out end the same: the upstream request is torn down and the client sees a cut.
    file.rest.destroy();
    res.destroy();
    res.locals.streamError = err;
  }
}
