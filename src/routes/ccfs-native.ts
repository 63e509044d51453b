/** Contract 3.7: the native CC-FS envelope for partners, checked, signed and forwarded. */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { GatewayError } from '../errors/catalogue.js';
import { SCOPES } from '../domain/principal.js';
import { requireAuth } from '../edge/authenticate.js';
import { getPrincipal } from '../edge/context.js';
import { methodNotAllowed } from '../edge/errors.js';
import { isNativeOperation, nativeMsgBody, type NativeOperation } from '../edge/native-envelope.js';
import { queryOf } from '../edge/validate.js';
import { auditAccess } from '../edge/observe.js';
import { base64Length } from '../domain/content.js';
import { CCFS_ENVELOPE_VERSION } from '../vendor/ccfs.js';
import { uploadVdn } from './ivr-files.js';
import type { RouteDeps } from './deps.js';

/** Room for the envelope around an upload's base64 text. */
const ENVELOPE_SLACK = 1024;

function operationOf(req: Request): NativeOperation {
  const op = ([] as string[]).concat(req.params.operation ?? []).join('/');
  if (!isNativeOperation(op)) throw new GatewayError('NOT_FOUND', 'no such CC-FS operation: the pass-through serves downloadRecord, requestPlayVoice, ivr/downloadFile and ivr/uploadFile');
  return op;
}

export function ccfsNativeRouter(deps: RouteDeps): Router {
  const router = Router();
  const parsers = new Map<number, RequestHandler>();
  const readJson = (req: Request, res: Response, limit: number) => {
    let parser = parsers.get(limit);
    if (!parser) {
      parser = express.json({ limit, strict: true, inflate: false, type: 'application/json' });
      parsers.set(limit, parser);
    }
    return new Promise<void>((resolve, reject) => void parser(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  };

  router.route('/v1/ccfs/*operation')
    .post(requireAuth(deps, SCOPES.ccfsNative), async (req, res) => {
      const operation = operationOf(req);
      const tenant = deps.tenants.get(getPrincipal(res).tenantId)!;
      const upload = operation === 'ivr/uploadFile';
      const q = queryOf(req, upload ? ['vdnId'] as const : [] as const);
      const query = upload ? { vdnId: String(uploadVdn(tenant, q.vdnId)) } : undefined;
      if (!req.is('application/json')) throw new GatewayError('INVALID_REQUEST', 'the body must be the vendor envelope as application/json');
      await readJson(req, res, upload ? base64Length(tenant.limits.uploadMaxBytes) + ENVELOPE_SLACK : deps.jsonBodyMaxBytes);
      const given = (req.body as { msgBody?: Record<string, unknown> } | undefined)?.msgBody ?? {};
      auditAccess(res, `native.${operation}`, String(given.fileName ?? given.filePath ?? given.callId ?? (query ? `vdn:${query.vdnId}` : '')));
      const msgBody = nativeMsgBody(tenant, operation, req.body);
      if (operation !== 'requestPlayVoice') deps.limits.openStream(tenant.id, res);
      // Re-serialised once, from checked fields only: what is signed is what was checked.
      const body = JSON.stringify({ request: { version: CCFS_ENVELOPE_VERSION }, msgBody });
      await deps.ccfsNative.forward({ tenantId: tenant.id, operation, ...(query ? { query } : {}), body }, req, res);
    })
    .all((req, res, next) => {
      operationOf(req);
      methodNotAllowed('POST')(req, res, next);
    });
  return router;
}
