/**
 * One bill zip into the embedded database through ingestBillZip: the simulator's own zip builder
 * writes it, every row goes in once however often the file is read, and the young generation is
 * collected after each batch when a collector is given (the gateway's, from main.ts).
 */
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { BillDesk, type BillJob, wallClock } from '../../simulators/ccfs/bills.js';
import { DEFAULT_PATH_RULES } from '../../src/config/schema.js';
import { createSqliteIndexDb } from '../../src/db/engines.js';
import { compileTenantPolicy } from '../../src/domain/tenant-policy.js';
import { ingestBillZip } from '../../src/index/ingest-file.js';

test('5,000 calls in one zip: every row in once, a collection after each batch, the same file twice changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'index-file-'));
  const desk = new BillDesk({
    now: Date.now,
    timeZone: 'Asia/Shanghai',
    callbackDelayMs: 0,
    callbackRetryMs: 0,
    callbackMaxAttempts: 0,
    zipReadyDelayMs: 0,
    dropCallback: () => true,
  });
  const t0 = Date.UTC(2026, 10, 25);
  for (let i = 0; i < 5000; i += 1)
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
  const zip = join(dir, 'bill.zip');
  await pipeline(desk.zip(job), createWriteStream(zip));
  const db = createSqliteIndexDb(dir);
  try {
    await db.migrate();
    const policy = compileTenantPolicy({
      id: 'acme',
      vdnIds: [53],
      pathRules: DEFAULT_PATH_RULES,
      limits: {} as never,
    });
    let collections = 0;
    const opts = {
      db,
      ctx: { tenant: policy, timeZone: 'Asia/Shanghai' },
      limits: { maxEntries: 10, maxEntryBytes: 2 ** 30, maxRatio: 1000 },
      collectYoung: () => {
        collections += 1;
      },
    };
    const first = await ingestBillZip(zip, opts);
    assert.equal(first.rows, 10_000);
    // A tenth of the calls are on VDN 54, not acme's: stored hidden, never a call.
    assert.equal(first.hidden, 1000);
    assert.ok(collections >= 5, `${collections} collections for 10,000 rows in batches of 2,000`);
    const counts = await db.counts('acme');
    assert.deepEqual(counts, { calls: 4500, recordings: 5000, legs: 5000 });
    await ingestBillZip(zip, opts);
    assert.deepEqual(await db.counts('acme'), counts);
    const [newest] = await db.search({ tenant: 'acme', from: t0, to: t0 + 86_400_000, vdnIds: [53], limit: 1 });
    assert.equal(newest?.callId, '1780000000-0004999');
    assert.equal(newest?.begin, t0 + 4999 * 1000);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
