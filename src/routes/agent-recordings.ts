/** Contract 3.8: a recording through the CC-Gateway, as one of the tenant's agents. */
import type { Router } from 'express';
import { ROUTES } from '../contract/routes.js';
import { baseName } from '../domain/content.js';
import { auditAccess, tenantOf } from '../edge/scope.js';
import { sendDownload } from '../http/downloads.js';
import { mountRoutes } from '../http/mount.js';
import { allowedPath, parseQuery } from '../http/validate.js';
import type { RouteDeps } from './deps.js';

export function agentRecordingsRouter(deps: RouteDeps): Router {
  return mountRoutes(deps, {
    getAgentRecording: async (req, res) => {
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
    },
  });
}
