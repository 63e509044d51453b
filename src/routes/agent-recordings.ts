/** Contract 3.8: a recording through the CC-Gateway, as one of the tenant's agents. */
import { Router } from 'express';
import { invalidRequest } from '../errors/catalogue.js';
import { SCOPES } from '../domain/principal.js';
import { baseName } from '../domain/content.js';
import { requireAuth } from '../http/authenticate.js';
import { clientSignal, sendDownload } from '../http/downloads.js';
import { methodNotAllowed } from '../http/method-not-allowed.js';
import { auditAccess, tenantOf } from '../http/scope.js';
import { allowedPath, queryOf } from '../http/validate.js';
import type { RouteDeps } from './deps.js';

const LOCATION_ID = /^[0-9]{1,10}$/;

export function agentRecordingsRouter(deps: RouteDeps): Router {
  // The contract's paths are lower case: /V1/RECORDINGS is not a route (and cannot dodge log masking).
  const router = Router({ caseSensitive: true });
  router
    .route('/v1/agent-recordings')
    .get(requireAuth(deps, SCOPES.agentRecordingsRead), async (req, res) => {
      const tenant = tenantOf(res);
      const q = queryOf(req, ['recordId', 'fileType', 'locationId'] as const);
      auditAccess(res, 'agent-recording.download', q.recordId ?? '');
      if (q.fileType !== undefined && q.fileType !== '1' && q.fileType !== '2')
        throw invalidRequest('fileType must be 1 (agent call recording) or 2 (voice message)');
      const fileType = q.fileType === '2' ? 2 : 1;
      const recordId = allowedPath(
        tenant,
        fileType === 1 ? 'agentRecordings' : 'agentMessageRecordings',
        q.recordId,
        'recordId',
      );
      if (q.locationId !== undefined && !LOCATION_ID.test(q.locationId))
        throw invalidRequest('locationId must be 1 to 10 digits');
      deps.limits.openStream(tenant.id, res);
      const file = await deps.agentRecordings.download(
        tenant.id,
        { recordId, fileType, ...(q.locationId !== undefined ? { locationId: q.locationId } : {}) },
        clientSignal(res),
      );
      await sendDownload(res, file, baseName(recordId));
    })
    .all(methodNotAllowed('GET'));
  return router;
}
