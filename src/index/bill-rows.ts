/**
 * Positional CSV records to index rows (cdr-index 5.2, 5.3): times read as wall-clock in the
 * tenant's zone, empty fields as null, and each row marked visible only when it lies inside the
 * tenant's VDNs and (a recording) its `recordings` rule: contract 6.1's isolation.
 */

import type { LegRow, RecordingRow } from '../db/port.js';
import { inVdns, recordingInside, type TenantPolicy } from '../domain/tenant-policy.js';
import { fromWallClock } from '../domain/wall-clock.js';
import { CALL_COLUMNS, CALL_MIN_COLUMNS, RECORD_COLUMNS, RECORD_MIN_COLUMNS } from '../protocol/cdr.js';

export interface RowContext {
  tenant: TenantPolicy;
  timeZone: string;
}

const text = (v: string | undefined, max = 64): string | null => (v === undefined || v === '' ? null : v.slice(0, max));
const id = (v: string | undefined): number | null => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : null);

/** What a record that cannot be a row is: counted and logged with the job, never stored. */
export type Skip = 'short' | 'no-call-id' | 'no-file-name';

const CALL_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function toLeg(f: readonly string[], ctx: RowContext): LegRow | Skip {
  if (f.length < CALL_MIN_COLUMNS) return 'short';
  const c = CALL_COLUMNS;
  const callId = f[c.callId] ?? '';
  if (!CALL_ID.test(callId)) return 'no-call-id';
  const time = (i: number) => (f[i] ? (fromWallClock(f[i]!, ctx.timeZone) ?? null) : null);
  const num = Number(f[c.callIdNum]);
  const vdnId = id(f[c.vdnId]);
  return {
    callId,
    callIdNum: Number.isInteger(num) ? num : -1,
    ccId: text(f[c.ccId]),
    agentId: text(f[c.agentId]),
    callerNo: text(f[c.callerNo]),
    calleeNo: text(f[c.calleeNo]),
    waitBegin: time(c.waitBegin),
    waitEnd: time(c.waitEnd),
    ackBegin: time(c.ackBegin),
    ackEnd: time(c.ackEnd),
    begin: time(c.callBegin),
    end: time(c.callEnd),
    deviceType: text(f[c.deviceType], 16),
    deviceNo: text(f[c.deviceNo], 32),
    callType: text(f[c.callType], 16),
    releaseCause: text(f[c.releaseCause], 16),
    vdnId,
    visible: inVdns(ctx.tenant, vdnId),
  };
}

export function toRecording(f: readonly string[], ctx: RowContext): RecordingRow | Skip {
  if (f.length < RECORD_MIN_COLUMNS) return 'short';
  const c = RECORD_COLUMNS;
  const callId = f[c.callId] ?? '';
  if (!CALL_ID.test(callId)) return 'no-call-id';
  const original = f[c.originalFileName] ?? '';
  const fileName = f[c.fileName] || original;
  if (original === '' || fileName.length > 512 || original.length > 512) return 'no-file-name';
  const time = (i: number) => (f[i] ? (fromWallClock(f[i]!, ctx.timeZone) ?? null) : null);
  const vdnId = id(f[c.vdnId]);
  return {
    fileName,
    callId,
    ccId: text(f[c.ccId]),
    agentId: text(f[c.agentId]),
    callerNo: text(f[c.callerNo]),
    calleeNo: text(f[c.calleeNo]),
    begin: time(c.callBegin),
    end: time(c.callEnd),
    originalFileName: original,
    vdnId,
    callType: text(f[c.callType], 16),
    mediaType: text(f[c.mediaType], 16),
    visible: recordingInside(ctx.tenant, { originalFileName: original, vdnId }),
  };
}
