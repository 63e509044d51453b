/**
 * What the routes ask of the index (contract 6): searches, one call, the status and backfill, the
 * vendor's callback. A database that cannot answer is UPSTREAM_UNAVAILABLE (503 with Retry-After)
 * here, so that only the index routes fail with it.
 */
import type { CallDetail, CallFilter, CallSummary } from '../db/port.js';
import type { ReceivedRequest } from '../upstream/ports.js';
import type { CallbackAnswer, IndexStatus } from './ingestion.js';

export type { CallDetail, CallFilter, CallSummary } from '../db/port.js';
export type { CallbackAnswer, IndexStatus } from './ingestion.js';

/** A tenant's index settings, as the routes need them. */
export interface IndexedTenant {
  timeZone: string;
  maskNumbers: boolean;
}

export interface CallIndex {
  /** The tenant's index settings, or undefined when its index is off. */
  tenant(tenantId: string): IndexedTenant | undefined;
  maxSearchDays: number;
  maxBackfillDays: number;
  /** Key sealing search cursors. */
  cursorKey: Buffer;
  search(filter: CallFilter): Promise<CallSummary[]>;
  call(tenantId: string, callId: string, vdnIds: readonly number[]): Promise<CallDetail | undefined>;
  /** The recordings indexed for a call, visible or not; undefined when the tenant's index is off. */
  recordingsOf(
    tenantId: string,
    callId: string,
  ): Promise<Array<{ originalFileName: string; vdnId: number | null }> | undefined>;
  status(tenantId: string): Promise<IndexStatus>;
  backfill(tenantId: string, from: number, to: number): Promise<{ id: string; windows: number }>;
  callback(jobId: string, token: string, req: ReceivedRequest): Promise<CallbackAnswer>;
  /** Whether the database answers, for readiness details. */
  ping(): Promise<boolean>;
}

export { BILL_CALLBACK_SUCCESS } from '../protocol/cdr.js';
