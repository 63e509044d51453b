/**
 * The index database over Kysely, one implementation for both engines: the SQL below is the part
 * SQLite and PostgreSQL share (ON CONFLICT upserts, keyset comparisons), so both run the same
 * queries and the same tests. The engine itself is picked by the composition root (db/engines.ts).
 */
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrationProvider } from './migrations.js';
import type { CallDetail, CallFilter, CallSummary, IndexDb, Job, LegRow, RecordingRow, TenantState } from './port.js';
import {
  CALL_MERGE,
  callValues,
  type Engine,
  legValues,
  type MergedColumn,
  mergeSql,
  recordingValues,
} from './row-values.js';
import type { RowWriter } from './sqlite-rows.js';
import type { CallsTable, IndexTables, JobsTable, LegsTable, PartyColumns, RecordingsTable } from './tables.js';

/** Rows per INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const BATCH = 500;

/** The last row of each key: an upsert may not touch one row twice (PostgreSQL refuses it). */
function lastByKey<T>(rows: readonly T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()];
}

/** The party fields of a row, as the port names them. */
const partiesOf = (r: PartyColumns) => ({
  callId: r.call_id,
  ccId: r.cc_id,
  agentId: r.agent_id,
  callerNo: r.caller_no,
  calleeNo: r.callee_no,
});

const toLeg = (r: LegsTable): LegRow => ({
  ...partiesOf(r),
  callIdNum: r.call_id_num,
  waitBegin: r.wait_begin,
  waitEnd: r.wait_end,
  ackBegin: r.ack_begin,
  ackEnd: r.ack_end,
  begin: r.begin_ms,
  end: r.end_ms,
  deviceType: r.device_type,
  deviceNo: r.device_no,
  callType: r.call_type,
  releaseCause: r.release_cause,
  vdnId: r.vdn_id,
  visible: r.visible === 1,
});

const toRecording = (r: RecordingsTable): RecordingRow => ({
  ...partiesOf(r),
  fileName: r.file_name,
  begin: r.begin_ms,
  end: r.end_ms,
  originalFileName: r.original_file_name,
  vdnId: r.vdn_id,
  callType: r.call_type,
  mediaType: r.media_type,
  visible: r.visible === 1,
});

const toSummary = (c: CallsTable, recordings: RecordingRow[]): CallSummary => ({
  ...partiesOf(c),
  vdnId: c.vdn_id,
  begin: c.begin_ms,
  end: c.end_ms,
  callType: c.call_type,
  recordings,
});

const toJob = (r: JobsTable): Job => ({
  id: r.id,
  tenant: r.tenant,
  kind: r.kind as Job['kind'],
  batch: r.batch,
  from: r.from_ms,
  to: r.to_ms,
  state: r.state as Job['state'],
  responseId: r.response_id,
  tokenHash: r.token_hash,
  billFileName: r.bill_file_name,
  requestedAt: r.requested_at,
  attempts: r.attempts,
  notBefore: r.not_before,
  claimedUntil: r.claimed_until,
  lastError: r.last_error,
  rows: r.rows,
  updatedAt: r.updated_at,
});

const JOB_COLUMNS: Record<keyof Omit<Job, 'id' | 'tenant'>, keyof JobsTable> = {
  kind: 'kind',
  batch: 'batch',
  from: 'from_ms',
  to: 'to_ms',
  state: 'state',
  responseId: 'response_id',
  tokenHash: 'token_hash',
  billFileName: 'bill_file_name',
  requestedAt: 'requested_at',
  attempts: 'attempts',
  notBefore: 'not_before',
  claimedUntil: 'claimed_until',
  lastError: 'last_error',
  rows: 'rows',
  updatedAt: 'updated_at',
};

function jobPatch(patch: Partial<Omit<Job, 'id' | 'tenant'>>): Partial<JobsTable> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) out[JOB_COLUMNS[k as keyof typeof JOB_COLUMNS]] = v;
  return out as Partial<JobsTable>;
}

/**
 * `writeRows`, when given, writes the ingested rows instead of the Kysely batches below (SQLite's
 * own statements: sqlite-rows.ts); it runs synchronously while holding Kysely's connection, so no
 * other query can interleave with its transaction.
 */
