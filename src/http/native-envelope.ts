/**
 * Contract 3.7: the partner's vendor envelope, checked field by field before anything is
 * forwarded. Paths get the same rules as the gateway's own routes, and an upload the same size
 * and format checks as 3.6, so the vendor never sees what the gateway can refuse itself.
 */
import { invalidRequest } from '../errors/catalogue.js';
import { invalidAudio, notWav, tooLarge } from './upload.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import { inspectWavHeader, lengthProblems, WAV_HEADER_MAX_BYTES } from '../domain/wav-header.js';
import { allowedPath, optionalCcId, requireCallId, requireText } from './validate.js';

/** The envelope version partners send (contract 3.7; the vendor's own, cc-protocol 3.1). */
export const NATIVE_ENVELOPE_VERSION = '2.0';

export const NATIVE_OPERATIONS = ['downloadRecord', 'requestPlayVoice', 'ivr/downloadFile', 'ivr/uploadFile'] as const;
export type NativeOperation = (typeof NATIVE_OPERATIONS)[number];

export const isNativeOperation = (op: string): op is NativeOperation =>
  (NATIVE_OPERATIONS as readonly string[]).includes(op);

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => v !== null && typeof v === 'object' && !Array.isArray(v);

function onlyKeys(obj: Fields, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj))
    if (!allowed.includes(key)) throw invalidRequest(`unknown field "${where}.${key.slice(0, 64)}"`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded size of a base64 upload and the format of its WAV header, from the text alone. */
function checkUploadData(data: unknown, limit: number): void {
  const text = requireText(data, 'msgBody.data');
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw invalidRequest('msgBody.data must be base64');
  const size = (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  if (size > limit) throw tooLarge(limit);
  const headChars = Math.min(text.length, 4 * Math.ceil((WAV_HEADER_MAX_BYTES + 64) / 3));
  const verdict = inspectWavHeader(Buffer.from(text.slice(0, headChars), 'base64'), headChars === text.length);
  if (verdict.kind === 'not-wav') throw notWav('msgBody.data');
  const problems =
    verdict.kind === 'header'
      ? [...verdict.problems, ...lengthProblems(verdict, size)]
      : ['the file ends before its data chunk'];
  if (problems.length > 0) throw invalidAudio(problems);
}

/** Returns the msgBody to send: the partner's fields, with paths in the form that was checked. */
export function nativeMsgBody(tenant: TenantPolicy, operation: NativeOperation, envelope: unknown): Fields {
  if (!isObject(envelope))
    throw invalidRequest('the body must be the vendor envelope {"request":{"version":"2.0"},"msgBody":{...}}');
  onlyKeys(envelope, ['request', 'msgBody'], 'body');
  const { request, msgBody } = envelope;
  if (!isObject(request)) throw invalidRequest('request must be an object');
  onlyKeys(request, ['version'], 'request');
  if (request.version !== NATIVE_ENVELOPE_VERSION)
    throw invalidRequest(`request.version must be "${NATIVE_ENVELOPE_VERSION}"`);
  if (!isObject(msgBody)) throw invalidRequest('msgBody must be an object');
  const out: Fields = {};
  switch (operation) {
    case 'downloadRecord':
      onlyKeys(msgBody, ['fileName', 'callId', 'ccId'], 'msgBody');
      if (msgBody.fileName === undefined && msgBody.callId === undefined)
        throw invalidRequest('msgBody needs fileName or callId');
      if (msgBody.fileName !== undefined)
        out.fileName = allowedPath(tenant, 'recordings', msgBody.fileName, 'msgBody.fileName');
      if (msgBody.callId !== undefined) out.callId = requireCallId(requireText(msgBody.callId, 'msgBody.callId'));
      if (msgBody.ccId !== undefined) out.ccId = optionalCcId(requireText(msgBody.ccId, 'msgBody.ccId'), undefined);
      return out;
    case 'requestPlayVoice':
      onlyKeys(msgBody, ['fileName'], 'msgBody');
      return { fileName: allowedPath(tenant, 'recordings', msgBody.fileName, 'msgBody.fileName') };
    case 'ivr/downloadFile': {
      onlyKeys(msgBody, ['filePath', 'mode'], 'msgBody');
      const { mode } = msgBody;
      if (mode !== undefined && ![0, 1, '0', '1'].includes(mode as never))
        throw invalidRequest('msgBody.mode must be 0 or 1');
      const directory = mode === 1 || mode === '1';
      out.filePath = allowedPath(
        tenant,
        'ivrDownload',
        msgBody.filePath,
        'msgBody.filePath',
        directory ? 'dir' : 'file',
      );
      if (mode !== undefined) out.mode = mode;
      return out;
    }
    case 'ivr/uploadFile':
      onlyKeys(msgBody, ['data'], 'msgBody');
      checkUploadData(msgBody.data, tenant.limits.uploadMaxBytes);
      return { data: msgBody.data };
  }
}
