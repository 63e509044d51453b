/** Contract 3.7: the native CC-FS envelope for partners, checked, signed and forwarded. */
import type { Request, Response, Router } from 'express';
import { NATIVE_OPERATIONS, NATIVE_ROUTES, type NativeOperation } from '../contract/routes.js';
import { base64Length } from '../domain/content.js';
import { uploadVdn } from '../domain/tenant-policy.js';
import { auditAccess, auditTarget, countReceived, tenantOf } from '../edge/scope.js';
import { GatewayError } from '../errors/catalogue.js';
import { readJson, requireJsonType } from '../http/body.js';
import { checkCallIdReadIndexed } from '../http/call-id-read.js';
import { auditZipEntries, clientSignal, relayAnswer } from '../http/downloads.js';
import { mountRoutes } from '../http/mount.js';
import { checkNativeMsgBody } from '../http/native-envelope.js';
import { receiveNativeUpload } from '../http/native-upload.js';
import { parseJson, parseQuery } from '../http/validate.js';
import type { RouteDeps } from './deps.js';

const ENVELOPE = "the vendor's envelope";
/** Room for the envelope around an upload's base64 text. */
const ENVELOPE_SLACK = 1024;

export function ccfsNativeRouter(deps: RouteDeps): Router {
  const forward = (operation: NativeOperation) => async (req: Request, res: Response) => {
    const contract = NATIVE_ROUTES[`native.${operation}`];
    const tenant = tenantOf(res);
    const upload = operation === 'ivr/uploadFile';
    const q = parseQuery(req, contract.query!) as { vdnId?: string };
    const query = upload ? { vdnId: String(uploadVdn(tenant, q.vdnId)) } : undefined;
    if (upload) {
      requireJsonType(req, ENVELOPE);
      // Admitted before its body is read: a tenant's uploads past its cap cost nothing to refuse.
      auditAccess(res, `native.${operation}`, `vdn:${query!.vdnId}`);
      await deps.limits.openStream(tenant.id, res);
      const limit = tenant.limits.uploadMaxBytes;
      const { envelope, file } = await receiveNativeUpload(req, res, {
        limit,
        bodyLimit: base64Length(limit) + ENVELOPE_SLACK,
        spool: deps.spool,
      });
      try {
        parseJson(envelope, contract.body as Parameters<typeof parseJson>[1], 'envelope field');
        countReceived(res, file.size);
        const answer = await deps.ccfsNative.forward(
          { tenantId: tenant.id, operation, query: query!, file },
          clientSignal(res),
        );
        await relayAnswer(res, answer);
      } finally {
        await file.dispose();
      }
      return;
    }
    await readJson(req, res, deps.jsonBodyMaxBytes, ENVELOPE);
    const given = (req.body as { msgBody?: Record<string, unknown> } | undefined)?.msgBody ?? {};
    auditAccess(res, `native.${operation}`, auditTarget(given.fileName ?? given.filePath ?? given.callId) ?? '');
    const envelope = parseJson(req.body, contract.body as Parameters<typeof parseJson>[1], 'envelope field') as {
      msgBody: Record<string, unknown>;
    };
    const msgBody = checkNativeMsgBody(tenant, operation, envelope.msgBody);
    if (typeof msgBody.callId === 'string') await checkCallIdReadIndexed(deps.index, tenant, msgBody.callId);
    if (operation !== 'requestPlayVoice') await deps.limits.openStream(tenant.id, res);
    const answer = await deps.ccfsNative.forward({ tenantId: tenant.id, operation, msgBody }, clientSignal(res));
    if (msgBody.callId !== undefined) auditZipEntries(res, Buffer.alloc(0), answer.body);
    await relayAnswer(res, answer);
  };

  const router = mountRoutes(
    deps,
    Object.fromEntries(NATIVE_OPERATIONS.map((operation) => [`native.${operation}`, forward(operation)])),
  );
  router.use('/v1/ccfs', () => {
    throw new GatewayError(
      'NOT_FOUND',
      'no such CC-FS operation: the pass-through serves downloadRecord, requestPlayVoice, ivr/downloadFile and ivr/uploadFile',
    );
  });
  return router;
}
