/**
 * The public contract of every route in one place: its method and path, the scope it needs, the
 * zod schemas that validate each request (query, path parameters, JSON bodies) and what the
 * OpenAPI document says about it. Routes are mounted from these entries (http/mount.ts) and
 * `openapi.ts` is generated from them, so neither can drift from the declaration.
 * Path rules, VDN ownership and the WAV format are checked after the schema (403, 415, 422).
 */
import { z } from 'zod';
import { SCOPES, type Scope } from '../domain/principal.js';
import {
  backfillAnswer,
  backfillBody,
  callbackParams,
  callDetail,
  callPage,
  indexStatus,
  searchCallsQuery,
} from './calls.js';

const CC_ID = z
  .string()
  .regex(/^[0-9]{1,10}$/, 'ccId must be 1 to 10 digits')
  .meta({ description: 'CC id sent to CC-FS; the tenant default when absent', examples: ['1'] });
const CALL_ID = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,25}$/, 'callId must be 1 to 25 characters of [A-Za-z0-9._-]')
  .meta({ description: 'the call id of the recording index', examples: ['1777093663-792075'] });
const VDN_ID = z
  .string()
  .regex(/^[0-9]{1,9}$/, 'vdnId must be a number')
  .meta({ description: "one of the tenant's VDNs; may be left out when it has exactly one", examples: ['53'] });
/** A vendor path: its shape is checked by the tenant's path rules (403), not here. */
const path = (description: string, example: string) =>
  z
    .string()
    .min(1, 'must not be empty')
    .meta({ description, examples: [example] });

const RECORDING_NAME = path(
  'original_file_name of the recording index, backslashes accepted; at most 225 characters (403 beyond)',
  'Y:/53/0/20261125/1001/4411223.V3',
);

export const playbackBody = z.strictObject({ fileName: RECORDING_NAME });

/** The vendor's envelope around each native operation's own fields (contract 3.7). */
const envelope = <S extends z.ZodRawShape>(msgBody: S) =>
  z.strictObject({
    request: z.strictObject({ version: z.literal('2.0').meta({ description: 'the only version CC-FS accepts' }) }),
    msgBody: z.strictObject(msgBody),
  });

export const NATIVE = {
  downloadRecord: envelope({
    fileName: RECORDING_NAME.optional(),
    callId: CALL_ID.optional(),
    ccId: CC_ID.optional(),
  }).meta({ examples: [{ request: { version: '2.0' }, msgBody: { fileName: 'Y:/53/0/20261125/1001/4411223.V3' } }] }),
  requestPlayVoice: envelope({ fileName: RECORDING_NAME }).meta({
    examples: [{ request: { version: '2.0' }, msgBody: { fileName: 'Y:/53/0/20261125/1001/4411223.V3' } }],
  }),
  'ivr/downloadFile': envelope({
    filePath: path(
      "a file, or with mode 1 a folder holding exactly one file, under the tenant's ivrDownload rule",
      'Y:/voice/53/IVRrecordFile/welcome.wav',
    ),
    mode: z
      .union([z.literal(0), z.literal(1), z.enum(['0', '1'])])
      .optional()
      .meta({ description: '1: filePath is a folder holding exactly one file' }),
  }).meta({
    examples: [{ request: { version: '2.0' }, msgBody: { filePath: 'Y:/voice/53/IVRrecordFile/welcome.wav' } }],
  }),
  'ivr/uploadFile': envelope({
    data: z
      .string()
      .min(1, 'must not be empty')
      .meta({ description: 'base64 of a WAV: 8 bit, 8000 Hz, mono, A-law or mu-law' }),
  }).meta({ examples: [{ request: { version: '2.0' }, msgBody: { data: 'UklGRi4AAABXQVZF...' } }] }),
} as const;
export type NativeOperation = keyof typeof NATIVE;
export const NATIVE_OPERATIONS = Object.keys(NATIVE) as NativeOperation[];

/** What a route answers with, for the document. */
export type Answer =
  | 'file'
  | 'playback'
  | 'created-playback'
  | 'created-upload'
  | 'native'
  | 'health'
  | 'ready'
  | 'ready-details'
  | 'metrics'
  | 'openapi'
  | 'json'
  | 'callback';

export interface RouteContract {
  method: 'get' | 'post';
  /** OpenAPI form: `{name}` for a path parameter. */
  path: string;
  operationId: string;
  tag: 'Recordings' | 'Playback' | 'IVR files' | 'Native CC-FS' | 'Agent recordings' | 'Calls' | 'Index' | 'Operations';
  summary: string;
  description?: string;
  /** The scope a token needs, enforced by the route's mount (http/mount.ts); undefined: no token (the playback URL, health). */
  scope?: Scope;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** A JSON body, or `wav` for a raw upload. */
  body?: z.ZodType | 'wav';
  answer: Answer;
  /** For `json` answers: the status, its schema and what it means. */
  answers?: { status: number; schema: z.ZodType; description: string };
  errors: number[];
}

