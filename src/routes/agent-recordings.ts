/** Contract 3.8: a recording through the CC-Gateway, as one of the tenant's agents. */
import { Router } from 'express';
import { SCOPES } from '../domain/principal.js';
import { baseName } from '../domain/content.js';
import { requireAuth } from '../http/authenticate.js';
import { sendDownload } from '../http/downloads.js';
import { methodNotAllowed } from '../http/method-not-allowed.js';
import { auditAccess, tenantOf } from '../edge/scope.js';
import { allowedPath, parseQuery } from '../http/validate.js';
import { expressPath, ROUTES } from './contract.js';
import type { RouteDeps } from './deps.js';

export function agentRecordingsRouter(deps: RouteDeps): Router {
  // The contract's paths are lower case: /V1/RECORDINGS is not a route (and cannot dodge log masking).
  const router = Router({ caseSensitive: true });
  router
    .route(expressPath(ROUTES.getAgentRecording))
    .get(requireAuth(deps, SCOPES.agentRecordingsRead), async (req, res) => {
      const tenant = tenantOf(res);
      const q = parseQuery(req, ROUTES.getAgentRecording.query);
      auditAccess(res, 'agent-recording.download', q.recordId);
      const fileType = q.fileType === '2' ? 2 : 1;
      const recordId = allowedPath(
        tenant,
        fileType === 1 ? 'agentRecordings' : 'agentMessageRecordings',
        q.recordId,
        'recordId',
      );
      await deps.limits.openStream(tenant.id, res);
      const query = {
        recordId,
        fileType,
        ...(q.locationId !== undefined ? { locationId: q.locationId } : {}),
      } as const;
      await sendDownload(res, (signal) => deps.agentRecordings.download(tenant.id, query, signal), baseName(recordId), {
        resume: deps.resume.getAgentRecording,
      });
    })
    .all(methodNotAllowed('GET'));
  return router;
}
