/**
 * Contract 3.7: what the envelope's schema cannot say. Paths get the same rules as the gateway's
 * own routes, and an upload the same size and format checks as 3.6, so the vendor never sees what
 * the gateway can refuse itself. The envelope's shape (fields, types, version) is the route's
 * schema; this takes its parsed `msgBody`.
 */

import type { TenantPolicy } from '../domain/tenant-policy.js';
import { inspectWavHeader, lengthProblems, WAV_HEADER_MAX_BYTES } from '../domain/wav-header.js';
import { invalidRequest } from '../errors/catalogue.js';
import { invalidAudio, notWav, tooLarge } from './upload.js';
import { allowedPath } from './validate.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded size of a base64 upload and the format of its WAV header, from the text alone. */
function checkUploadData(text: string, limit: number): void {
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

type MsgBody = Record<string, unknown>;

/** The msgBody to send: the partner's fields, with paths in the form that was checked. */
export function checkNativeMsgBody(tenant: TenantPolicy, operation: string, msgBody: MsgBody): MsgBody {
  const out: MsgBody = { ...msgBody };
  switch (operation) {
    case 'downloadRecord':
      if (msgBody.fileName === undefined && msgBody.callId === undefined)
        throw invalidRequest('msgBody needs fileName or callId');
      if (msgBody.fileName !== undefined)
        out.fileName = allowedPath(tenant, 'recordings', msgBody.fileName, 'msgBody.fileName');
      return out;
    case 'requestPlayVoice':
      out.fileName = allowedPath(tenant, 'recordings', msgBody.fileName, 'msgBody.fileName');
      return out;
    case 'ivr/downloadFile': {
      const directory = msgBody.mode === 1 || msgBody.mode === '1';
      out.filePath = allowedPath(
        tenant,
        'ivrDownload',
        msgBody.filePath,
        'msgBody.filePath',
        directory ? 'dir' : 'file',
      );
      return out;
    }
    case 'ivr/uploadFile':
      checkUploadData(msgBody.data as string, tenant.limits.uploadMaxBytes);
      return out;
    default:
      throw invalidRequest('no such operation');
  }
}
