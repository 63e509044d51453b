/**
 * Resuming a download the vendor cut (issue 21). CC-FS and CC-Gateway serve no ranges, but a
 * recording does not change: when the vendor's stream fails after N bytes were handed on (a reset,
 * a stall past `idleTimeoutMs`, an early end against the announced length), the file is asked for
 * again, the new answer's first N bytes are read without being sent and checked against what was
 * handed on, and the stream goes on from N. The check is the announced length and an XXH3-64 of
 * the prefix, kept as the bytes pass; any difference ends the stream with an error, so a client
 * may see a cut, never a spliced file.
 */
import { Readable } from 'node:stream';
import { xxh3 } from '@node-rs/xxhash';
import type { DownloadRoute, ResumePolicy } from '../config/schema.js';
import type { ResumeCounts } from '../edge/scope.js';
import { ResumeMismatchError } from '../errors/catalogue.js';
import type { UpstreamFile } from '../upstream/ports.js';

/** Asks the vendor for the file (again): a fresh signature, or the agent session's current Guid. */
export type OpenFile = (signal: AbortSignal) => Promise<UpstreamFile>;

export interface ResumeOptions {
  policy: ResumePolicy;
  /** The client's: once it fires nothing is asked again. */
  signal: AbortSignal;
  counts: ResumeCounts;
}

export type { DownloadRoute, ResumePolicy };

type Hash = ReturnType<typeof xxh3.Xxh3.withSeed>;

/**
 * `first`, with a body that resumes itself through `open` when the vendor cuts it. The head and
 * the announced length stay the first answer's: a resumed body must match them.
 */
export function resumable(first: UpstreamFile, open: OpenFile, opts: ResumeOptions): UpstreamFile {
  const { policy } = opts;
  if (!policy.enabled || policy.maxAttempts === 0) return first;
  return { ...first, rest: new ResumingBody(first, open, opts) };
}

/**
 * The vendor's body, passed on chunk by chunk as events (no promise per chunk: this is every
 * download's hot path), with backpressure by pausing the source. On a cut it swaps the source for
 * a new answer, whose first bytes it reads and checks before it passes anything more on.
 */
class ResumingBody extends Readable {
  private source: Readable;
  /** Bytes handed on (the first answer's head included), and their checksum while a resume can still be had. */
  private offset: number;
  private hashing: boolean;
  private readonly handedOn: Hash = xxh3.Xxh3.withSeed(0n);
  /** While a new answer's prefix is read again: how much, and its checksum so far. */
  private verifying: { read: number; check: Hash } | undefined;

  constructor(
    private readonly first: UpstreamFile,
    private readonly open: OpenFile,
    private readonly opts: ResumeOptions,
  ) {
    super();
    this.offset = first.head.length;
    // Hashing stops once no resume could be had (past maxBytes), so a large file pays for its prefix only.
    this.hashing = this.offset <= opts.policy.maxBytes;
    if (this.hashing) this.handedOn.update(first.head);
    this.source = first.rest;
    this.listen(first.rest);
  }

  override _read(): void {
    this.source.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.release();
    cb(err);
  }

  private readonly onData = (data: Buffer) => {
    const chunk = this.verifying ? this.verify(data) : data;
    if (chunk) this.handOn(chunk);
  };

  private readonly onEnd = () => {
    if (this.verifying) {
      const { read } = this.verifying;
      return this.mismatch(`the new answer ended at byte ${read}, before the ${this.offset} already sent`);
    }
    const length = this.first.contentLength;
    if (length === undefined || this.offset >= length) this.push(null);
    else this.cut(new Error(`the vendor ended the body at byte ${this.offset} of ${length}`));
  };

  private readonly onError = (err: Error) => this.cut(err);

  private readonly onClose = () => {
    if (!this.source.readableEnded) this.cut(this.source.errored ?? new Error('the vendor stream closed early'));
  };

  private listen(source: Readable): void {
    this.source = source;
    source.on('data', this.onData);
    source.once('end', this.onEnd);
    source.once('error', this.onError);
    source.once('close', this.onClose);
    // A small answer may have ended while its head was read: its 'end' is gone, not coming.
    const late = source.readableEnded ? this.onEnd : source.destroyed ? this.onClose : undefined;
    if (late) process.nextTick(() => this.source === source && late());
  }

  /** Leaves the current source and tears it down: whatever it still says is not the client's business. */
  private release(): void {
    const source = this.source;
    source.off('data', this.onData);
    source.off('end', this.onEnd);
    source.off('error', this.onError);
    source.off('close', this.onClose);
    source.on('error', () => undefined);
    source.destroy();
  }

  private handOn(chunk: Buffer): void {
    if (this.hashing && this.offset + chunk.length > this.opts.policy.maxBytes) this.hashing = false;
    if (this.hashing) this.handedOn.update(chunk);
    this.offset += chunk.length;
    if (!this.push(chunk)) this.source.pause();
  }

  /** The vendor's stream failed: resume, or pass the failure on (the client's connection is cut). */
  private cut(err: unknown): void {
    this.release();
    if (this.verifying) {
      this.verifying = undefined;
      this.opts.counts.failed += 1;
    }
    this.retry(err);
  }

  private retry(err: unknown): void {
    const { policy, signal, counts } = this.opts;
    if (this.destroyed) return;
    if (signal.aborted || !this.hashing || counts.attempts >= policy.maxAttempts) {
      this.destroy(err as Error);
      return;
    }
    counts.attempts += 1;
    this.open(signal).then(
      (next) => this.resumeFrom(next),
      (failure: unknown) => {
        if (!signal.aborted) counts.failed += 1;
        this.retry(failure);
      },
    );
  }

  private resumeFrom(next: UpstreamFile): void {
    this.source = next.rest;
    if (this.destroyed) return this.release();
    if (next.contentLength !== this.first.contentLength) {
      const was = this.first.contentLength ?? 'none';
      return this.mismatch(`the length changed from ${was} to ${next.contentLength ?? 'none'}`);
    }
    this.verifying = { read: 0, check: xxh3.Xxh3.withSeed(0n) };
    const after = this.verify(next.head);
    if (this.destroyed) return;
    this.listen(next.rest);
    if (after) this.handOn(after);
  }

  /** Takes a chunk of the prefix being read again; returns what lies beyond the prefix, once it matched. */
  private verify(chunk: Buffer): Buffer | undefined {
    const v = this.verifying!;
    const n = Math.min(this.offset - v.read, chunk.length);
    v.check.update(n === chunk.length ? chunk : chunk.subarray(0, n));
    v.read += n;
    if (v.read < this.offset) return undefined;
    this.verifying = undefined;
    if (v.check.digest() !== this.handedOn.digest()) {
      this.mismatch(`the first ${this.offset} bytes differ`);
      return undefined;
    }
    this.opts.counts.resumed += 1;
    return n < chunk.length ? chunk.subarray(n) : undefined;
  }

  private mismatch(detail: string): void {
    this.verifying = undefined;
    this.opts.counts.mismatched += 1;
    this.destroy(new ResumeMismatchError(detail));
  }
}