const DOWNLOAD_ERRORS = [400, 401, 403, 404, 416, 429, 502, 503, 504];

/** The four native operations as paths of their own, each with its envelope schema. */
export const NATIVE_ROUTES = Object.fromEntries(
  NATIVE_OPERATIONS.map((op) => [
    `native.${op}`,
    {
      method: 'post',
      path: `/v1/ccfs/${op}`,
      operationId: `native${op
        .split('/')
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join('')}`,
      tag: 'Native CC-FS',
      summary: `The vendor's ${op}, signed for the tenant (3.7)`,
      description:
        "The body is the vendor's envelope. Paths get the tenant's rules; the vendor's answer " +
        '(a file, or its JSON with a business code) comes back as it came.',
      scope: SCOPES.ccfsNative,
      query: op === 'ivr/uploadFile' ? z.strictObject({ vdnId: VDN_ID.optional() }) : z.strictObject({}),
      body: NATIVE[op],
      answer: 'native',
      errors: [400, 401, 403, 413, 415, 422, 429, 502, 503, 504],
    } satisfies RouteContract,
  ]),
) as unknown as Record<`native.${NativeOperation}`, RouteContract>;

export const ROUTES = {
  getRecording: {
    method: 'get',
    path: '/v1/recordings',
    operationId: 'getRecording',
    tag: 'Recordings',
    summary: 'One call recording by its file name (3.1)',
    scope: SCOPES.recordingsRead,
    query: z.strictObject({ fileName: RECORDING_NAME, ccId: CC_ID.optional() }),
    answer: 'file',
    errors: DOWNLOAD_ERRORS,
  },
  getCallRecordings: {
    method: 'get',
    path: '/v1/calls/{callId}/recordings',
    operationId: 'getCallRecordings',
    tag: 'Recordings',
    summary: 'Every recording of one call: one WAV, or a zip of several (3.2)',
    scope: SCOPES.recordingsRead,
    params: z.strictObject({ callId: CALL_ID }),
    query: z.strictObject({ ccId: CC_ID.optional() }),
    answer: 'file',
    errors: DOWNLOAD_ERRORS,
  },
  createPlayback: {
    method: 'post',
    path: '/v1/recordings/playback',
    operationId: 'createPlayback',
    tag: 'Playback',
    summary: 'A playback URL for an <audio> element (3.3)',
    description:
      'The URL needs no token: it is the credential, valid until expiresAt (29 minutes), for this tenant only.',
    scope: SCOPES.recordingsRead,
    query: z.strictObject({}),
    body: playbackBody.meta({ examples: [{ fileName: 'Y:/53/0/20261125/1001/4411223.V3' }] }),
    answer: 'created-playback',
    errors: [400, 401, 403, 404, 413, 415, 429, 502, 503, 504],
  },
  streamPlayback: {
    method: 'get',
    path: '/v1/recordings/playback/{playbackId}',
    operationId: 'streamPlayback',
    tag: 'Playback',
    summary: 'Stream a recording for playback, inline, with byte ranges for seeking (3.4)',
    description: 'No Authorization: the id is the credential. Limited per id and per tenant, apart from the API.',
    params: z.strictObject({ playbackId: z.string().min(1).meta({ description: 'from createPlayback' }) }),
    query: z.strictObject({
      format: z.enum(['pcm16']).optional().meta({
        description:
          'pcm16: the same recording decoded to 16-bit linear PCM, for players that cannot decode A-law or mu-law',
      }),
    }),
    answer: 'playback',
    errors: [404, 416, 429, 502, 503, 504],
  },
  getIvrFile: {
    method: 'get',
    path: '/v1/ivr-files',
    operationId: 'getIvrFile',
    tag: 'IVR files',
    summary: 'An IVR or third-party file by path, or the one file in a folder (3.5)',
    description: 'Give exactly one of path and dir. Paths may be up to 259 characters.',
    scope: SCOPES.ivrFilesRead,
    query: z.strictObject({
      path: path('a full file path', 'Y:/voice/53/IVRrecordFile/welcome.wav').optional(),
      dir: path('a folder holding exactly one file', 'Y:/3rdfile/53/thirdvoicebotfile/greeting').optional(),
    }),
    answer: 'file',
    errors: DOWNLOAD_ERRORS,
  },
  uploadIvrFile: {
    method: 'post',
    path: '/v1/ivr-files',
    operationId: 'uploadIvrFile',
    tag: 'IVR files',
    summary: 'Upload a WAV as a third-party file (3.6)',
    description:
      'The raw WAV is the body: 8 bit, 8000 Hz, mono, A-law or mu-law. Refused with 413 from Content-Length ' +
      'before the body is read (or as soon as a chunked body passes the limit), 415 when not a WAV, ' +
      '422 naming every format field that is off. Never retried.',
    scope: SCOPES.ivrFilesWrite,
    query: z.strictObject({ vdnId: VDN_ID.optional() }),
    body: 'wav',
    answer: 'created-upload',
    errors: [400, 401, 403, 413, 415, 422, 429, 502, 503, 504],
  },
  ...(NATIVE_ROUTES as Record<`native.${NativeOperation}`, RouteContract>),
  getAgentRecording: {
    method: 'get',
    path: '/v1/agent-recordings',
    operationId: 'getAgentRecording',
    tag: 'Agent recordings',
    summary: "A recording through the CC-Gateway, as one of the tenant's agents (3.8)",
    scope: SCOPES.agentRecordingsRead,
    query: z.strictObject({
      recordId: path('the recording path, up to 259 characters', 'Y:/53/0/20261125/1001/4411223.V3'),
      fileType: z
        .enum(['1', '2'])
        .optional()
        .meta({ description: '1 agent call recording (default), 2 voice message' }),
      locationId: z
        .string()
        .regex(/^[0-9]{1,10}$/, 'locationId must be 1 to 10 digits')
        .optional()
        .meta({ description: 'node id, mandatory in CTI POOL mode' }),
    }),
    answer: 'file',
    errors: DOWNLOAD_ERRORS,
  },
  searchCalls: {
    method: 'get',
    path: '/v1/calls',
    operationId: 'searchCalls',
    tag: 'Calls',
    summary: "Search the tenant's calls in the index, newest first (6.2)",
    description:
      'Filters combine with AND; numbers match on their digits. Follow `next` until it is null to list every ' +
      'match once. 404 when the tenant has no index; 503 with Retry-After when the index database is away.',
    scope: SCOPES.callsRead,
    query: searchCallsQuery,
    answer: 'json',
    answers: { status: 200, schema: callPage, description: 'one page of calls, each with its recordings' },
    errors: [400, 401, 403, 404, 429, 503],
  },
  getCall: {
    method: 'get',
    path: '/v1/calls/{callId}',
    operationId: 'getCall',
    tag: 'Calls',
    summary: 'One call of the index: its legs and all its recordings (6.3)',
    scope: SCOPES.callsRead,
    params: z.strictObject({ callId: CALL_ID }),
    query: z.strictObject({}),
    answer: 'json',
    answers: { status: 200, schema: callDetail, description: 'the call' },
    errors: [400, 401, 403, 404, 429, 503],
  },
  getIndexStatus: {
    method: 'get',
    path: '/v1/index/status',
    operationId: 'getIndexStatus',
    tag: 'Index',
    summary: "The tenant's ingestion: newest window, lag, rows held, jobs in flight, last error (6.4)",
    scope: SCOPES.indexAdmin,
    query: z.strictObject({}),
    answer: 'json',
    answers: { status: 200, schema: indexStatus, description: 'the state' },
    errors: [401, 403, 429, 503],
  },
  backfillIndex: {
    method: 'post',
    path: '/v1/index/backfill',
    operationId: 'backfillIndex',
    tag: 'Index',
    summary: 'Ingest an earlier period, behind the schedule (6.4)',
    scope: SCOPES.indexAdmin,
    query: z.strictObject({}),
    body: backfillBody,
    answer: 'json',
    answers: { status: 202, schema: backfillAnswer, description: 'queued: its id and how many vendor windows' },
    errors: [400, 401, 403, 404, 413, 415, 429, 503],
  },
  billCallback: {
    method: 'post',
    path: '/callbacks/ccfs/bill/{jobId}/{token}',
    operationId: 'billCallback',
    tag: 'Index',
    summary: "CC-FS's callback when a bill file is ready (6.5): not for apps",
    description:
      'No JWT: the path token is the credential, the content must match the job, and the auth-v2 signature is ' +
      'checked as index.callbackSignature says. At most 16 KiB.',
    params: callbackParams,
    query: z.strictObject({}),
    answer: 'callback',
    errors: [400, 404, 413, 429],
  },
  getHealth: {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'Operations',
    summary: 'Alive',
    answer: 'health',
    errors: [],
  },
  getReadiness: {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tag: 'Operations',
    summary: "This instance ready or not: config loaded, upload spool writable, not draining (never a vendor's state)",
    answer: 'ready',
    errors: [],
  },
  getReadinessDetails: {
    method: 'get',
    path: '/readyz/details',
    operationId: 'getReadinessDetails',
    tag: 'Operations',
    summary:
      "Every check: the instance's own, and the vendors, breakers, JWKS issuers, agent sessions and store (degraded: ready, a dependency not)",
    scope: SCOPES.opsRead,
    answer: 'ready-details',
    errors: [401, 403, 429],
  },
  getMetrics: {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (the internal listener serves them without a token)',
    scope: SCOPES.opsRead,
    answer: 'metrics',
    errors: [401, 403, 429],
  },
  getOpenApi: {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    tag: 'Operations',
    summary: 'This document',
    answer: 'openapi',
    errors: [],
  },
} as const satisfies Record<string, RouteContract>;

/** The Express form of a contract path: `{name}` becomes `:name`. */
export const expressPath = (route: { path: string }): string => route.path.replace(/\{(\w+)\}/g, ':$1');
