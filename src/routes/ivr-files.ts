/** Contract 3.5: IVR and third-party files, by full path or by a folder holding exactly one file. */
import { Router } from 'express';
import { invalidRequest } from '../errors/catalogue.js';
import { SCOPES } from '../domain/principal.js';
import { baseName } from '../domain/content.js';
import { requireAuth } from '../edge/authenticate.js';
import { getPrincipal } from '../edge/context.js';
import { clientSignal, sendDownload } from '../edge/downloads.js';
import { methodNotAllowed } from '../edge/errors.js';
import { allowedPath, queryOf } from '../edge/validate.js';
import type { RouteDeps } from './deps.js';

export function ivrFilesRouter(deps: RouteDeps): Router {
  const router = Router();
  router.route('/v1/ivr-files')
    .get(requireAuth(deps.authenticator, SCOPES.ivrFilesRead), async (req, res) => {
      const tenant = deps.tenants.get(getPrincipal(res).tenantId)!;
      const q = queryOf(req, ['path', 'dir'] as const);
      if ((q.path === undefined) === (q.dir === undefined)) throw invalidRequest('give exactly one of path or dir');
      const directory = q.dir !== undefined;
      const filePath = directory
        ? allowedPath(tenant, 'ivrDownload', q.dir, 'dir', 'dir')
        : allowedPath(tenant, 'ivrDownload', q.path, 'path', 'file');
      const file = await deps.ccfs.ivrDownloadFile(tenant.id, { filePath, directory }, clientSignal(res));
      // In folder mode the vendor does not name the file it sends: name it after the folder.
      const name = directory ? `${baseName(filePath)}${file.contentType === 'audio/wav' ? '.wav' : ''}` : baseName(filePath);
      await sendDownload(res, file, name);
    })
    .all(methodNotAllowed('GET'));
  return router;
}
