/**
 * Contract 3.7: what the envelope's schema cannot say. Paths get the same rules as the gateway's
 * own routes, so the vendor never sees what the gateway can refuse itself (an upload's data is
 * checked as it streams, in native-upload.ts). The envelope's shape (fields, types, version) is
 * the route's schema; this takes its parsed `msgBody`.
 */

import { checkCallIdRead, type TenantPolicy } from '../domain/tenant-policy.js';
import { invalidRequest } from '../errors/catalogue.js';
import { allowedPath } from './validate.js';

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
      if (msgBody.callId !== undefined) checkCallIdRead(tenant);
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
    default:
      throw invalidRequest('no such operation');
  }
}
