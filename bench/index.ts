/**
 * `npm run bench:index`: the call index at scale. The CC-FS simulator's own zip builder writes a
 * bill zip of BENCH_INDEX_ROWS recording rows (default 1,000,000) and as many CDR rows, over 31
 * days; then each engine, in a process of its own (bench/index-engine.ts), ingests it and answers
 * five typical searches: SQLite (node:sqlite, the embedded default), PGlite (the alternative
 * measured for the embedded choice) and a real PostgreSQL. SQLite and PostgreSQL ingest in the
 * ingestion thread, as the gateway does.
 */

import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { BillDesk, type SimCall, wallClock } from '../simulators/ccfs/bills.js';
import { startPostgres } from '../test/helpers/postgres.js';

const ROWS = Number(process.env.BENCH_INDEX_ROWS ?? 1_000_000);
const ENGINES = (process.env.BENCH_INDEX_ENGINES ?? 'sqlite,pglite,postgres').split(',');
const ZONE = 'Asia/Shanghai';
const DAY = 86_400_000;
// A fixed end, so that the zip can be kept between runs.
const END = Date.UTC(2026, 10, 30, 16, 0, 0);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function* calls(): Generator<SimCall> {
  const span = 31 * DAY;
  for (let i = 0; i < ROWS; i += 1) {
    const begin = END - span + Math.floor((i / ROWS) * span);
    const agent = String(1000 + ((i * 7919) % 200));
    const at = new Date(begin);
    yield {
      callId: `1780000000-${pad(i, 7)}`,
      vdnId: 53,
      agentId: agent,
      callerNo: `86139${pad((i * 104_729) % 100_000, 6)}`,
      calleeNo: '4008001234',
      begin: wallClock(begin, ZONE),
      end: wallClock(begin + 120_000 + (i % 300) * 1000, ZONE),
      recordings: [
        {
          originalFileName: `Y:\\53\\0\\${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1, 2)}${pad(at.getUTCDate(), 2)}\\${agent}\\${pad(i, 8)}.V3`,
        },
      ],
    };
  }
}

async function writeZip(file: string): Promise<void> {
  const desk = new BillDesk({
    now: () => END,
    timeZone: ZONE,
    callbackDelayMs: 0,
    callbackRetryMs: 0,
    callbackMaxAttempts: 0,
    zipReadyDelayMs: 0,
    dropCallback: () => true,
  });
  desk.addSource(() => calls());
  const job = {
    responseId: '',
    billFileName: '',
    ak: 'AK-BENCH',
    sk: '',
    vdnIds: [53],
    accountId: undefined,
    beginTime: '0000',
    endTime: '9999',
    callBackURL: '',
    readyAt: 0,
    callbacks: [],
    answered: false,
  };
  await pipeline(desk.zip(job), createWriteStream(file));
}

const zip = join(tmpdir(), `cc-bench-index-${ROWS}.zip`);
if (!existsSync(zip)) {
  const t = performance.now();
  await writeZip(`${zip}.part`);
  await promisify(execFile)('mv', [`${zip}.part`, zip]);
  process.stderr.write(`wrote ${zip} in ${Math.round((performance.now() - t) / 1000)} s\n`);
}
const zipMiB = Math.round((statSync(zip).size / 1048576) * 10) / 10;

type Result = {
  engine: string;
  startMs: number;
  rssIdleMiB: number;
  rssOpenMiB: number;
  rssPeakIngestMiB: number;
  rssThreadIdleMiB: number;
  rssAfterIngestMiB: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  rssAfterSearchesMiB: number;
  rows: number;
  ingestSec: number;
  rowsPerSec: number;
  dbMiB: number;
  direct: Record<string, { p50: number; p99: number; rows: number }>;
  http?: Record<string, Record<string, { p50: number; p99: number }>>;
};

const results: Result[] = [];
const pg = ENGINES.includes('postgres') ? await startPostgres() : undefined;
try {
  for (const engine of ENGINES) {
    const dir = mkdtempSync(join(tmpdir(), `cc-bench-index-${engine}-`));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/index-engine.ts', engine, zip, dir, ...(engine === 'postgres' ? [pg!.url] : [])],
      { env: { ...process.env, BENCH_INDEX_END: String(END) }, maxBuffer: 16 * 1024 * 1024 },
    );
    results.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Result);
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`${engine} done\n`);
  }
} finally {
  await pg?.close();
}

const out: string[] = [
  `The call index: ${ROWS.toLocaleString('en')} recording rows and as many CDR rows (${(2 * ROWS).toLocaleString('en')} rows), one zip of ${zipMiB} MiB`,
  '',
  'RSS in MiB: the database open; with the ingestion thread up (idle, as a gateway between files); the peak while ingesting (above idle); after ingesting; after the searches.',
  '',
  '| engine | start (open + migrate) | RSS open / idle / peak (+ above idle) / after ingesting / after searches | ingest | rows/s | event loop delay while ingesting p50 / p99 / max | database |',
  '|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.engine} | ${r.startMs} ms | ${r.rssOpenMiB} / ${r.rssThreadIdleMiB} / ${r.rssPeakIngestMiB} (+${Math.round((r.rssPeakIngestMiB - r.rssThreadIdleMiB) * 10) / 10}) / ${r.rssAfterIngestMiB} / ${r.rssAfterSearchesMiB} | ${r.ingestSec} s | ${r.rowsPerSec.toLocaleString('en')} | ${r.loopDelayMs.p50} / ${r.loopDelayMs.p99} / ${r.loopDelayMs.max} ms | ${r.dbMiB} MiB |`,
  ),
  '',
  'Search through the port (one caller), p50 / p99 ms:',
  '',
  `| query | ${results.map((r) => r.engine).join(' | ')} |`,
  `|---|${results.map(() => '---').join('|')}|`,
  ...Object.keys(results[0]?.direct ?? {}).map(
    (q) =>
      `| ${q} | ${results.map((r) => `${r.direct[q]!.p50} / ${r.direct[q]!.p99} (${r.direct[q]!.rows} rows)`).join(' | ')} |`,
  ),
  '',
  'Search through the gateway over HTTP (GET /v1/calls, limit 50), p50 / p99 ms at 1 and 16 connections:',
  '',
  `| query | ${results
    .filter((r) => r.http)
    .map((r) => `${r.engine} c=1 | ${r.engine} c=16`)
    .join(' | ')} |`,
  `|---|${results
    .filter((r) => r.http)
    .map(() => '---|---')
    .join('|')}|`,
  ...Object.keys(results.find((r) => r.http)?.http ?? {}).map(
    (q) =>
      `| ${q} | ${results
        .filter((r) => r.http)
        .map(
          (r) => `${r.http![q]!.c1!.p50} / ${r.http![q]!.c1!.p99} | ${r.http![q]!.c16!.p50} / ${r.http![q]!.c16!.p99}`,
        )
        .join(' | ')} |`,
  ),
];
process.stdout.write(`${out.join('\n')}\n`);
