/**
 * One bill zip into the index. Read twice from its file: once to check every entry (it inflates,
 * its CRC matches, and whether it is UTF-8) without keeping anything, then again to upsert its rows
 * in batches. So a corrupt or
 * hostile zip ingests nothing, and memory stays one batch whatever the zip's size.
 */
import type { IndexDb, LegRow, RecordingRow } from '../db/port.js';
import { CALL_COLUMNS, RECORD_COLUMNS } from '../protocol/cdr.js';
import { type RowContext, type Skip, toLeg, toRecording } from './bill-rows.js';
import { csvRecords, type Encoding } from './csv-records.js';
import { type BillEntry, readBillZip, type ZipLimits } from './zip-file.js';

/** Rows per upsert: one transaction each. */
const BATCH_ROWS = 2000;

export interface IngestResult {
  rows: number;
  /** Visible rows: inside the tenant's VDNs and rules. */
  visible: number;
  hidden: number;
  skipped: Partial<Record<Skip, number>>;
  entries: number;
}

const columnsOf = (e: BillEntry) => (e.kind === 'call' ? CALL_COLUMNS : RECORD_COLUMNS);

/** Reads an entry to its end (inflated, its CRC checked) and tells its encoding. */
async function checkEntry(e: BillEntry): Promise<Encoding> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let valid = true;
  for await (const chunk of await e.open()) {
    if (!valid) continue;
    try {
      utf8.decode(chunk as Buffer, { stream: true });
    } catch {
      valid = false;
    }
  }
  if (valid) {
    try {
      utf8.decode();
    } catch {
      valid = false;
    }
  }
  return valid ? 'utf-8' : 'gb18030';
}

export async function ingestBillZip(
  file: string,
  opts: {
    db: IndexDb;
    ctx: RowContext;
    limits: ZipLimits;
    signal?: AbortSignal;
  },
): Promise<IngestResult> {
  const { db, ctx } = opts;
  const zip = await readBillZip(file, opts.limits);
  const result: IngestResult = { rows: 0, visible: 0, hidden: 0, skipped: {}, entries: zip.entries.length };
  try {
    const encodings = new Map<BillEntry, Encoding>();
    for (const e of zip.entries) {
      opts.signal?.throwIfAborted();
      encodings.set(e, await checkEntry(e));
    }
    let legs: LegRow[] = [];
    let recordings: RecordingRow[] = [];
    const flush = async () => {
      if (legs.length === 0 && recordings.length === 0) return;
      await db.upsert(ctx.tenant.id, legs, recordings);
      legs = [];
      recordings = [];
    };
    for (const e of zip.entries) {
      for await (const f of csvRecords(await e.open(), encodings.get(e)!, columnsOf(e))) {
        const row = e.kind === 'call' ? toLeg(f, ctx) : toRecording(f, ctx);
        if (typeof row === 'string') {
          result.skipped[row] = (result.skipped[row] ?? 0) + 1;
          continue;
        }
        result.rows += 1;
        if (row.visible) result.visible += 1;
        else result.hidden += 1;
        if ('callIdNum' in row) legs.push(row);
        else recordings.push(row);
        if (legs.length + recordings.length >= BATCH_ROWS) {
          opts.signal?.throwIfAborted();
          await flush();
        }
      }
    }
    await flush();
    await db.optimize();
    return result;
  } finally {
    zip.close();
  }
}
