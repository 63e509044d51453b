/**
 * The index database over Kysely, one implementation for both engines: the SQL below is the part
 * SQLite and PostgreSQL share (ON CONFLICT upserts, keyset comparisons), so both run the same
 * queries and the same tests. The engine itself is picked by the composition root (db/engines.ts).
 */
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrationProvider } from './migrations.js';
import type { CallDetail, CallFilter, CallSummary, IndexDb, Job, LegRow, RecordingRow, TenantState } from './port.js';
import type { IndexTables, JobsTable, LegsTable, RecordingsTable } from './tables.js';

/** Rows per INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const BATCH = 500;

const digits = (s: string | null): string | null => {
  const d = s?.replace(/\D+/g, '') ?? '';
  return d === '' ? null : d;
};

/** The last row of each key: an upsert may not touch one row twice (PostgreSQL refuses it). */
function lastByKey<T>(rows: readonly T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()];
}

const toLeg = (r: LegsTable): LegRow => ({
  callId: r.call_id,
  callIdNum: r.call_id_num,
  ccId: r.cc_id,
  agentId: r.agent_id,
  callerNo: r.caller_no,
  calleeNo: r.callee_no,
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
  fileName: r.file_name,
  callId: r.call_id,
  ccId: r.cc_id,
  agentId: r.agent_id,
  callerNo: r.caller_no,
  calleeNo: r.callee_no,
  begin: r.begin_ms,
  end: r.end_ms,
  originalFileName: r.original_file_name,
  vdnId: r.vdn_id,
  callType: r.call_type,
  mediaType: r.media_type,
  visible: r.visible === 1,
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

export function createIndexDb(db: Kysely<IndexTables>, engine: 'sqlite' | 'postgres'): IndexDb {
  /** Rebuilds the calls of `callIds` from their visible legs and recordings. */
  async function refreshCalls(trx: Kysely<IndexTables>, tenant: string, callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0) return;
    const ids = sql.join(callIds.map((c) => sql`${c}`));
    // A call's times are its CDR legs' (its recordings' when it has no CDR row): contract 6.2.
    await sql`
      INSERT INTO index_calls (tenant, call_id, cc_id, vdn_id, agent_id, caller_no, callee_no, caller_digits,
                               callee_digits, begin_ms, end_ms, call_type, recordings)
      SELECT tenant, call_id, MAX(cc_id), MAX(vdn_id), MAX(agent_id), MAX(caller_no), MAX(callee_no),
             MAX(caller_digits), MAX(callee_digits),
             COALESCE(MIN(CASE WHEN src = 0 THEN begin_ms END), MIN(begin_ms), 0),
             COALESCE(MAX(CASE WHEN src = 0 THEN end_ms END), MAX(end_ms)),
             MAX(call_type), SUM(src)
      FROM (
        SELECT 0 AS src, tenant, call_id, cc_id, vdn_id, agent_id, caller_no, callee_no, caller_digits,
               callee_digits, begin_ms, end_ms, call_type
          FROM index_legs WHERE tenant = ${tenant} AND visible = 1 AND call_id IN (${ids})
        UNION ALL
        SELECT 1 AS src, tenant, call_id, cc_id, vdn_id, agent_id, caller_no, callee_no, caller_digits,
               callee_digits, begin_ms, end_ms, call_type
          FROM index_recordings WHERE tenant = ${tenant} AND visible = 1 AND call_id IN (${ids})
      ) AS u
      WHERE 1 = 1
      GROUP BY tenant, call_id
      ON CONFLICT (tenant, call_id) DO UPDATE SET
        cc_id = excluded.cc_id, vdn_id = excluded.vdn_id, agent_id = excluded.agent_id,
        caller_no = excluded.caller_no, callee_no = excluded.callee_no, caller_digits = excluded.caller_digits,
        callee_digits = excluded.callee_digits, begin_ms = excluded.begin_ms, end_ms = excluded.end_ms,
        call_type = excluded.call_type, recordings = excluded.recordings`.execute(trx);
  }

  const legValues = (tenant: string, r: LegRow): LegsTable => ({
    tenant,
    call_id: r.callId,
    call_id_num: r.callIdNum,
    cc_id: r.ccId,
    agent_id: r.agentId,
    caller_no: r.callerNo,
    callee_no: r.calleeNo,
    caller_digits: digits(r.callerNo),
    callee_digits: digits(r.calleeNo),
    wait_begin: r.waitBegin,
    wait_end: r.waitEnd,
    ack_begin: r.ackBegin,
    ack_end: r.ackEnd,
    begin_ms: r.begin,
    end_ms: r.end,
    device_type: r.deviceType,
    device_no: r.deviceNo,
    call_type: r.callType,
    release_cause: r.releaseCause,
    vdn_id: r.vdnId,
    visible: r.visible ? 1 : 0,
  });
  const recordingValues = (tenant: string, r: RecordingRow): RecordingsTable => ({
    tenant,
    file_name: r.fileName,
    call_id: r.callId,
    cc_id: r.ccId,
    agent_id: r.agentId,
    caller_no: r.callerNo,
    callee_no: r.calleeNo,
    caller_digits: digits(r.callerNo),
    callee_digits: digits(r.calleeNo),
    begin_ms: r.begin,
    end_ms: r.end,
    original_file_name: r.originalFileName,
    vdn_id: r.vdnId,
    call_type: r.callType,
    media_type: r.mediaType,
    visible: r.visible ? 1 : 0,
  });

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
    async migrate() {
      const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error');
        throw new Error(`index database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
      }
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
        const callIds = [...new Set([...uniqueLegs.map((r) => r.callId), ...uniqueRecordings.map((r) => r.callId)])];
        for (let i = 0; i < callIds.length; i += BATCH) await refreshCalls(trx, tenant, callIds.slice(i, i + BATCH));
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
      return calls.map((c) => ({
        callId: c.call_id,
        ccId: c.cc_id,
        vdnId: c.vdn_id,
        agentId: c.agent_id,
        callerNo: c.caller_no,
        calleeNo: c.callee_no,
        begin: c.begin_ms,
        end: c.end_ms,
        callType: c.call_type,
        recordings: recordings.get(c.call_id) ?? [],
      }));
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
        callId: c.call_id,
        ccId: c.cc_id,
        vdnId: c.vdn_id,
        agentId: c.agent_id,
        callerNo: c.caller_no,
        calleeNo: c.callee_no,
        begin: c.begin_ms,
        end: c.end_ms,
        callType: c.call_type,
        recordings: (await recordingsFor(tenant, [callId])).get(callId) ?? [],
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
