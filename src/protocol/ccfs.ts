/**
 * CC-FS wire contract, restated from the vendor reference (cc-protocol.md sections 1 and 3).
 * Types and constants only: no logic lives here, so the simulator may import it too.
 */

/** Base path of every CC-FS operation (cc-protocol 3.1). */
export const CCFS_BASE_PATH = '/CCFS/resource/ccfs';

/** The operations this gateway calls, as path suffixes below {@link CCFS_BASE_PATH}. */
export const CCFS_OPERATIONS = {
  downloadRecord: 'downloadRecord',
  requestPlayVoice: 'requestPlayVoice',
  playVoice: 'playVoice',
  ivrDownloadFile: 'ivr/downloadFile',
  ivrUploadFile: 'ivr/uploadFile',
} as const;
export type CcfsOperationPath = (typeof CCFS_OPERATIONS)[keyof typeof CCFS_OPERATIONS];

/** The only envelope version CC-FS accepts (cc-protocol 3.1). */
export const CCFS_ENVELOPE_VERSION = '2.0';

/** Content type sent (and signed) with every CC-FS JSON request (cc-protocol 1.4 step 8). */
export const CCFS_REQUEST_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Content type of binary success bodies, mixed case as the vendor writes it (cc-protocol 3.1). */
export const CCFS_BINARY_CONTENT_TYPE = 'Application/Octet-stream;charset=UTF-8';

/** The playVoice token lifetime (cc-protocol 3.5). */
export const CCFS_PLAY_TOKEN_TTL_MS = 30 * 60 * 1000;

export interface CcfsEnvelope<B> {
  request: { version: string };
  msgBody: B;
}

export interface DownloadRecordBody {
  fileName?: string;
  callId?: string;
  ccId?: string;
}

export interface RequestPlayVoiceBody {
  fileName: string;
}

export interface IvrDownloadFileBody {
  filePath: string;
  /** 1 = `filePath` is a directory holding exactly one file; the vendor's sample sends it as a string. */
  mode?: number | string;
}

export interface IvrUploadFileBody {
  /** Base64 of the whole WAV file. */
  data: string;
}

/** The JSON result envelope of every CC-FS answer that is not a file (cc-protocol 3.1). */
export interface CcfsResult<D = unknown> {
  resultCode: string;
  resultDesc: string;
  resultData: D | '' | null;
  response?: { version: string; resultCode: string; resultMsg: string };
}

export interface PlayVoiceTokenData {
  token: string;
}

export interface UploadFileData {
  fileName: string;
  locationId?: string | number | Array<string | number>;
}

/**
 * Field limits from the operation pages (cc-protocol 3.2, 3.5): `fileName` String(1-225), `callId`
 * String(1-25). `ivr/downloadFile` documents none for `filePath` (3.7): the file server's own, a
 * Windows path of at most 259 characters (MAX_PATH less the terminating NUL).
 */
export const CCFS_LIMITS = {
  fileNameMax: 225,
  callIdMax: 25,
  filePathMax: 259,
} as const;

/** Result codes (cc-protocol 3.10). Business errors travel with HTTP 200. */
export const CCFS_CODES = {
  success: '0',
  paramNull: '0300001',
  paramEmpty: '0300002',
  paramTooLong: '0300003',
  paramBadFormat: '0300004',
  paramTooShort: '0300005',
  badVersion: '0300006',
  bodyMissing: '0300007',
  downloadFlowControl: '0300008',
  queryFlowControl: '0300009',
  badDateSegment: '0300010',
  fileNotExist: '0300011',
  noDataFound: '0300012',
  playTokenEmpty: '010106',
  /** INFERRED: the vendor documents only 010106; the simulator uses this for an unknown or expired token. */
  playTokenInvalid: '010107',
} as const;

/** Our own paraphrase of each known code: what the gateway may repeat to a caller. */
export const CCFS_CODE_MEANINGS: Readonly<Record<string, string>> = {
  '0300001': 'a parameter is null',
  '0300002': 'a parameter is an empty string',
  '0300003': 'a parameter is too long',
  '0300004': 'a parameter is badly formatted',
  '0300005': 'a parameter is too short',
  '0300006': 'wrong envelope version',
  '0300007': 'request body parameters missing',
  '0300008': 'download flow control threshold reached',
  '0300009': 'query flow control threshold reached',
  '0300010': 'bad date segment in the file name',
  '0300011': 'file does not exist',
  '0300012': 'no data found',
  '010106': 'playback token is empty',
  '010107': 'playback token is invalid or expired',
};