export function createIndexDb(db: Kysely<IndexTables>, engine: Engine, writeRows?: RowWriter): IndexDb {
  let migrated: Promise<void> | undefined;
  /**
   * Merges the batch's visible rows into their calls in place (row-values.ts CALL_MERGE), so no
   * call is ever read back to be rebuilt. PostgreSQL refuses to touch one row twice in an upsert:
   * the batch's rows of a call are merged here first, by the same rules.
   */
  async function mergeCalls(
    trx: Kysely<IndexTables>,
    tenant: string,
    legs: readonly LegRow[],
    recordings: readonly RecordingRow[],
  ): Promise<void> {
    const calls = new Map<string, CallsTable>();
    const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    for (const r of [...legs, ...recordings]) {
      if (!r.visible) continue;
      const got = callValues(tenant, r);
      const had = calls.get(r.callId);
      if (!had) {
        calls.set(r.callId, got);
        continue;
      }
      for (const [c, how] of Object.entries(CALL_MERGE) as Array<[MergedColumn, 'first' | 'least' | 'greatest']>) {
        const a = had[c] as number | null;
        const b = got[c] as number | null;
        (had as unknown as Record<string, unknown>)[c] =
          how === 'first' ? (a ?? b) : how === 'least' ? min(a, b) : max(a, b);
      }
      had.begin_ms = had.cdr_begin ?? had.rec_begin ?? 0;
      had.end_ms = had.cdr_end ?? had.rec_end;
    }
    const merge = (c: MergedColumn) =>
      sql.raw<never>(mergeSql(engine, CALL_MERGE[c], `index_calls.${c}`, `excluded.${c}`));
    const rows = [...calls.values()];
    for (let i = 0; i < rows.length; i += BATCH) {
      await trx
        .insertInto('index_calls')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['tenant', 'call_id']).doUpdateSet({
            ...(Object.fromEntries(Object.keys(CALL_MERGE).map((c) => [c, merge(c as MergedColumn)])) as Record<
              MergedColumn,
              never
            >),
            begin_ms: sql<never>`coalesce(${merge('cdr_begin')}, ${merge('rec_begin')}, 0)`,
            end_ms: sql<never>`coalesce(${merge('cdr_end')}, ${merge('rec_end')})`,
          }),
        )
        .execute();
    }
  }

  /** Every column but the key is replaced: the newest file's row wins. */
  const replaceAll = <T extends object>(row: T, key: readonly string[]) =>
    Object.fromEntries(
      Object.keys(row)
        .filter((c) => !key.includes(c))
        .map((c) => [c, sql.ref(`excluded.${c}`)]),
    );

  async function recordingsFor(tenant: string, callIds: readonly string[]): Promise<Map<string, RecordingRow[]>> {
    const out = new Map<string, RecordingRow[]>();
    if (callIds.length === 0) return out;
    const rows = await db
      .selectFrom('index_recordings')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('call_id', 'in', callIds)
      .where('visible', '=', 1)
      .orderBy('begin_ms')
      .orderBy('file_name')
      .execute();
    for (const r of rows) out.set(r.call_id, [...(out.get(r.call_id) ?? []), toRecording(r)]);
    return out;
  }

  return {
    engine,
    migrate() {
      // Once per process: the start and the first ingestion round both ask, the second one waits on
      // the first. A failure is forgotten, so that the next caller tries again.
      migrated ??= (async () => {
        const { error, results } = await new Migrator({ db, provider: migrationProvider(engine) }).migrateToLatest();
        if (error) {
          const failed = results?.find((r) => r.status === 'Error');
          throw new Error(`index database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
        }
      })().catch((err) => {
        migrated = undefined;
        throw err;
      });
      return migrated;
    },

    async optimize() {
      // Without statistics a planner may walk the time index for a number and filter a month of rows.
      if (engine === 'sqlite') await sql`PRAGMA optimize=0x10002`.execute(db);
      else await sql`ANALYZE index_calls, index_recordings, index_legs`.execute(db);
    },

    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },

    async upsert(tenant, legs, recordings) {
      if (writeRows) return db.connection().execute(async () => writeRows(tenant, legs, recordings));
      const uniqueLegs = lastByKey(legs, (r) => `${r.callId}\u0000${r.callIdNum}`);
      const uniqueRecordings = lastByKey(recordings, (r) => r.fileName);
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < uniqueLegs.length; i += BATCH) {
          const values = uniqueLegs.slice(i, i + BATCH).map((r) => legValues(tenant, r));
          await trx
            .insertInto('index_legs')
            .values(values)
            .onConflict((oc) =>
              oc
                .columns(['tenant', 'call_id', 'call_id_num'])
                .doUpdateSet(replaceAll(values[0]!, ['tenant', 'call_id', 'call_id_num'])),
            )
            .execute();
        }
        for (let i = 0; i < uniqueRecordings.length; i += BATCH) {
          const values = uniqueRecordings.slice(i, i + BATCH).map((r) => recordingValues(tenant, r));
          await trx
            .insertInto('index_recordings')
            .values(values)
            .onConflict((oc) =>
              oc.columns(['tenant', 'file_name']).doUpdateSet(replaceAll(values[0]!, ['tenant', 'file_name'])),
            )
            .execute();
        }
        await mergeCalls(trx, tenant, uniqueLegs, uniqueRecordings);
      });
    },

    async search(f: CallFilter): Promise<CallSummary[]> {
      // Either party: two searches, each on its own index, merged (an OR would scan the range).
      if (f.numberDigits !== undefined) {
        const { numberDigits, ...rest } = f;
        const [a, b] = await Promise.all([
          this.search({ ...rest, callerDigits: numberDigits }),
          this.search({ ...rest, calleeDigits: numberDigits }),
        ]);
        const merged = new Map<string, CallSummary>();
        for (const c of [...a, ...b]) merged.set(c.callId, c);
        return [...merged.values()]
          .sort((x, y) => y.begin - x.begin || (y.callId < x.callId ? -1 : y.callId > x.callId ? 1 : 0))
          .slice(0, f.limit);
      }
      let q = db
        .selectFrom('index_calls')
        .selectAll()
        .where('tenant', '=', f.tenant)
        .where('begin_ms', '>=', f.from)
        .where('begin_ms', '<', f.to);
      if (f.vdnIds.length > 0) q = q.where((eb) => eb.or([eb('vdn_id', 'is', null), eb('vdn_id', 'in', f.vdnIds)]));
      if (f.callId !== undefined) q = q.where('call_id', '=', f.callId);
      if (f.agentId !== undefined) q = q.where('agent_id', '=', f.agentId);
      if (f.callerDigits !== undefined) q = q.where('caller_digits', '=', f.callerDigits);
      if (f.calleeDigits !== undefined) q = q.where('callee_digits', '=', f.calleeDigits);
      if (f.vdnId !== undefined) q = q.where('vdn_id', '=', f.vdnId);
      if (f.hasRecording !== undefined) q = q.where('recordings', f.hasRecording ? '>' : '=', 0);
      const after = f.after;
      if (after)
        q = q.where((eb) =>
          eb.or([
            eb('begin_ms', '<', after.begin),
            eb.and([eb('begin_ms', '=', after.begin), eb('call_id', '<', after.callId)]),
          ]),
        );
      const calls = await q.orderBy('begin_ms', 'desc').orderBy('call_id', 'desc').limit(f.limit).execute();
      const recordings = await recordingsFor(
        f.tenant,
        calls.map((c) => c.call_id),
      );
      return calls.map((c) => toSummary(c, recordings.get(c.call_id) ?? []));
    },

    async call(tenant, callId, vdnIds): Promise<CallDetail | undefined> {
      const c = await db
        .selectFrom('index_calls')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('call_id', '=', callId)
        .executeTakeFirst();
      if (!c || (c.vdn_id !== null && !vdnIds.includes(c.vdn_id))) return undefined;
      const legs = await db
        .selectFrom('index_legs')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('call_id', '=', callId)
        .where('visible', '=', 1)
        .execute();
      // In the vendor's order: 1, 2, 3, ... and the last leg -1 (cdr-index 5.3).
      legs.sort((a, b) => (a.call_id_num === -1 ? 1 : b.call_id_num === -1 ? -1 : a.call_id_num - b.call_id_num));
      return {
        ...toSummary(c, (await recordingsFor(tenant, [callId])).get(callId) ?? []),
        legs: legs.map(toLeg),
      };
    },

    async recordingsOf(tenant, callId) {
      const rows = await db
        .selectFrom('index_recordings')
        .select(['original_file_name', 'vdn_id'])
        .where('tenant', '=', tenant)
        .where('call_id', '=', callId)
        .execute();
      return rows.map((r) => ({ originalFileName: r.original_file_name, vdnId: r.vdn_id }));
    },

    async counts(tenant) {
      const count = async (table: 'index_calls' | 'index_recordings' | 'index_legs') =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('tenant', '=', tenant)
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        calls: await count('index_calls'),
        recordings: await count('index_recordings'),
        legs: await count('index_legs'),
      };
    },

    async prune(tenant, before) {
      let deleted = 0;
      await db.transaction().execute(async (trx) => {
        for (const table of ['index_calls', 'index_recordings', 'index_legs'] as const) {
          const r = await trx
            .deleteFrom(table)
            .where('tenant', '=', tenant)
            .where('begin_ms', '<', before)
            .executeTakeFirst();
          deleted += Number(r.numDeletedRows);
        }
        const jobs = await trx
          .deleteFrom('index_jobs')
          .where('tenant', '=', tenant)
          .where('updated_at', '<', before)
          .where('state', 'in', ['done', 'failed'])
          .executeTakeFirst();
        deleted += Number(jobs.numDeletedRows);
      });
      return deleted;
    },

    async lease(tenant, holder, now, until) {
      await db
        .insertInto('index_tenants')
        .values({
          tenant,
          done_until: null,
          paused_until: null,
          last_error_code: null,
          last_error_at: null,
          lease_holder: null,
          lease_until: null,
        })
        .onConflict((oc) => oc.column('tenant').doNothing())
        .execute();
      const r = await db
        .updateTable('index_tenants')
        .set({ lease_holder: holder, lease_until: until })
        .where('tenant', '=', tenant)
        .where((eb) =>
          eb.or([eb('lease_holder', '=', holder), eb('lease_holder', 'is', null), eb('lease_until', '<', now)]),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async releaseLease(tenant, holder) {
      await db
        .updateTable('index_tenants')
        .set({ lease_holder: null, lease_until: null })
        .where('tenant', '=', tenant)
        .where('lease_holder', '=', holder)
        .execute();
    },

    async tenantState(tenant): Promise<TenantState> {
      const r = await db.selectFrom('index_tenants').selectAll().where('tenant', '=', tenant).executeTakeFirst();
      return {
        tenant,
        doneUntil: r?.done_until ?? null,
        pausedUntil: r?.paused_until ?? null,
        lastErrorCode: r?.last_error_code ?? null,
        lastErrorAt: r?.last_error_at ?? null,
      };
    },

    async updateTenantState(tenant, patch) {
      const set: Record<string, unknown> = {};
      if ('doneUntil' in patch) set.done_until = patch.doneUntil;
      if ('pausedUntil' in patch) set.paused_until = patch.pausedUntil;
      if ('lastErrorCode' in patch) set.last_error_code = patch.lastErrorCode;
      if ('lastErrorAt' in patch) set.last_error_at = patch.lastErrorAt;
      await db
        .insertInto('index_tenants')
        .values({
          tenant,
          done_until: patch.doneUntil ?? null,
          paused_until: patch.pausedUntil ?? null,
          last_error_code: patch.lastErrorCode ?? null,
          last_error_at: patch.lastErrorAt ?? null,
          lease_holder: null,
          lease_until: null,
        })
        .onConflict((oc) => oc.column('tenant').doUpdateSet(set))
        .execute();
    },

    async insertJobs(jobs) {
      if (jobs.length === 0) return;
      await db
        .insertInto('index_jobs')
        .values(
          jobs.map((j) => ({
            id: j.id,
            tenant: j.tenant,
            kind: j.kind,
            batch: j.batch,
            from_ms: j.from,
            to_ms: j.to,
            state: j.state,
            response_id: j.responseId,
            token_hash: j.tokenHash,
            bill_file_name: j.billFileName,
            requested_at: j.requestedAt,
            attempts: j.attempts,
            not_before: j.notBefore,
            claimed_until: j.claimedUntil,
            last_error: j.lastError,
            rows: j.rows,
            updated_at: j.updatedAt,
          })),
        )
        .execute();
    },

    async job(id) {
      const r = await db.selectFrom('index_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toJob(r) : undefined;
    },

    async openJobs(tenant) {
      const rows = await db
        .selectFrom('index_jobs')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('state', 'not in', ['done', 'failed'])
        .orderBy('from_ms')
        .execute();
      return rows.map(toJob);
    },

    async recentJobs(tenant, limit) {
      const rows = await db
        .selectFrom('index_jobs')
        .selectAll()
        .where('tenant', '=', tenant)
        .orderBy('updated_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toJob);
    },

    async moveJob(id, from, patch) {
      const r = await db
        .updateTable('index_jobs')
        .set(jobPatch(patch))
        .where('id', '=', id)
        .where('state', 'in', [...from])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    close: () => db.destroy(),
  };
}
