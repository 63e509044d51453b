/**
 * The CDR and recording-index flow of CC-FS (cdr-index reference, sections 2 to 5): operation
 * paths, name shapes and the positional CSV columns. Constants only, shared with the simulator.
 */

export const BILL_OPERATIONS = {
  queryBillData: 'queryBillData',
  downloadBillFile: 'downloadBillFile',
} as const;

/** Extra codes of this flow (cdr-index 7.1). */
export const BILL_CODES = {
  /** beginTime later than endTime. */
  endBeforeBegin: '0300013',
} as const;

/** `yyyyMMdd_{32 hex}.zip`, at most 49 characters (cdr-index 3.2, 4). */
export const BILL_FILE_NAME = /^\d{8}_[0-9a-fA-F]{32}\.zip$/;
export const BILL_FILE_NAME_MAX = 49;

/** The vendor's largest window, 3 days (inferred bound; one second less in case it is exclusive). */
export const BILL_WINDOW_MAX_MS = 72 * 3600_000 - 1000;

/** Zip entries: 17-digit timestamp + 3 random digits, the kind, an optional sequence (cdr-index 5.1). */
export const BILL_ENTRY_NAME = /^\d{20}_(call|record)(?:_(\d+))?\.csv$/;

/** `yyyy-MM-dd HH:mm:ss`, the wall-clock form of every time in the flow. */
export const BILL_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Recording index columns by position, 0-based (cdr-index 5.2); columns 14-18 came in 22.100.0. */
export const RECORD_COLUMNS = {
  developer: 0,
  accountId: 1,
  ccId: 2,
  agentId: 3,
  callId: 4,
  callerNo: 5,
  calleeNo: 6,
  callBegin: 7,
  callEnd: 8,
  fileName: 9,
  taskStatus: 10,
  taskResult: 11,
  originalFileName: 12,
  vdnId: 13,
  callType: 14,
  mediaType: 15,
  userWantedSkillId: 16,
  currentSkillId: 17,
} as const;
/** The oldest sites emit 13 columns. */
export const RECORD_MIN_COLUMNS = 13;

/** CDR columns by position, 0-based (cdr-index 5.3); later versions append, never reorder. */
export const CALL_COLUMNS = {
  developer: 0,
  accountId: 1,
  ccId: 2,
  agentId: 3,
  callId: 4,
  callerNo: 5,
  calleeNo: 6,
  waitBegin: 7,
  waitEnd: 8,
  ackBegin: 9,
  ackEnd: 10,
  callBegin: 11,
  callEnd: 12,
  deviceType: 13,
  deviceNo: 14,
  callType: 15,
  releaseCause: 16,
  callIdNum: 17,
  vdnId: 18,
} as const;
export const CALL_MIN_COLUMNS = 18;

/** The callback CC-FS posts (cdr-index 3.1); the prose also calls the file field `billName`. */
export interface BillCallbackBody {
  request?: { version?: string };
  msgBody?: { responseId?: unknown; billFileName?: unknown; billName?: unknown; accountId?: unknown };
}

/** What the callback receiver answers on success (cdr-index 3.3). */
export const BILL_CALLBACK_SUCCESS =
  '{"resultCode":"0","resultDesc":"success","response":{"version":"2.0","resultCode":"0","resultMsg":"success"}}';
