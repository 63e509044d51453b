/**
 * One bill zip into the embedded database: the simulator's own zip builder writes it, and every row
 * goes in once however often the file is read, whether here (ingestBillZip) or in the ingestion
 * thread the gateway uses (a connection of its own to the same file). The thread answers an abort
 * and outlives a file that fails; a thread that dies fails its files and the next one starts another.
 */
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { BillDesk, type BillJob, wallClock } from '../../simulators/ccfs/bills.js';
import { DEFAULT_PATH_RULES } from '../../src/config/schema.js';
import { createSqliteIndexDb } from '../../src/db/engines.js';
import type { IndexDb } from '../../src/db/port.js';
import { compileTenantPolicy } from '../../src/domain/tenant-policy.js';
import { ingestBillZip } from '../../src/index/ingest-file.js';
import { type IngestThread, ingestThread } from '../../src/index/ingest-thread.js';

const t0 = Date.UTC(2026, 10, 25);
const policy = compileTenantPolicy({ id: 'acme', vdnIds: [53], pathRules: DEFAULT_PATH_RULES, limits: {} as never });
const ctx = { tenant: policy, timeZone: 'Asia/Shanghai' };
const limits = { maxEntries: 10, maxEntryBytes: 2 ** 30, maxRatio: 1000 };
const worker = new URL('../../src/ingest-worker.js', import.meta.url);

async function billZip(dir: string, calls: number): Promise<string> {
  const desk = new BillDesk({
    now: Date.now,
    timeZone: 'Asia/Shanghai',
    callbackDelayMs: 0,
    callbackRetryMs: 0,
    callbackMaxAttempts: 0,
    zipReadyDelayMs: 0,
    dropCallback: () => true,
  });
  for (let i = 0; i < calls; i += 1)
    desk.addCall({
      callId: `1780000000-${String(i).padStart(7, '0')}`,
      vdnId: i % 10 === 0 ? 54 : 53,
      agentId: String(1000 + (i % 20)),
      callerNo: `86139${String(i).padStart(6, '0')}`,
      begin: wallClock(t0 + i * 1000, 'Asia/Shanghai'),
      end: wallClock(t0 + i * 1000 + 60_000, 'Asia/Shanghai'),
      recordings: [{ originalFileName: `Y:\\53\\0\\20261125\\1001\\${String(i).padStart(8, '0')}.V3` }],
    });
  const job = { ak: 'AK', accountId: undefined, beginTime: '0', endTime: '9', vdnIds: [53, 54] } as unknown as BillJob;
  const zip = join(dir, `bill-${calls}.zip`);
  await pipeline(desk.zip(job), createWriteStream(zip));
  return zip;
}

/** A zip of `calls` calls, the database migrated and an ingestion thread on it, all removed after. */
async function withIndex(
  calls: number,
  run: (z: { dir: string; zip: string; db: IndexDb; thread: IngestThread }) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'index-file-'));
  const zip = await billZip(dir, calls);
  const db = createSqliteIndexDb(dir);
  const thread = ingestThread(worker, { dataDir: dir });
  try {
    await db.migrate();
    await run({ dir, zip, db, thread });
  } finally {
    await thread.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('5,000 calls in one zip, here and in the ingestion thread: every row in once, the same file twice changes nothing', () =>
  withIndex(5000, async ({ zip, db, thread }) => {
    const first = await ingestBillZip(zip, { db, ctx, limits });
    assert.equal(first.rows, 10_000);
    // A tenth of the calls are on VDN 54, not acme's: stored hidden, never a call.
    assert.equal(first.hidden, 1000);
    const counts = await db.counts('acme');
    assert.deepEqual(counts, { calls: 4500, recordings: 5000, legs: 5000 });
    // The thread writes through its own connection; this one reads what it committed.
    const again = await thread.ingest(zip, ctx, limits);
    assert.deepEqual(again, first);
    assert.deepEqual(await db.counts('acme'), counts);
    const [newest] = await db.search({ tenant: 'acme', from: t0, to: t0 + 86_400_000, vdnIds: [53], limit: 1 });
    assert.equal(newest?.callId, '1780000000-0004999');
    assert.equal(newest?.begin, t0 + 4999 * 1000);
  }));

test('the ingestion thread: a file aborted stops at a batch, a bad file fails alone, a dead thread fails its file and is replaced', () =>
  withIndex(10_000, async ({ dir, zip, db, thread }) => {
    // Up before its first file, as the gateway starts it.
    await thread.start();
    const abort = new AbortController();
    const aborted = thread.ingest(zip, ctx, limits, abort.signal);
    // Aborted once the thread has committed its first batch: it stops at the next one.
    while ((await db.counts('acme')).legs === 0) await new Promise((r) => setImmediate(r));
    abort.abort(new Error('the job timed out'));
    await assert.rejects(aborted, /the job timed out/);
    const partial = await db.counts('acme');
    assert.ok(
      partial.legs > 0 && partial.recordings < 10_000,
      `${partial.legs} legs, ${partial.recordings} recordings before the abort`,
    );

    const bad = join(dir, 'not-a-zip.zip');
    writeFileSync(bad, 'PK not really');
    await assert.rejects(thread.ingest(bad, ctx, limits), /not a readable zip/);

    // The same thread goes on: the whole file, once.
    const whole = await thread.ingest(zip, ctx, limits);
    assert.equal(whole.rows, 20_000);
    assert.deepEqual(await db.counts('acme'), { calls: 9000, recordings: 10_000, legs: 10_000 });

    // A thread that ends fails the file it had; the next file starts another.
    const cut = thread.ingest(zip, ctx, limits);
    await thread.close();
    await assert.rejects(cut, /the ingestion thread exited/);
    assert.equal((await thread.ingest(zip, ctx, limits)).rows, 20_000);

    // A thread that cannot open its database fails the file, not the gateway.
    const broken = ingestThread(worker, { dataDir: join(bad, 'not-a-dir') });
    await assert.rejects(broken.start(), /the ingestion thread failed/);
    await assert.rejects(broken.ingest(zip, ctx, limits), /the ingestion thread failed/);
    await broken.close();
  }));
