/**
 * Contract section 3: downloads are piped with backpressure, typed from their first bytes, named
 * for what they are, and never end cleanly when the vendor failed mid-way: the client's connection
 * is destroyed instead. Byte ranges (RFC 9110 14) are served from a fresh vendor stream: the bytes
 * before the range are read and dropped, the stream is torn down after it, and nothing is cached.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import parseRange from 'range-parser';
import { contentDisposition, downloadName } from '../domain/content.js';
import { TailKeeper, zipEntryNames } from '../domain/zip-directory.js';
import { auditFiles, countSent, readerIdleMs, recordStreamError, resumeCounts, scopeOf } from '../edge/scope.js';
import { ClientGoneError, ClientStalledError, GatewayError } from '../errors/catalogue.js';
import { startSpan } from '../telemetry/spans.js';
import type { NativeAnswer, UpstreamFile } from '../upstream/ports.js';
import { type OpenFile, type ResumePolicy, resumable } from './resume.js';

/** An AbortSignal that fires when the client goes away before its answer was sent. */
export function clientSignal(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new ClientGoneError());
  });
  return ac.signal;
}

/**
 * Pipes `body` into the answer; a failure on either side tears both down, so the client sees a cut.
 * The bytes are counted as they are handed on, so a cut transfer records what was sent.
 */
async function stream(res: Response, body: Readable, teardown: Readable): Promise<void> {
  const span = startSpan('stream', {});
  body.on('data', (chunk: Buffer) => countSent(res, chunk.length));
  res.once('close', () => {
    span.setAttributes({
      'cc.stream.bytes': scopeOf(res)?.bytesSent ?? 0,
      'cc.stream.outcome': res.writableFinished ? 'complete' : 'cut',
    });
    span.end();
  });
  watchReader(res, body, readerIdleMs(res));
  // Recorded as it happens: the answer's close (and its log line) comes before pipeline settles.
  // A body torn down because the client left is not a vendor failure.
  body.once('error', (err) => {
    if (!res.destroyed) recordStreamError(res, err);
  });
  try {
    await pipeline(body, res);
  } catch {
    body.destroy();
    teardown.destroy();
    res.destroy();
  }
}

/**
 * Ends the answer when its client takes no bytes for `ms`: the pipe pauses `body` while the
 * connection is full and resumes it once the client read, so a pause that lasts is a reader that
 * stopped. Only the client's side counts: a vendor that is slow (or a resume re-reading a prefix)
 * does not pause the pipe.
 */
function watchReader(res: Response, body: Readable, ms: number): void {
  if (ms === 0) return;
  // A pause and a resume come with every full socket buffer: one timer, restarted on each pause,
  // that ends the answer only if it finds the pipe still paused.
  let paused = false;
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (!paused) return;
    recordStreamError(res, new ClientStalledError(ms));
    res.destroy();
  };
  const onPause = () => {
    paused = true;
    if (timer) timer.refresh();
    else timer = setTimeout(fire, ms);
  };
  const onResume = () => {
    paused = false;
  };
  body.on('pause', onPause);
  body.on('resume', onResume);
  // The pipe also pauses its source as it lets go of it: nothing is watched once the answer is over.
  res.once('close', () => {
    body.off('pause', onPause);
    body.off('resume', onResume);
    clearTimeout(timer);
  });
}

/** The file's bytes from `start`, `length` of them; the vendor stream is torn down once they are out. */
async function* window(file: UpstreamFile, start: number, length: number): AsyncGenerator<Buffer> {
  let skip = start;
  let left = length;
  const cut = (chunk: Buffer): Buffer => {
    let c = chunk;
    if (skip > 0) {
      const n = Math.min(skip, c.length);
      c = c.subarray(n);
      skip -= n;
    }
    if (c.length > left) c = c.subarray(0, left);
    left -= c.length;
    return c;
  };
  const first = cut(file.head);
  if (first.length > 0) yield first;
  if (left === 0) {
    file.rest.destroy();
    return;
  }
  // Leaving this loop early (the range is out) destroys the vendor stream.
  for await (const chunk of file.rest as AsyncIterable<Buffer>) {
    const part = cut(chunk);
    if (part.length > 0) yield part;
    if (left === 0) return;
  }
  throw new Error('the vendor stream ended before the requested range');
}

const BYTE_RANGES = /^bytes=\s*(\d+-\d*|-\d+)(\s*,\s*(\d+-\d*|-\d+))*\s*$/;

