/**
 * Ingestion (contract 6.1): per tenant with the index on, one job at a time across every
 * instance. The instance holding the tenant's lease (in the index database) asks `queryBillData`
 * for the next window; the callback may land on any instance, which then downloads the zip; a
 * callback that never comes is replaced by the predicted file name. Every step is a conditional
 * move of the job's row, so two instances never do the same step twice.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { IndexDb, Job, JobState } from '../db/port.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import { toDay, toWallClock } from '../domain/wall-clock.js';
import { isGatewayError } from '../errors/catalogue.js';
import type { Metrics } from '../ops/metrics.js';
import { BILL_FILE_NAME, BILL_FILE_NAME_MAX, BILL_WINDOW_MAX_MS } from '../protocol/cdr.js';
import type { BillFiles, ReceivedRequest } from '../upstream/ports.js';
import { ingestBillZip } from './ingest-file.js';
import type { IngestFile } from './ingest-thread.js';
import type { ZipLimits } from './zip-file.js';

export interface IndexTenant {
  policy: TenantPolicy;
  timeZone: string;
  accountId: string | undefined;
  maskNumbers: boolean;
  sendDataType: boolean;
}

export interface IngestionSettings {
  callbackBaseUrl: string;
  callbackSignature: 'enforce' | 'log-only' | 'off';
  intervalSec: number;
  overlapSec: number;
  firstWindowHours: number;
  callbackTimeoutSec: number;
  jobTimeoutSec: number;
  retentionDays: number;
  maxBackfillDays: number;
  leaseSec: number;
  retryBaseSec: number;
  zip: ZipLimits & { maxBytes: number };
}

export interface IngestionDeps {
  db: IndexDb;
  bills: BillFiles;
  tenants: ReadonlyMap<string, IndexTenant>;
  settings: IngestionSettings;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  /** Where zips wait while they are read. */
  workDir: string;
  /** Reads a fetched zip into the index: in the ingestion thread (ingest-thread.ts), or here by default. */
  ingestFile?: IngestFile;
}

export interface CallbackAnswer {
  status: 200 | 400 | 404;
  /** Why, for the log and the problem detail; never a token. */
  reason: string;
}

export interface IndexStatus {
  enabled: boolean;
  engine: string;
  newestWindowEnd: number | null;
  lagSec: number | null;
  rows: { calls: number; recordings: number; legs: number };
  jobs: Array<Pick<Job, 'id' | 'kind' | 'from' | 'to' | 'state' | 'attempts' | 'lastError'>>;
  pausedUntil: number | null;
  lastError: { code: string; at: number } | null;
}

export interface Ingestion {
  /** Starts the scheduler. */
  start(): void;
  /** Runs one round for every tenant now (the scheduler's tick; tests and the demo call it). */
  tick(): Promise<void>;
  callback(jobId: string, token: string, req: ReceivedRequest): Promise<CallbackAnswer>;
  backfill(tenantId: string, from: number, to: number): Promise<{ id: string; windows: number }>;
  status(tenantId: string): Promise<IndexStatus>;
  /** Waits for the downloads this instance started. */
  close(): Promise<void>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hexId = (responseId: string) => responseId.replace(/-/g, '').toLowerCase();
/** A step that failed this many times fails the job: its window comes again with the next one. */
const MAX_ATTEMPTS = 8;
const OPEN: readonly JobState[] = ['requested', 'ready', 'downloading'];

/** Vendor windows of at most 72 h covering [from, to). */
export function splitWindows(from: number, to: number, max = BILL_WINDOW_MAX_MS): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = from; a < to; a += max) out.push([a, Math.min(to, a + max)]);
  return out;
}

/**
 * The names to try when no callback came (cdr-index 1): the date part is the day queryBillData was
 * called, in a zone the vendor does not state: the tenant's, UTC+8 (the vendor's), then UTC.
 */
export function predictedNames(responseId: string, requestedAt: number, timeZone: string): string[] {
  const days = [toDay(requestedAt, timeZone), toDay(requestedAt, 'Asia/Shanghai'), toDay(requestedAt, 'UTC')];
  return [...new Set(days)].map((d) => `${d}_${hexId(responseId)}.zip`);
}

