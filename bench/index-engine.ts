/**
 * One engine of the index benchmark, in a process of its own (so its memory is its own): opens the
 * database, ingests the zip as the gateway does (in the ingestion thread; PGlite here), then times five typical
 * searches through the port at one connection, and (SQLite, PostgreSQL) through a gateway over
 * HTTP at 1 and 16 connections. Prints one JSON line.
 *   tsx bench/index-engine.ts <sqlite|pglite|postgres> <zip> <dir> [postgres-url]
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely';
import { Pool } from 'undici';
import { ALL_SCOPES, mintToken } from '../demo/mint.js';
import { parseConfig } from '../src/config/load.js';
import { DEFAULT_PATH_RULES } from '../src/config/schema.js';
import { createIndexDbOn, createPostgresIndexDb, createSqliteIndexDb } from '../src/db/engines.js';
import type { CallFilter, IndexDb } from '../src/db/port.js';
import { compileTenantPolicy } from '../src/domain/tenant-policy.js';
import { createGateway } from '../src/gateway.js';
import { ingestBillZip } from '../src/index/ingest-file.js';
import { ingestThread } from '../src/index/ingest-thread.js';
import { captureLogger } from '../test/helpers/logs.js';
import { baseConfig } from '../test/helpers/stack.js';

const [engine, zip, dir, pgUrl] = process.argv.slice(2) as [string, string, string, string | undefined];
const ZONE = 'Asia/Shanghai';
const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
const rss = () => process.memoryUsage.rss();
const DAY = 86_400_000;

function dirSize(d: string): number {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true }))
    n += e.isDirectory() ? dirSize(join(d, e.name)) : statSync(join(d, e.name)).size;
  return n;
}

async function open(): Promise<{ db: IndexDb; size: () => Promise<number> }> {
  if (engine === 'sqlite') return { db: createSqliteIndexDb(dir), size: async () => dirSize(dir) };
  if (engine === 'pglite') {
    const pglite = new PGlite(join(dir, 'pglite'));
    return { db: createIndexDbOn(new PGliteDialect({ pglite }), 'postgres'), size: async () => dirSize(dir) };
  }
  const db = createPostgresIndexDb({ url: pgUrl!, poolSize: 16, statementTimeoutMs: 60_000 });
  const { default: pg } = await import('pg');
  return {
    db,
    size: async () => {
      const c = new pg.Client(pgUrl);
      await c.connect();
      const r = await c.query('select pg_database_size(current_database()) as n');
      await c.end();
      return Number(r.rows[0].n);
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

const t0 = performance.now();
const idle = rss();
const { db, size } = await open();
await db.migrate();
const startMs = performance.now() - t0;
const idleOpen = rss();
let peak = idleOpen;
let peakMemory = process.memoryUsage();
const sampler = setInterval(() => {
  const now = rss();
  if (now > peak) {
    peak = now;
    peakMemory = process.memoryUsage();
  }
}, 20);
const policy = compileTenantPolicy({
  id: 'acme',
  vdnIds: [53],
  pathRules: DEFAULT_PATH_RULES,
  limits: {} as never,
});
const ctx = { tenant: policy, timeZone: ZONE };
const limits = { maxEntries: 100, maxEntryBytes: 16 * 2 ** 30, maxRatio: 1000 };
// As the gateway runs it: in the ingestion thread, with the connection and heap gateway.ts gives it
// (PGlite, only measured for the embedded choice, cannot be opened twice: read here).
const thread =
  engine === 'pglite'
    ? undefined
    : ingestThread(
        new URL('../src/ingest-worker.js', import.meta.url),
        engine === 'sqlite' ? { dataDir: dir } : { url: pgUrl!, statementTimeoutMs: 60_000 },
      );
// Up before the file, as the gateway starts it with its scheduler: idle includes the thread.
await thread?.start();
const threadIdle = rss();
peak = threadIdle;
// How long the event loop, which serves every request, waits while a file is read.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const ingestStart = performance.now();
const result = thread ? await thread.ingest(zip, ctx, limits) : await ingestBillZip(zip, { db, ctx, limits });
const ingestSec = (performance.now() - ingestStart) / 1000;
loop.disable();
clearInterval(sampler);
peak = Math.max(peak, rss());
const afterIngest = rss();
const bytes = await size();

// The calls span the 31 days before END (bench/index.ts writes them so).
const END = Number(process.env.BENCH_INDEX_END);
const base = { tenant: 'acme', vdnIds: [53], limit: 50 };
const day = { from: END - 11 * DAY, to: END - 10 * DAY };
const queries: Record<string, () => CallFilter> = {
  'a day of the tenant': () => ({ ...base, ...day }),
  'by number over 31 days': () => ({
    ...base,
    from: END - 31 * DAY,
    to: END,
    numberDigits: `86139${String(Math.floor(Math.random() * 100_000)).padStart(6, '0')}`,
  }),
  'by agent over a week': () => ({
    ...base,
    from: END - 14 * DAY,
    to: END - 7 * DAY,
    agentId: String(1000 + Math.floor(Math.random() * 200)),
  }),
  'by callId': () => ({
    ...base,
    from: END - 31 * DAY,
    to: END,
    callId: `1780000000-${String(Math.floor((Math.random() * result.rows) / 2)).padStart(7, '0')}`,
  }),
};
// The tenth page of a day: the cursor after nine pages.
let after: CallFilter['after'];
for (let i = 0; i < 9; i += 1) {
  const page = await db.search({ ...base, ...day, ...(after ? { after } : {}) });
  const last = page.at(-1)!;
  after = { begin: last.begin, callId: last.callId };
}
queries['the tenth page of a day'] = () => ({ ...base, ...day, after });

const direct: Record<string, { p50: number; p99: number; rows: number }> = {};
for (const [name, q] of Object.entries(queries)) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < 300; i += 1) {
    const a = performance.now();
    rows = (await db.search(q())).length;
    times.push(performance.now() - a);
  }
  direct[name] = { p50: pct(times, 50), p99: pct(times, 99), rows };
}
const afterSearches = rss();
await thread?.close();
await db.close();

// Through the gateway, over HTTP: what an app sees.
let http: Record<string, Record<string, { p50: number; p99: number }>> | undefined;
if (engine !== 'pglite') {
  const raw = baseConfig('http://127.0.0.1:9');
  raw.logging = { level: 'warn' };
  raw.index = {
    callbackBaseUrl: 'http://127.0.0.1:9',
    dataDir: dir,
    ...(pgUrl ? { database: { url: pgUrl, poolSize: 16 } } : {}),
  };
  const acme = raw.tenants[0];
  acme.timeZone = ZONE;
  acme.index = { enabled: true };
  const gw = createGateway(parseConfig(raw), { logger: captureLogger().logger, ingestion: 'manual' });
  const url = await gw.listen(0, '127.0.0.1');
  const token = mintToken({
    secret: raw.auth.issuers[0].secret,
    issuer: raw.auth.issuers[0].issuer,
    audience: 'cc-file-gateway',
    tenant: 'acme',
    scopes: ALL_SCOPES,
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const toQuery = (f: CallFilter) =>
    new URLSearchParams({
      from: iso(f.from),
      to: iso(f.to),
      limit: '50',
      ...(f.numberDigits ? { number: f.numberDigits } : {}),
      ...(f.agentId ? { agentId: f.agentId } : {}),
      ...(f.callId ? { callId: f.callId } : {}),
    }).toString();
  // The tenth page: its cursor, as the gateway seals it.
  let cursor = '';
  for (let i = 0; i < 9; i += 1) {
    const res = await fetch(
      `${url}/v1/calls?${toQuery(queries['a day of the tenant']!())}${cursor ? `&cursor=${cursor}` : ''}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    cursor = encodeURIComponent(((await res.json()) as { next: string }).next);
  }
  const pool = new Pool(url, { connections: 16 });
  http = {};
  for (const c of [1, 16]) {
    for (const [name, q] of Object.entries(queries)) {
      const times: number[] = [];
      const per = c === 1 ? 300 : 40;
      await Promise.all(
        Array.from({ length: c }, async () => {
          for (let i = 0; i < per; i += 1) {
            const path =
              name === 'the tenth page of a day'
                ? `/v1/calls?${toQuery(queries['a day of the tenant']!())}&cursor=${cursor}`
                : `/v1/calls?${toQuery(q())}`;
            const a = performance.now();
            const res = await pool.request({ method: 'GET', path, headers: { authorization: `Bearer ${token}` } });
            await res.body.text();
            if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode}`);
            times.push(performance.now() - a);
          }
        }),
      );
      http[name] = { ...http[name], [`c${c}`]: { p50: pct(times, 50), p99: pct(times, 99) } };
    }
  }
  await pool.close();
  await gw.close(100);
}

process.stdout.write(
  `${JSON.stringify({
    engine,
    startMs: Math.round(startMs),
    rssIdleMiB: mib(idle),
    rssOpenMiB: mib(idleOpen),
    rssPeakIngestMiB: mib(peak),
    rssThreadIdleMiB: mib(threadIdle),
    rssAfterIngestMiB: mib(afterIngest),
    loopDelayMs: {
      p50: Math.round(loop.percentile(50) / 1e5) / 10,
      p99: Math.round(loop.percentile(99) / 1e5) / 10,
      max: Math.round(loop.max / 1e5) / 10,
    },
    rssAfterSearchesMiB: mib(afterSearches),
    atPeak: {
      heapUsedMiB: mib(peakMemory.heapUsed),
      heapTotalMiB: mib(peakMemory.heapTotal),
      externalMiB: mib(peakMemory.external),
    },
    rows: result.rows,
    ingestSec: Math.round(ingestSec * 10) / 10,
    rowsPerSec: Math.round(result.rows / ingestSec),
    dbMiB: mib(bytes),
    direct,
    http,
  })}\n`,
);
process.exit(0);