/** Which part of a file of `size` bytes to send: all of it, one range, or none (416). */
function rangeOf(res: Response, size: number | undefined): { start: number; end: number } | 'all' {
  const header = res.req.headers.range;
  // No length, no ranges; an If-Range can never match (the vendor gives no validator), so: all.
  if (header === undefined || size === undefined || res.req.headers['if-range'] !== undefined) return 'all';
  // A header that is not a byte-range set is ignored, as RFC 9110 14.2 allows.
  if (!BYTE_RANGES.test(header)) return 'all';
  // A suffix longer than the file means all of it (RFC 9110 14.1.3); range-parser calls it unsatisfiable.
  const suffixesCut = header.replace(/([=,]\s*)-(\d+)/g, (whole, lead: string, n: string) =>
    Number(n) > size ? `${lead}-${size}` : whole,
  );
  const ranges = parseRange(size, suffixesCut, { combine: true });
  if (ranges === -2) return 'all';
  if (ranges === -1 || ranges.type !== 'bytes') {
    throw new GatewayError('RANGE_NOT_SATISFIABLE', `the range is outside the file's ${size} bytes`, {
      headers: { 'content-range': `bytes */${size}` },
    });
  }
  // Several ranges may be answered with the whole file (RFC 9110 14.2).
  return ranges.length === 1 ? ranges[0]! : 'all';
}

export interface DownloadOptions {
  /** `inline` for playback in a page (3.4); downloads are attachments. */
  disposition?: 'attachment' | 'inline';
  /** Whether and how far a stream the vendor cuts is asked for again and resumed. */
  resume?: ResumePolicy;
  /** Applied to the vendor's bytes (once resumable) before ranges are cut: `?format=pcm16`. */
  transform?: (file: UpstreamFile) => Promise<UpstreamFile>;
  /**
   * The bytes a range may make the gateway read and drop before it (a tokenless link's bound): a
   * range past `maxBytes` is answered with the whole file; `charge` takes the rest from a budget.
   */
  skip?: { maxBytes: number; charge: (bytes: number) => Promise<void> };
  /** Shown the whole answer's bytes as they are sent (not a range's): `auditZipEntries`. */
  watch?: (res: Response, head: Buffer, body: Readable) => void;
}

/**
 * Names in the audit line the entries of a zip that passed whole (a read by call id: the vendor
 * chose the files), from its central directory; only its last bytes are kept meanwhile.
 */
export function auditZipEntries(res: Response, head: Buffer, body: Readable): void {
  const keeper = new TailKeeper();
  const isZip = () => keeper.start.length < 4 || keeper.start.toString('latin1') === 'PK\x03\x04';
  const onEnd = () => {
    const names = isZip() ? zipEntryNames(keeper.tail(), keeper.total) : undefined;
    if (names) auditFiles(res, names);
  };
  // A single WAV (the call had one recording) is let go as soon as its first bytes say so.
  const onData = (chunk: Buffer) => {
    keeper.push(chunk);
    if (!isZip()) body.off('data', onData).off('end', onEnd);
  };
  keeper.push(head);
  if (!isZip()) return;
  body.on('data', onData).once('end', onEnd);
}

/**
 * Asks the vendor for the file through `open` (a failure before the headers is thrown, for the
 * error handler), then streams it: resumed where the vendor cuts it, and cut where it cannot be.
 */
export async function sendDownload(
  res: Response,
  open: OpenFile,
  name: string,
  opts: DownloadOptions = {},
): Promise<void> {
  const signal = clientSignal(res);
  let file = await open(signal);
  if (opts.resume && res.req.method !== 'HEAD')
    file = resumable(file, open, { policy: opts.resume, signal, counts: resumeCounts(res) });
  if (opts.transform) file = await opts.transform(file);
  let range: ReturnType<typeof rangeOf>;
  try {
    range = res.req.method === 'HEAD' ? 'all' : rangeOf(res, file.contentLength);
    if (range !== 'all' && range.start > 0 && opts.skip) {
      // RFC 9110 14.2 lets a server ignore a Range: the whole file costs what it sends, a far range does not.
      if (range.start > opts.skip.maxBytes) range = 'all';
      else await opts.skip.charge(range.start);
    }
  } catch (err) {
    file.rest.destroy();
    throw err;
  }
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(downloadName(name, file.contentType), opts.disposition));
  res.setHeader('Cache-Control', 'no-store');
  if (file.contentLength !== undefined) res.setHeader('Accept-Ranges', 'bytes');
  if (range === 'all') {
    res.status(200);
    if (file.contentLength !== undefined) res.setHeader('Content-Length', String(file.contentLength));
  } else {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.contentLength}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  }
  if (res.req.method === 'HEAD') {
    // The headers are known from the vendor's headers and the first bytes: the rest is never fetched.
    file.rest.destroy();
    res.end();
    return;
  }
  if (range === 'all') {
    opts.watch?.(res, file.head, file.rest);
    if (file.head.length > 0) {
      countSent(res, file.head.length);
      res.write(file.head);
    }
    await stream(res, file.rest, file.rest);
  } else {
    await stream(res, Readable.from(window(file, range.start, range.end - range.start + 1)), file.rest);
  }
}

/** Contract 3.7: the vendor's answer as it came (its end-to-end headers, its body). */
export async function relayAnswer(res: Response, answer: NativeAnswer): Promise<void> {
  res.status(200);
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  // The vendor's answer may hold a playback token or a recording: no cache on the way keeps it.
  res.setHeader('Cache-Control', 'no-store');
  await stream(res, answer.body, answer.body);
}