export function createIngestion(deps: IngestionDeps): Ingestion {
  const { db, bills, settings, logger, metrics, now } = deps;
  const ingestFile: IngestFile =
    deps.ingestFile ??
    ((file, ctx, limits, signal) => ingestBillZip(file, { db, ctx, limits, ...(signal ? { signal } : {}) }));
  const holder = `${process.pid}-${randomUUID()}`;
  const leaseMs = settings.leaseSec * 1000;
  const intervalMs = settings.intervalSec * 1000;
  /** Each tenant's rounds, one after another: the scheduler's and any asked for (tick) never overlap. */
  const rounds = new Map<string, Promise<void>>();
  const downloads = new Set<Promise<void>>();
  const pruned = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const backoff = (attempts: number) =>
    Math.min(intervalMs, settings.retryBaseSec * 1000 * 2 ** Math.max(0, attempts - 1));

  function vendorCode(err: unknown): string | undefined {
    return isGatewayError(err) ? err.upstream?.code : undefined;
  }

  /** What a failed vendor step does to the tenant: a 401 stops it until the next interval (lock-out guard). */
  async function noteFailure(tenant: string, operation: string, err: unknown): Promise<void> {
    const code = vendorCode(err) ?? (isGatewayError(err) ? err.code : 'error');
    metrics.indexVendorCodes.inc({ tenant, operation, code });
    const patch = { lastErrorCode: code, lastErrorAt: now() };
    if (code === 'HTTP 401') {
      metrics.indexJobs.inc({ tenant, outcome: 'paused' });
      logger.error(
        { tenant, operation, code },
        'CC-FS refused the signature: ingestion of this tenant stops until the next interval (the vendor locks out addresses that keep failing)',
      );
      await db.updateTenantState(tenant, { ...patch, pausedUntil: now() + intervalMs });
      return;
    }
    logger.warn({ tenant, operation, code, err: isGatewayError(err) ? err.message : String(err) }, 'index step failed');
    await db.updateTenantState(tenant, patch);
  }

  async function request(t: IndexTenant, job: Job): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const callBackURL = `${settings.callbackBaseUrl}/callbacks/ccfs/bill/${job.id}/${token}`;
    try {
      const { responseId } = await bills.queryBillData(
        t.policy.id,
        {
          beginTime: toWallClock(job.from, t.timeZone),
          endTime: toWallClock(job.to, t.timeZone),
          callBackURL,
          ...(t.accountId ? { accountId: t.accountId } : {}),
          ...(t.sendDataType ? { dataType: 'call_record' } : {}),
        },
        AbortSignal.timeout(60_000),
      );
      await db.moveJob(job.id, ['queued'], {
        state: 'requested',
        responseId,
        tokenHash: sha256(token),
        requestedAt: now(),
        notBefore: now() + settings.callbackTimeoutSec * 1000,
        updatedAt: now(),
      });
      metrics.indexJobs.inc({ tenant: t.policy.id, outcome: 'requested' });
      logger.info(
        { tenant: t.policy.id, job: job.id, kind: job.kind, from: new Date(job.from), to: new Date(job.to) },
        'asked CC-FS for a bill window',
      );
    } catch (err) {
      await noteFailure(t.policy.id, 'queryBillData', err);
      const attempts = job.attempts + 1;
      await db.moveJob(job.id, ['queued'], {
        attempts,
        notBefore: now() + backoff(attempts),
        lastError: vendorCode(err) ?? 'error',
        updatedAt: now(),
      });
    }
  }

  /** Streams the zip to a file of its own, at most `zip.maxBytes`. */
  async function fetchZip(tenant: string, name: string, file: string, signal: AbortSignal): Promise<void> {
    const answer = await bills.downloadBillFile(tenant, name, signal);
    const magic = answer.head.subarray(0, 4).toString('latin1');
    if (magic !== 'PK\u0003\u0004' && magic !== 'PK\u0005\u0006') {
      answer.rest.destroy();
      throw new Error('CC-FS answered downloadBillFile with something that is not a zip');
    }
    let size = answer.head.length;
    const cap = settings.zip.maxBytes;
    const count = new Transform({
      transform(chunk: Buffer, _e, cb) {
        size += chunk.length;
        cb(size > cap ? new Error(`the zip is larger than ${cap} bytes`) : null, chunk);
      },
    });
    const out = createWriteStream(file);
    out.write(answer.head);
    await pipeline(answer.rest, count, out, { signal });
    if (answer.contentLength !== undefined && size !== answer.contentLength)
      throw new Error(`the zip ended after ${size} of ${answer.contentLength} bytes`);
  }

  /** Downloads and ingests a job this instance has claimed (`downloading`). */
  async function ingest(t: IndexTenant, job: Job, names: readonly string[]): Promise<void> {
    const tenant = t.policy.id;
    await mkdir(deps.workDir, { recursive: true });
    const file = join(deps.workDir, `${job.id}.zip`);
    const claim = setInterval(
      () => void db.moveJob(job.id, ['downloading'], { claimedUntil: now() + leaseMs }).catch(() => {}),
      Math.max(500, leaseMs / 3),
    );
    const signal = AbortSignal.timeout(settings.jobTimeoutSec * 1000);
    try {
      let fetched: string | undefined;
      let lastErr: unknown;
      for (const name of names) {
        try {
          await fetchZip(tenant, name, file, signal);
          fetched = name;
          break;
        } catch (err) {
          lastErr = err;
          // A guessed name the vendor does not have: try the next guess.
          if (vendorCode(err) !== '0300011') break;
        }
      }
      if (!fetched) throw lastErr;
      const result = await ingestFile(file, { tenant: t.policy, timeZone: t.timeZone }, settings.zip, signal);
      await db.moveJob(job.id, ['downloading'], {
        state: 'done',
        billFileName: fetched,
        rows: result.rows,
        claimedUntil: null,
        lastError: null,
        updatedAt: now(),
      });
      if (job.kind === 'schedule') {
        const state = await db.tenantState(tenant);
        if (state.doneUntil === null || job.to > state.doneUntil)
          await db.updateTenantState(tenant, { doneUntil: job.to });
      }
      metrics.indexJobs.inc({ tenant, outcome: 'ingested' });
      metrics.indexRows.inc({ tenant, outcome: 'stored' }, result.visible);
      if (result.hidden > 0) metrics.indexRows.inc({ tenant, outcome: 'hidden' }, result.hidden);
      const skipped = Object.values(result.skipped).reduce((a, b) => a + b, 0);
      if (skipped > 0) metrics.indexRows.inc({ tenant, outcome: 'skipped' }, skipped);
      logger.info(
        {
          tenant,
          job: job.id,
          entries: result.entries,
          rows: result.rows,
          hidden: result.hidden,
          skipped: result.skipped,
        },
        'ingested a bill file',
      );
    } catch (err) {
      const attempts = job.attempts + 1;
      const code = vendorCode(err);
      const failed = attempts >= MAX_ATTEMPTS;
      if (code) await noteFailure(tenant, 'downloadBillFile', err);
      else {
        metrics.indexJobs.inc({ tenant, outcome: 'refused_zip' });
        logger.warn(
          { tenant, job: job.id, err: (err as Error).message },
          'a bill file was not ingested; the job stays retriable',
        );
        await db.updateTenantState(tenant, { lastErrorCode: 'bad_file', lastErrorAt: now() });
      }
      // Back to where it came from, to be tried again after a wait.
      await db.moveJob(job.id, ['downloading'], {
        state: failed ? 'failed' : job.billFileName ? 'ready' : 'requested',
        attempts,
        notBefore: now() + backoff(attempts),
        claimedUntil: null,
        lastError: (code ?? (err as Error).message ?? 'error').slice(0, 200),
        updatedAt: now(),
      });
      metrics.indexJobs.inc({ tenant, outcome: failed ? 'failed' : 'retry' });
    } finally {
      clearInterval(claim);
      await rm(file, { force: true });
    }
  }

  /** Claims a job for download here: whoever moves it to `downloading` first does it. */
  async function claimAndIngest(t: IndexTenant, job: Job, from: readonly JobState[], names: readonly string[]) {
    const claimed = await db.moveJob(job.id, from, {
      state: 'downloading',
      claimedUntil: now() + leaseMs,
      updatedAt: now(),
    });
    if (!claimed) return;
    const run = ingest(t, job, names).finally(() => downloads.delete(run));
    downloads.add(run);
    await run;
  }

  async function work(t: IndexTenant): Promise<void> {
    const tenant = t.policy.id;
    const at = now();
    const state = await db.tenantState(tenant);
    if (state.pausedUntil !== null && state.pausedUntil > at) return;
    for (const job of await db.openJobs(tenant)) {
      // Waiting in the queue is not being stuck: only a job the vendor has and that never finishes times out.
      if (at - job.updatedAt > settings.jobTimeoutSec * 1000 && (job.state === 'requested' || job.state === 'ready')) {
        await db.moveJob(job.id, [job.state], { state: 'failed', lastError: 'timed out', updatedAt: at });
        metrics.indexJobs.inc({ tenant, outcome: 'failed' });
        continue;
      }
      if (job.notBefore > at) continue;
      if (job.state === 'ready') await claimAndIngest(t, job, ['ready'], [job.billFileName!]);
      else if (job.state === 'requested' && job.responseId && job.requestedAt !== null)
        // No callback in time: the predicted name instead (notBefore was set to the callback timeout).
        await claimAndIngest(t, job, ['requested'], predictedNames(job.responseId, job.requestedAt, t.timeZone));
      else if (job.state === 'downloading' && (job.claimedUntil ?? 0) < at)
        // Its downloader went away (its claim lapsed): start it again.
        await claimAndIngest(
          t,
          job,
          ['downloading'],
          job.billFileName
            ? [job.billFileName]
            : job.responseId && job.requestedAt !== null
              ? predictedNames(job.responseId, job.requestedAt, t.timeZone)
              : [],
        );
    }
    // The claims above may have moved jobs on: read them once more, and decide from that one list.
    const open = await db.openJobs(tenant);
    if (open.some((j) => OPEN.includes(j.state))) return;
    // Nothing in flight: the schedule's next window, or else the oldest backfill window waiting.
    const queued = open.filter((j) => j.state === 'queued' && j.notBefore <= at);
    const scheduled = queued.find((j) => j.kind === 'schedule');
    if (scheduled) return request(t, scheduled);
    // Read again: a job this round finished has moved the window on.
    const { doneUntil } = await db.tenantState(tenant);
    const due = doneUntil === null || at - doneUntil >= intervalMs;
    if (due && !open.some((j) => j.kind === 'schedule')) {
      const from =
        doneUntil === null ? at - settings.firstWindowHours * 3600_000 : doneUntil - settings.overlapSec * 1000;
      const job = newJob(tenant, 'schedule', null, from, Math.min(at, from + BILL_WINDOW_MAX_MS));
      await db.insertJobs([job]);
      return request(t, job);
    }
    const backfill = queued.find((j) => j.kind === 'backfill');
    if (backfill) await request(t, backfill);
  }

  function newJob(tenant: string, kind: Job['kind'], batch: string | null, from: number, to: number): Job {
    return {
      id: randomUUID(),
      tenant,
      kind,
      batch,
      from,
      to,
      state: 'queued',
      responseId: null,
      tokenHash: null,
      billFileName: null,
      requestedAt: null,
      attempts: 0,
      notBefore: 0,
      claimedUntil: null,
      lastError: null,
      rows: 0,
      updatedAt: now(),
    };
  }

  async function prune(tenant: string): Promise<void> {
    const at = now();
    if ((pruned.get(tenant) ?? 0) > at - 3600_000) return;
    pruned.set(tenant, at);
    const deleted = await db.prune(tenant, at - settings.retentionDays * 86_400_000);
    if (deleted > 0) logger.info({ tenant, deleted }, 'removed index rows past retention');
  }

  function round(t: IndexTenant): Promise<void> {
    const tenant = t.policy.id;
    const next = (rounds.get(tenant) ?? Promise.resolve()).then(() => runRound(t));
    rounds.set(tenant, next);
    return next;
  }

  async function runRound(t: IndexTenant): Promise<void> {
    const tenant = t.policy.id;
    if (closed) return;
    try {
      // A database away at start must not stop ingestion for good: each round asks until it ran.
      await db.migrate();
      if (!(await db.lease(tenant, holder, now(), now() + leaseMs))) return;
      await work(t);
      await prune(tenant);
    } catch (err) {
      logger.warn({ tenant, err: (err as Error).message }, 'an ingestion round failed; the next one tries again');
    }
  }

  const tick = async () => {
    await Promise.all([...deps.tenants.values()].map(round));
  };

  return {
    start() {
      const every = Math.max(250, Math.min(intervalMs, leaseMs / 3));
      const loop = () => {
        timer = setTimeout(() => void tick().finally(() => !closed && loop()), every);
        timer.unref();
      };
      void tick().finally(() => !closed && loop());
    },

    tick,

    async callback(jobId, token, req): Promise<CallbackAnswer> {
      const outcome = (o: string, a: CallbackAnswer): CallbackAnswer => {
        metrics.indexCallbacks.inc({ outcome: o });
        return a;
      };
      const unknown = () => outcome('unknown', { status: 404, reason: 'no such job or token' });
      if (!/^[0-9a-f-]{36}$/.test(jobId) || !/^[A-Za-z0-9_-]{43}$/.test(token)) return unknown();
      const job = await db.job(jobId);
      const t = job && deps.tenants.get(job.tenant);
      if (!job || !t || !job.tokenHash || !job.responseId) return unknown();
      const given = Buffer.from(sha256(token), 'hex');
      if (!timingSafeEqual(given, Buffer.from(job.tokenHash, 'hex'))) return unknown();

      let body: { msgBody?: Record<string, unknown> };
      try {
        body = JSON.parse(req.body.toString('utf8')) as typeof body;
      } catch {
        return outcome('bad_content', { status: 400, reason: 'the body is not JSON' });
      }
      const m =
        body && typeof body === 'object' && body.msgBody && typeof body.msgBody === 'object' ? body.msgBody : {};
      const responseId = typeof m.responseId === 'string' ? m.responseId : '';
      const name =
        typeof m.billFileName === 'string' ? m.billFileName : typeof m.billName === 'string' ? m.billName : '';
      if (hexId(responseId) !== hexId(job.responseId))
        return outcome('bad_content', { status: 400, reason: 'responseId is not the job’s' });
      if (
        name.length > BILL_FILE_NAME_MAX ||
        !BILL_FILE_NAME.test(name) ||
        !name.toLowerCase().includes(hexId(job.responseId))
      )
        return outcome('bad_content', { status: 400, reason: 'billFileName is not this job’s zip' });
      if ((m.accountId ?? undefined) !== t.accountId && !(m.accountId === undefined && t.accountId === undefined))
        return outcome('bad_content', { status: 400, reason: 'accountId is not the one sent' });

      if (settings.callbackSignature !== 'off') {
        const verdict = bills.verifyCallback(job.tenant, req);
        if (verdict !== 'valid') {
          logger.warn(
            { tenant: job.tenant, job: job.id, signature: verdict, policy: settings.callbackSignature },
            'a bill callback is not signed with the tenant’s AK/SK',
          );
          if (settings.callbackSignature === 'enforce')
            return outcome('bad_signature', { status: 400, reason: `the signature is ${verdict}` });
        }
      }
      if (job.state !== 'requested') {
        // A repeat (the vendor retries): the same answer, nothing done.
        if (job.billFileName === null || job.billFileName === name || job.state === 'downloading')
          return outcome('repeat', { status: 200, reason: 'already had it' });
        return outcome('bad_content', { status: 400, reason: 'the job has another file' });
      }
      const moved = await db.moveJob(job.id, ['requested'], {
        state: 'ready',
        billFileName: name,
        notBefore: 0,
        updatedAt: now(),
      });
      if (!moved) return outcome('repeat', { status: 200, reason: 'already had it' });
      // The job finishes wherever its callback lands; the answer does not wait for it.
      void claimAndIngest(t, { ...job, state: 'ready', billFileName: name }, ['ready'], [name]).catch((err) =>
        logger.warn(
          { tenant: job.tenant, job: job.id, err: (err as Error).message },
          'the download after a callback failed',
        ),
      );
      return outcome('accepted', { status: 200, reason: 'accepted' });
    },

    async backfill(tenantId, from, to) {
      const batch = randomUUID();
      const windows = splitWindows(from, to);
      await db.insertJobs(windows.map(([a, b]) => newJob(tenantId, 'backfill', batch, a, b)));
      logger.info({ tenant: tenantId, batch, windows: windows.length }, 'backfill queued');
      return { id: batch, windows: windows.length };
    },

    async status(tenantId) {
      const t = deps.tenants.get(tenantId);
      const state = await db.tenantState(tenantId);
      const open = t ? await db.openJobs(tenantId) : [];
      return {
        enabled: t !== undefined,
        engine: db.engine,
        newestWindowEnd: state.doneUntil,
        lagSec: state.doneUntil === null ? null : Math.max(0, Math.round((now() - state.doneUntil) / 1000)),
        rows: await db.counts(tenantId),
        jobs: open.map(({ id, kind, from, to, state: s, attempts, lastError }) => ({
          id,
          kind,
          from,
          to,
          state: s,
          attempts,
          lastError,
        })),
        pausedUntil: state.pausedUntil !== null && state.pausedUntil > now() ? state.pausedUntil : null,
        lastError:
          state.lastErrorCode !== null && state.lastErrorAt !== null
            ? { code: state.lastErrorCode, at: state.lastErrorAt }
            : null,
      };
    },

    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...downloads]);
      await Promise.all([...deps.tenants.keys()].map((t) => db.releaseLease(t, holder).catch(() => {})));
    },
  };
}
