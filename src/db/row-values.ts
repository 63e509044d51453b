/**
 * What a CDR or recording row writes, table by table, and how a call is merged from its rows:
 * shared by both engines' write paths (index-db.ts over Kysely, sqlite-rows.ts straight into SQLite).
 */
import type { LegRow, RecordingRow } from './port.js';
import type { CallsTable, LegsTable, PartyColumns, RecordingsTable } from './tables.js';

export type Engine = 'sqlite' | 'postgres';

/** A number's digits, the form number searches match on. */
export const digits = (s: string | null): string | null => {
  const d = s?.replace(/\D+/g, '') ?? '';
  return d === '' ? null : d;
};

/** Who took part, as every table of calls holds it (its numbers' digits for the number searches). */
const parties = (r: LegRow | RecordingRow): Omit<PartyColumns, 'tenant' | 'call_id'> => ({
  cc_id: r.ccId,
  agent_id: r.agentId,
  caller_no: r.callerNo,
  callee_no: r.calleeNo,
  caller_digits: digits(r.callerNo),
  callee_digits: digits(r.calleeNo),
});

export const legValues = (tenant: string, r: LegRow): LegsTable => ({
  tenant,
  call_id: r.callId,
  call_id_num: r.callIdNum,
  ...parties(r),
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

export const recordingValues = (tenant: string, r: RecordingRow): RecordingsTable => ({
  tenant,
  file_name: r.fileName,
  call_id: r.callId,
  ...parties(r),
  begin_ms: r.begin,
  end_ms: r.end,
  original_file_name: r.originalFileName,
  vdn_id: r.vdnId,
  call_type: r.callType,
  media_type: r.mediaType,
  visible: r.visible ? 1 : 0,
});

/** The call one visible row makes on its own: what is merged into the call already there. */
export function callValues(tenant: string, r: LegRow | RecordingRow): CallsTable {
  const cdr = 'callIdNum' in r;
  return {
    tenant,
    call_id: r.callId,
    cc_id: r.ccId,
    vdn_id: r.vdnId,
    agent_id: r.agentId,
    caller_no: r.callerNo,
    callee_no: r.calleeNo,
    caller_digits: digits(r.callerNo),
    callee_digits: digits(r.calleeNo),
    begin_ms: r.begin ?? 0,
    end_ms: r.end,
    call_type: r.callType,
    recordings: cdr ? 0 : 1,
    cdr_begin: cdr ? r.begin : null,
    cdr_end: cdr ? r.end : null,
    rec_begin: cdr ? null : r.begin,
    rec_end: cdr ? null : r.end,
  };
}

export type MergedColumn = Exclude<keyof CallsTable, 'tenant' | 'call_id' | 'begin_ms' | 'end_ms'>;

/**
 * How each column of a call merges with a new row's: the first known value, or the earliest or
 * latest. A call's begin and end follow from them (its CDR legs' span when it has any, else its
 * recordings'). Merging is idempotent: the same rows again change nothing.
 */
export const CALL_MERGE: Record<MergedColumn, 'first' | 'least' | 'greatest'> = {
  cc_id: 'first',
  vdn_id: 'first',
  agent_id: 'first',
  caller_no: 'first',
  callee_no: 'first',
  caller_digits: 'first',
  callee_digits: 'first',
  call_type: 'first',
  recordings: 'greatest',
  cdr_begin: 'least',
  cdr_end: 'greatest',
  rec_begin: 'least',
  rec_end: 'greatest',
};

/**
 * The merge of `had` (the stored value) and `got` (the new one) as SQL, NULL-aware: PostgreSQL's
 * LEAST and GREATEST skip NULLs, SQLite's scalar min and max return NULL.
 */
export function mergeSql(engine: Engine, how: 'first' | 'least' | 'greatest', had: string, got: string): string {
  if (how === 'first') return `coalesce(${had}, ${got})`;
  if (engine === 'postgres') return `${how === 'least' ? 'LEAST' : 'GREATEST'}(${had}, ${got})`;
  const f = how === 'least' ? 'min' : 'max';
  return `${f}(coalesce(${had}, ${got}), coalesce(${got}, ${had}))`;
}
