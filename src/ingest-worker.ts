/**
 * The ingestion thread's composition root (index/ingest-thread.ts starts it): a connection of its
 * own to the index database, and the bill files the gateway hands it, each read batch by batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPostgresIndexDb, createSqliteIndexDb } from './db/engines.js';
import { ingestBillZip } from './index/ingest-file.js';
import type { ThreadReply, ThreadRequest } from './index/ingest-thread.js';

/** Which database the thread writes to: the gateway's own, opened again. */
export type IngestDatabase = { dataDir: string } | { url: string; statementTimeoutMs: number };

/**
 * The SQLite page cache of the thread's connection: an eighth of the searches' 32 MiB, since
 * reading a file counts against the gateway's memory; 4 and 8 MiB wrote at the same rate
 * (the database's pages stay in the OS cache; docs/benchmarks.md).
 */
const CACHE_MIB = 4;

const database = workerData as IngestDatabase;
const db =
  'url' in database
    ? createPostgresIndexDb({ url: database.url, poolSize: 1, statementTimeoutMs: database.statementTimeoutMs })
    : createSqliteIndexDb(database.dataDir, { cacheMiB: CACHE_MIB });
const running = new Map<number, AbortController>();
const port = parentPort!;
const reply = (r: ThreadReply) => port.postMessage(r);
reply({ ready: true });

port.on('message', (m: ThreadRequest) => {
  if ('abort' in m) {
    running.get(m.abort)?.abort(new Error(m.reason));
    return;
  }
  const controller = new AbortController();
  running.set(m.id, controller);
  ingestBillZip(m.file, { db, ctx: m.ctx, limits: m.limits, signal: controller.signal })
    .then(
      (result) => reply({ id: m.id, result }),
      (err: unknown) => reply({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
    )
    .finally(() => running.delete(m.id));
});
