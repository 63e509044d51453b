/**
 * The index database port: what ingestion, the callback and the search routes ask of the
 * database, whichever engine holds it (the embedded SQLite file for one instance, PostgreSQL for
 * many). Times are epoch milliseconds; every method names its tenant.
 */

/** One CDR row (one leg of a call). */
export interface LegRow {
  callId: string;
  callIdNum: number;
  ccId: string | null;
  agentId: string | null;
  callerNo: string | null;
  calleeNo: string | null;
  waitBegin: number | null;
  waitEnd: number | null;
  ackBegin: number | null;
  ackEnd: number | null;
  begin: number | null;
  end: number | null;
  deviceType: string | null;
  deviceNo: string | null;
  callType: string | null;
  releaseCause: string | null;
  vdnId: number | null;
  /** Inside the tenant's VDNs when ingested. */
  visible: boolean;
}

/** One recording-index row. */
export interface RecordingRow {
  fileName: string;
  callId: string;
  ccId: string | null;
  agentId: string | null;
  callerNo: string | null;
  calleeNo: string | null;
  begin: number | null;
  end: number | null;
  originalFileName: string;
  vdnId: number | null;
  callType: string | null;
  mediaType: string | null;
  /** Inside the tenant's VDNs and its recordings rule when ingested. */
  visible: boolean;
}

export interface CallSummary {
  callId: string;
  ccId: string | null;
  vdnId: number | null;
  agentId: string | null;
  callerNo: string | null;
  calleeNo: string | null;
  begin: number;
  end: number | null;
  callType: string | null;
  recordings: RecordingRow[];
}

export interface CallDetail extends CallSummary {
  legs: LegRow[];
}

export interface CallFilter {
  tenant: string;
  from: number;
  to: number;
  vdnIds: readonly number[];
  callId?: string;
  agentId?: string;
  callerDigits?: string;
  calleeDigits?: string;
  numberDigits?: string;
  vdnId?: number;
  hasRecording?: boolean;
  /** Keyset: calls strictly before this (begin, callId) in the newest-first order. */
  after?: { begin: number; callId: string };
  limit: number;
}

export type JobState = 'queued' | 'requested' | 'ready' | 'downloading' | 'done' | 'failed';
export type JobKind = 'schedule' | 'backfill';

export interface Job {
  id: string;
  tenant: string;
  kind: JobKind;
  /** The backfill request it belongs to, if any. */
  batch: string | null;
  from: number;
  to: number;
  state: JobState;
  responseId: string | null;
  /** sha256 of the callback token, hex: the token itself is never stored. */
  tokenHash: string | null;
  billFileName: string | null;
  requestedAt: number | null;
  attempts: number;
  /** Not before this may the job be worked on again. */
  notBefore: number;
  /** Whoever works on it (`downloading`) until this time. */
  claimedUntil: number | null;
  lastError: string | null;
  rows: number;
  updatedAt: number;
}

export interface TenantState {
  tenant: string;
  /** The end of the newest scheduled window ingested. */
  doneUntil: number | null;
  /** A 401 stopped the tenant until this time. */
  pausedUntil: number | null;
  lastErrorCode: string | null;
  lastErrorAt: number | null;
}

export interface IndexDb {
  /** `sqlite` or `postgres`, for the status and the logs. */
  readonly engine: string;
  /** Runs the migrations not yet applied: once per process, or again after a failure. */
  migrate(): Promise<void>;
  /** Whether the database answers now. */
  ping(): Promise<boolean>;
  /** Refreshes the planner's statistics (after a file is ingested): searches keep their indexes. */
  optimize(): Promise<void>;
  /** Upserts rows and refreshes the calls they belong to; idempotent. */
  upsert(tenant: string, legs: readonly LegRow[], recordings: readonly RecordingRow[]): Promise<void>;
  search(filter: CallFilter): Promise<CallSummary[]>;
  call(tenant: string, callId: string, vdnIds: readonly number[]): Promise<CallDetail | undefined>;
  /** The recordings indexed for a call, visible or not (the call-id read check). */
  recordingsOf(tenant: string, callId: string): Promise<Array<{ originalFileName: string; vdnId: number | null }>>;
  counts(tenant: string): Promise<{ calls: number; recordings: number; legs: number }>;
  /** Deletes the tenant's calls, legs, recordings and finished jobs older than `before`; rows deleted. */
  prune(tenant: string, before: number): Promise<number>;

  /** Takes or renews the tenant's ingestion lease for `holder` until `until`; false when another holds it. */
  lease(tenant: string, holder: string, now: number, until: number): Promise<boolean>;
  releaseLease(tenant: string, holder: string): Promise<void>;

  tenantState(tenant: string): Promise<TenantState>;
  updateTenantState(tenant: string, patch: Partial<Omit<TenantState, 'tenant'>>): Promise<void>;

  insertJobs(jobs: readonly Job[]): Promise<void>;
  job(id: string): Promise<Job | undefined>;
  /** The tenant's jobs not done or failed, oldest window first. */
  openJobs(tenant: string): Promise<Job[]>;
  recentJobs(tenant: string, limit: number): Promise<Job[]>;
  /** Writes `patch` when the job is still in `from` (one of them): whether it was. */
  moveJob(id: string, from: readonly JobState[], patch: Partial<Omit<Job, 'id' | 'tenant'>>): Promise<boolean>;
  close(): Promise<void>;
}
