/**
 * CC-FS client: builds the vendor envelope, signs it (auth-v2, cc-protocol 1), sends it through
 * the tenant's pool, and tells a file answer from a JSON error answer by the bytes themselves,
 * since playVoice sends its errors as octet-stream (cc-protocol 3.6, 5.8).
 */
import { timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import {
  CCFS_BASE_PATH,
  CCFS_ENVELOPE_VERSION,
  CCFS_OPERATIONS,
  CCFS_PLAY_TOKEN_TTL_MS,
  CCFS_REQUEST_CONTENT_TYPE,
  type CcfsResult,
  type PlayVoiceTokenData,
  type UploadFileData,
} from '../protocol/ccfs.js';
import { BILL_OPERATIONS } from '../protocol/cdr.js';
import { sniffAnswer } from './body.js';
import type { BillFiles, CcfsClient, UpstreamFile } from './ports.js';
import { authorization, createStreamingSigner, formatTimestamp } from './signing/auth-v2.js';
import { toUpstreamError, type UpstreamEndpoint } from './transport.js';
import { type StreamedBody, uploadFileBody } from './upload-body.js';
import { ccfsResultError, malformedAnswer, readAnswer, refuseNon200 } from './vendor-errors.js';

/** Runs a vendor call through the tenant's breakers (and retries, for reads). */
export type Guarded = <T>(
  operation: string,
  attempt: () => Promise<T>,
  opts?: { retry?: boolean; signal?: AbortSignal },
) => Promise<T>;

export interface CcfsTenant {
  id: string;
  ak: string;
  sk: string;
  endpoint: UpstreamEndpoint;
  guarded: Guarded;
}

export interface CcfsClientDeps {
  tenants: ReadonlyMap<string, CcfsTenant>;
  now: () => number;
  logger: Logger;
}

/** How every CC-FS envelope begins (cc-protocol 3). */
const VENDOR_ENVELOPE = /^\s*\{\s*"(resultCode|resultDesc|resultData|response)"/;

/** A JSON error body is small; anything bigger that starts with `{` is treated as a file. */
const MAX_JSON_ANSWER = 64 * 1024;

type ResponseData = Dispatcher.ResponseData;

/**
 * One signed CC-FS POST: the headers sent are exactly the headers signed (cc-protocol 5.3).
 * A streamed body is read once here to sign it; the caller reads it again to send it.
 */
export async function signedCcfsPost(
  t: CcfsTenant,
  operation: string,
  query: Record<string, string> | undefined,
  body: string | StreamedBody,
  atMs: number,
): Promise<{ url: string; headers: Record<string, string> }> {
  const path = `${CCFS_BASE_PATH}/${operation}`;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const headers = {
    host: t.endpoint.host,
    'content-type': CCFS_REQUEST_CONTENT_TYPE,
    'content-length': String(length),
  };
  const req = {
    ak: t.ak,
    timestamp: formatTimestamp(atMs),
    method: 'POST',
    path,
    ...(query ? { query } : {}),
    headers,
  };
  const url = query ? `${path}?${new URLSearchParams(query).toString()}` : path;
  if (typeof body === 'string')
    return { url, headers: { ...headers, authorization: authorization({ ...req, body }, t.sk) } };
  const signer = createStreamingSigner(req, t.sk);
  for await (const piece of body.pieces()) signer.update(piece);
  return { url, headers: { ...headers, authorization: signer.finish() } };
}

/** A signed CC-FS POST sent: a streamed body is read a second time as it goes. */
export async function sendCcfsPost(
  t: CcfsTenant,
  operation: string,
  query: Record<string, string> | undefined,
  body: string | StreamedBody,
  atMs: number,
  signal: AbortSignal,
): Promise<ResponseData> {
  const { url, headers } = await signedCcfsPost(t, operation, query, body, atMs);
  return t.endpoint.request(t.id, {
    method: 'POST',
    path: url,
    headers,
    body: typeof body === 'string' ? body : Readable.from(body.pieces()),
    signal,
  });
}

export function createCcfsClient({ tenants, now, logger }: CcfsClientDeps): CcfsClient & BillFiles {
  const tenant = (id: string): CcfsTenant => {
    const t = tenants.get(id);
    if (!t) throw new Error(`no CC-FS credentials for tenant ${id}`);
    return t;
  };

  const send = (t: CcfsTenant, opts: Omit<Dispatcher.RequestOptions, 'origin'>): Promise<ResponseData> =>
    t.endpoint.request(t.id, opts);

  const post = (
    tenantId: string,
    operation: string,
    body: string | StreamedBody,
    signal: AbortSignal,
    query?: Record<string, string>,
  ): Promise<ResponseData> => sendCcfsPost(tenant(tenantId), operation, query, body, now(), signal);

  /** A read: retried when it failed before anything was returned to the route. */
  const read = <T>(tenantId: string, operation: string, signal: AbortSignal, attempt: () => Promise<T>): Promise<T> =>
    tenant(tenantId).guarded(operation, attempt, { retry: true, signal });

  const envelope = (msgBody: object) => JSON.stringify({ request: { version: CCFS_ENVELOPE_VERSION }, msgBody });

  function resultOf(buf: Buffer): CcfsResult | undefined {
    try {
      const parsed: unknown = JSON.parse(buf.toString('utf8'));
      if (parsed && typeof parsed === 'object' && typeof (parsed as CcfsResult).resultCode === 'string')
        return parsed as CcfsResult;
    } catch {
      /* not JSON */
    }
    return undefined;
  }

  async function fileAnswer(res: ResponseData, operation: string, signal: AbortSignal): Promise<UpstreamFile> {
    refuseNon200(res, 'ccfs', operation, logger);
    try {
      const answer = await sniffAnswer(res, MAX_JSON_ANSWER);
      if (answer.json) {
        const result = resultOf(answer.json);
        if (result)
          throw result.resultCode === '0'
            ? malformedAnswer('ccfs', operation)
            : ccfsResultError(result.resultCode, operation);
        // playVoice sends its errors as octet-stream: a body that opens like the vendor's envelope
        // but does not parse is that envelope, broken, and never a file to hand on as one.
        if (answer.declaredJson || VENDOR_ENVELOPE.test(answer.json.subarray(0, 64).toString('latin1')))
          throw malformedAnswer('ccfs', operation);
      }
      return answer.file;
    } catch (err) {
      res.body.destroy();
      throw toUpstreamError(err, 'ccfs', signal);
    }
  }

  async function jsonAnswer<D>(res: ResponseData, operation: string, signal: AbortSignal): Promise<D> {
    refuseNon200(res, 'ccfs', operation, logger);
    const buf = await readAnswer(res.body, MAX_JSON_ANSWER, 'ccfs', operation, signal);
    const result = resultOf(buf);
    if (!result) throw malformedAnswer('ccfs', operation);
    if (result.resultCode !== '0') throw ccfsResultError(result.resultCode, operation);
    return result.resultData as D;
  }

  return {
    async queryBillData(tenantId, query, signal) {
      const msgBody = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
      const data = await tenant(tenantId).guarded(
        BILL_OPERATIONS.queryBillData,
        async () =>
          jsonAnswer<{ responseId?: unknown } | null>(
            await post(tenantId, BILL_OPERATIONS.queryBillData, envelope(msgBody), signal),
            BILL_OPERATIONS.queryBillData,
            signal,
          ),
        { signal },
      );
      const id = data?.responseId;
      if (typeof id !== 'string' || !/^[0-9a-fA-F-]{32,36}$/.test(id) || id.replace(/-/g, '').length !== 32)
        throw malformedAnswer('ccfs', BILL_OPERATIONS.queryBillData);
      return { responseId: id };
    },

    verifyCallback(tenantId, req) {
      const given = req.headers.authorization;
      if (typeof given !== 'string' || given === '') return 'missing';
      const t = tenant(tenantId);
      const parts = given.split('/');
      if (parts.length !== 5 || parts[0] !== 'auth-v2' || parts[1] !== t.ak) return 'invalid';
      const headers: Record<string, string> = {};
      for (const name of parts[3]!.split(';')) {
        const v = req.headers[name];
        if (typeof v !== 'string' || name === '' || name !== name.toLowerCase()) return 'invalid';
        headers[name] = v;
      }
      const body = req.body.toString('utf8');
      if (!Buffer.from(body, 'utf8').equals(req.body)) return 'invalid';
      const expected = Buffer.from(
        authorization({ ak: t.ak, timestamp: parts[2]!, method: req.method, path: req.path, headers, body }, t.sk),
      );
      const received = Buffer.from(given);
      return expected.length === received.length && timingSafeEqual(expected, received) ? 'valid' : 'invalid';
    },

    downloadBillFile(tenantId, billFileName, signal) {
      return read(tenantId, BILL_OPERATIONS.downloadBillFile, signal, async () =>
        fileAnswer(
          await post(tenantId, BILL_OPERATIONS.downloadBillFile, envelope({ billFileName }), signal),
          BILL_OPERATIONS.downloadBillFile,
          signal,
        ),
      );
    },

    downloadRecord(tenantId, query, signal) {
      const msgBody = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
      return read(tenantId, 'downloadRecord', signal, async () =>
        fileAnswer(
          await post(tenantId, CCFS_OPERATIONS.downloadRecord, envelope(msgBody), signal),
          'downloadRecord',
          signal,
        ),
      );
    },

    async requestPlayVoice(tenantId, fileName, signal) {
      // Taken before the vendor call: the vendor's 30 minutes start no earlier than this.
      const requestedAt = now();
      const data = await read(tenantId, 'requestPlayVoice', signal, async () =>
        jsonAnswer<PlayVoiceTokenData | null>(
          await post(tenantId, CCFS_OPERATIONS.requestPlayVoice, envelope({ fileName }), signal),
          'requestPlayVoice',
          signal,
        ),
      );
      if (!data || typeof data.token !== 'string' || data.token === '' || data.token.length > 512)
        throw malformedAnswer('ccfs', 'requestPlayVoice');
      return { token: data.token, expiresAtMs: requestedAt + CCFS_PLAY_TOKEN_TTL_MS };
    },

    playVoice(tenantId, token, signal) {
      // The vendor lists no Authorization for playVoice: the token is the credential (cc-protocol 3.6).
      const t = tenant(tenantId);
      return read(tenantId, 'playVoice', signal, async () => {
        const qs = new URLSearchParams({ t: String(now()), version: CCFS_ENVELOPE_VERSION, st: token }).toString();
        const res = await send(t, {
          method: 'GET',
          path: `${CCFS_BASE_PATH}/${CCFS_OPERATIONS.playVoice}?${qs}`,
          headers: { host: t.endpoint.host },
          signal,
        });
        return fileAnswer(res, 'playVoice', signal);
      });
    },

    ivrDownloadFile(tenantId, { filePath, directory }, signal) {
      const msgBody = directory ? { filePath, mode: 1 } : { filePath };
      return read(tenantId, 'ivr/downloadFile', signal, async () =>
        fileAnswer(
          await post(tenantId, CCFS_OPERATIONS.ivrDownloadFile, envelope(msgBody), signal),
          'ivr/downloadFile',
          signal,
        ),
      );
    },

    async ivrUploadFile(tenantId, vdnId, file, signal) {
      // Never retried: a second call would store a second file.
      const data = await tenant(tenantId).guarded(
        'ivr/uploadFile',
        async () =>
          jsonAnswer<UploadFileData | null>(
            await post(tenantId, CCFS_OPERATIONS.ivrUploadFile, uploadFileBody(file), signal, { vdnId: String(vdnId) }),
            'ivr/uploadFile',
            signal,
          ),
        { signal },
      );
      if (!data || typeof data.fileName !== 'string' || data.fileName === '')
        throw malformedAnswer('ccfs', 'ivr/uploadFile');
      const ids = data.locationId === undefined || data.locationId === null ? [] : [data.locationId].flat();
      if (!ids.every((id) => (typeof id === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(id)) || Number.isInteger(id)))
        throw malformedAnswer('ccfs', 'ivr/uploadFile');
      return { fileName: data.fileName, locationIds: ids.map(String) };
    },
  };
}
