/**
 * Fault injection shared by both simulators. A fault is queued, matched by operation, and
 * consumed by the requests it applies to, so a test says exactly which call misbehaves.
 */
import type { ServerResponse } from 'node:http';
import { type Readable, Transform, type TransformCallback } from 'node:stream';

export interface FaultSpec {
  /** Operation name to match (e.g. `downloadRecord`, `recordfile`); any when absent. */
  operation?: string;
  /** Only requests whose body holds this text (one download's own `ccId`, say). */
  bodyIncludes?: string;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** Chance (0..1) that a matching request is affected; default 1. */
  probability?: number;
  /** Wait this long before answering. */
  latencyMs?: number;
  /** Answer with this HTTP status and a short HTML body (a load balancer's error page). */
  status?: number;
  /** Answer 200 with a body the vendor would never send (truncated JSON). */
  malformed?: boolean;
  /** Send the headers (with the full Content-Length) and this many body bytes, then reset the socket. */
  resetAfterBytes?: number;
  /** Send this many body bytes, then go silent with the socket open. */
  stallAfterBytes?: number;
  /** Serve the file with the byte at this body offset changed (a file replaced, a zip built again). */
  corruptByteAt?: number;
  /** Answer with this vendor result code instead of the real outcome. */
  resultCode?: string;
}

export class FaultInjector {
  private queue: Array<FaultSpec & { left: number }> = [];
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  add(spec: FaultSpec): void {
    // Spent faults go, so that a run of thousands of one-shot faults does not scan them all.
    this.queue = this.queue.filter((f) => f.left > 0);
    this.queue.push({ ...spec, left: spec.times ?? 1 });
  }

  clear(): void {
    this.queue = [];
  }

  /**
   * The fault that applies to this request, if any; consumes one use of it. A fault that loses
   * its draw lets the next one try, so several chance faults mix (a soak test's chaos).
   */
  take(operation: string, body = ''): FaultSpec | undefined {
    for (const f of this.queue) {
      if (f.left <= 0 || (f.operation !== undefined && f.operation !== operation)) continue;
      if (f.bodyIncludes !== undefined && !body.includes(f.bodyIncludes)) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.left -= 1;
      return f;
    }
    return undefined;
  }
}

/** An injected delay; it never keeps a process alive by itself once the simulator is closed. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Passes bytes through until a budget is spent, then cuts the connection or goes silent. */
function byteBudget(res: ServerResponse, fault: FaultSpec | undefined): Transform | undefined {
  const limit = fault?.resetAfterBytes ?? fault?.stallAfterBytes;
  if (limit === undefined) return undefined;
  let sent = 0;
  let tripped = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (tripped) return cb();
      const room = limit - sent;
      if (chunk.length < room) {
        sent += chunk.length;
        return cb(null, chunk);
      }
      tripped = true;
      this.push(chunk.subarray(0, room));
      sent = limit;
      if (fault?.resetAfterBytes !== undefined) {
        // Let the partial bytes reach the socket, then reset it mid-body.
        setTimeout(() => res.socket?.resetAndDestroy?.() ?? res.socket?.destroy(), 20);
      }
      cb();
    },
    flush(cb) {
      // A stalled or reset body never ends cleanly.
      if (!tripped) cb();
    },
  });
}

/** Flips the bits of the byte at `offset` as it passes. */
function corruptAt(offset: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      const at = offset - seen;
      seen += chunk.length;
      if (at < 0 || at >= chunk.length) return cb(null, chunk);
      const copy = Buffer.from(chunk);
      copy[at] = copy[at]! ^ 0xff;
      cb(null, copy);
    },
  });
}

/** Pipes a body through the fault's byte budget and corruption, if it has them. */
export function sendBody(res: ServerResponse, body: Readable, fault: FaultSpec | undefined): void {
  const budget = byteBudget(res, fault);
  body.on('error', () => res.destroy());
  let out: Readable = body;
  if (fault?.corruptByteAt !== undefined) out = out.pipe(corruptAt(fault.corruptByteAt));
  if (budget) out = out.pipe(budget);
  out.pipe(res);
  res.on('close', () => {
    if (!res.writableFinished) body.destroy();
  });
}
