/**
 * Bill files ingested in a thread of their own. A batch of rows is written to SQLite synchronously
 * (some 100 ms for 2,000 rows), and a million rows' garbage grew V8's young generation to 128 MiB
 * on a large host (docs/benchmarks.md). In a worker thread the gateway's event loop keeps serving
 * while a file is read, and the thread's heap has limits of its own. One thread, started with the
 * scheduler (or by the first file), serves every file of this instance, with a database connection
 * of its own (ingest-worker.ts); it holds the process open only while it has work.
 */
import { Worker } from 'node:worker_threads';
import type { RowContext } from './bill-rows.js';
import type { IngestResult } from './ingest-file.js';
import type { ZipLimits } from './zip-file.js';

export type IngestFile = (
  file: string,
  ctx: RowContext,
  limits: ZipLimits,
  signal?: AbortSignal,
) => Promise<IngestResult>;

export type ThreadRequest =
  | { id: number; file: string; ctx: RowContext; limits: ZipLimits }
  | { abort: number; reason: string };
export type ThreadReply = { ready: true } | { id: number; result: IngestResult } | { id: number; error: string };

export interface IngestThread {
  /** Starts the thread (once), resolved when its database is open: the gateway's idle includes it. */
  start(): Promise<void>;
  ingest: IngestFile;
  /** Stops the thread; files in flight fail. */
  close(): Promise<void>;
}

/**
 * The thread's heap. V8 sizes a young generation by the host's memory (128 MiB on a 24 GiB host);
 * 8 MiB holds a batch's rows until they die: as fast as 16 MiB on a quiet host, and some 5 MiB
 * smaller at the peak (docs/benchmarks.md). The old generation is capped well above the few MiB a file keeps alive,
 * so that a runaway fails the file (retried) rather than the gateway.
 */
const THREAD_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 };

export function ingestThread(entry: URL, workerData: unknown): IngestThread {
  type Waiting = { resolve: (r: IngestResult) => void; reject: (e: Error) => void };
  type Thread = { worker: Worker; waiting: Map<number, Waiting>; hold: () => void; ready: Promise<void> };
  let current: Thread | undefined;
  let nextId = 0;

  const start = (): Thread => {
    const worker = new Worker(entry, { workerData, resourceLimits: THREAD_HEAP });
    const waiting = new Map<number, Waiting>();
    // Referenced only while it has files: an idle thread never keeps the process alive.
    const hold = () => (waiting.size > 0 ? worker.ref() : worker.unref());
    hold();
    let opened: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      opened = { resolve, reject };
    });
    ready.catch(() => {});
    const state = { worker, waiting, hold, ready };
    worker.on('message', (m: ThreadReply) => {
      if ('ready' in m) return opened?.resolve();
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      hold();
      if ('result' in m) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    const fail = (err: Error) => {
      if (current === state) current = undefined;
      opened?.reject(err);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    };
    worker.on('error', (err) => fail(new Error(`the ingestion thread failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`the ingestion thread exited (code ${code})`)));
    return state;
  };

  const running = (): Thread => {
    current ??= start();
    return current;
  };

  return {
    start: () => running().ready,
    ingest(file, ctx, limits, signal) {
      signal?.throwIfAborted();
      const { worker, waiting, hold } = running();
      nextId += 1;
      const id = nextId;
      const answer = new Promise<IngestResult>((resolve, reject) => waiting.set(id, { resolve, reject }));
      // The thread answers an abort at its next batch: the file is never read after the job ends.
      const onAbort = () =>
        worker.postMessage({ abort: id, reason: String((signal?.reason as Error)?.message ?? 'aborted') });
      signal?.addEventListener('abort', onAbort, { once: true });
      hold();
      worker.postMessage({ id, file, ctx, limits } satisfies ThreadRequest);
      return answer.finally(() => signal?.removeEventListener('abort', onAbort));
    },
    async close() {
      const s = current;
      current = undefined;
      await s?.worker.terminate();
    },
  };
}
