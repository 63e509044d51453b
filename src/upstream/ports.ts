/**
 * The narrow interfaces routes depend on. Routes never see credentials, pools or vendor URLs:
 * they name a tenant and what they want, and get a file stream or a result back.
 */
import type { Readable } from 'node:stream';

/** A vendor file answer whose first bytes were read to decide what it is. */
export interface UpstreamFile {
  /** From the bytes themselves (contract section 3). */
  contentType: string;
  /** From the vendor's Content-Length, when it gave one. */
  contentLength: number | undefined;
  /** Bytes already read from the body; they come before `rest`. */
  head: Buffer;
  /** The remainder of the body, still streaming; destroying it aborts the vendor request. */
  rest: Readable;
}

/** A file the gateway holds on disk (a spooled upload) and can read as often as it needs. */
export interface FileSource {
  size: number;
  open(): Readable;
}

export interface UploadedFile {
  fileName: string;
  locationIds: string[];
}

export interface CcfsClient {
  downloadRecord(
    tenantId: string,
    query: { fileName?: string; callId?: string; ccId?: string },
    signal: AbortSignal,
  ): Promise<UpstreamFile>;
  /** A vendor playback token, and when the vendor will stop honouring it. */
  requestPlayVoice(
    tenantId: string,
    fileName: string,
    signal: AbortSignal,
  ): Promise<{ token: string; expiresAtMs: number }>;
  playVoice(tenantId: string, token: string, signal: AbortSignal): Promise<UpstreamFile>;
  ivrDownloadFile(
    tenantId: string,
    query: { filePath: string; directory: boolean },
    signal: AbortSignal,
  ): Promise<UpstreamFile>;
  /** Never retried: the vendor stores a new file on every call. */
  ivrUploadFile(tenantId: string, vdnId: number, file: FileSource, signal: AbortSignal): Promise<UploadedFile>;
}

/** The CDR and recording-index flow (cdr-index 2, 4): what ingestion asks of CC-FS. */
export interface BillFiles {
  /** Starts a vendor job; never retried (each call is a new job). */
  queryBillData(
    tenantId: string,
    query: { beginTime: string; endTime: string; callBackURL: string; accountId?: string; dataType?: string },
    signal: AbortSignal,
  ): Promise<{ responseId: string }>;
  /** The job's zip, streaming. */
  downloadBillFile(tenantId: string, billFileName: string, signal: AbortSignal): Promise<UpstreamFile>;
  /**
   * Checks the auth-v2 Authorization a vendor callback carries against the tenant's AK/SK, over
   * the request as it arrived (cdr-index 3.2). No clock check: retries come 10 minutes apart.
   */
  verifyCallback(tenantId: string, req: ReceivedRequest): 'valid' | 'missing' | 'invalid';
}

export interface ReceivedRequest {
  method: string;
  /** The path as received, without the query. */
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/** Contract 3.7: a partner's checked call, forwarded in the vendor's envelope. */
export type NativeCall = {
  tenantId: string;
  /** A CC-FS operation path below the base path, e.g. `ivr/downloadFile`. */
  operation: string;
  query?: Record<string, string>;
} & (
  | {
      /** The checked `msgBody` fields, as they are sent and signed. */
      msgBody: Record<string, unknown>;
    }
  | {
      /** `ivr/uploadFile`: the checked file, sent as `msgBody.data` without being held whole. */
      file: FileSource;
    }
);

/** The vendor's HTTP 200 answer to a pass-through call, still streaming. */
export interface NativeAnswer {
  /** End-to-end headers only: no hop-by-hop header, no cookie. */
  headers: Record<string, string | string[]>;
  /** Destroying it aborts the vendor request. */
  body: Readable;
}

export interface CcfsNative {
  /** Resolves once the vendor's headers arrived; rejects (with a gateway error) before that. */
  forward(call: NativeCall, signal: AbortSignal): Promise<NativeAnswer>;
}

/** Contract 3.8. */
export interface AgentRecordingQuery {
  recordId: string;
  fileType: 1 | 2;
  locationId?: string;
}

export type SessionState = 'signed-out' | 'signing-in' | 'signed-in' | 'refused' | 'stopped';

export interface AgentSessionStatus {
  tenant: string;
  agentId: number;
  state: SessionState;
  signIns: number;
  /** The vendor code of the last refusal or loss, never a credential. */
  lastCode?: string;
  /** On the shared store: whether this instance holds the agent's lease (and polls) or uses the owner's session. */
  role?: 'owner' | 'follower';
}

export interface AgentRecordings {
  download(tenantId: string, query: AgentRecordingQuery, signal: AbortSignal): Promise<UpstreamFile>;
  status(): AgentSessionStatus[];
  /**
   * Stops every poll loop. `handOver`: other instances carry the sessions on (the leases are
   * released, nothing is signed out); otherwise every agent is signed out.
   */
  close(opts?: { handOver: boolean }): Promise<void>;
}
