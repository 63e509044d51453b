/** Contract 3.5 and 3.6: IVR and third-party files, read by path or folder, and uploaded as WAV. */
import type { Router } from 'express';
import { ROUTES } from '../contract/routes.js';
import { baseName } from '../domain/content.js';
import { checkTenantPath, uploadVdn } from '../domain/tenant-policy.js';
import { auditAccess, countReceived, tenantOf } from '../edge/scope.js';
import { GatewayError, invalidRequest } from '../errors/catalogue.js';
import { clientSignal, sendDownload } from '../http/downloads.js';
import { mountRoutes } from '../http/mount.js';
import { checkUploadHeaders, receiveWav } from '../http/upload.js';
import { allowedPath, parseQuery } from '../http/validate.js';
import type { UploadedFile } from '../upstream/ports.js';
import type { RouteDeps } from './deps.js';

export function ivrFilesRouter(deps: RouteDeps): Router {
  return mountRoutes(deps, {
    getIvrFile: async (req, res) => {
      const tenant = tenantOf(res);
      const q = parseQuery(req, ROUTES.getIvrFile.query);
      auditAccess(res, 'ivr-file.download', q.path ?? q.dir ?? '');
      if ((q.path === undefined) === (q.dir === undefined)) throw invalidRequest('give exactly one of path or dir');
      const directory = q.dir !== undefined;
      const filePath = directory
        ? allowedPath(tenant, 'ivrDownload', q.dir, 'dir', 'dir')
        : allowedPath(tenant, 'ivrDownload', q.path, 'path', 'file');
      await deps.limits.openStream(tenant.id, res);
      // In folder mode the vendor does not name the file it sends: it is named after the folder.
      await sendDownload(
        res,
        (signal) => deps.ccfs.ivrDownloadFile(tenant.id, { filePath, directory }, signal),
        baseName(filePath),
        { resume: deps.resume.getIvrFile },
      );
    },
    uploadIvrFile: async (req, res) => {
      const tenant = tenantOf(res);
      const q = parseQuery(req, ROUTES.uploadIvrFile.query);
      auditAccess(res, 'ivr-file.upload', `vdn:${q.vdnId ?? tenant.vdnIds[0]}`);
      const vdnId = uploadVdn(tenant, q.vdnId);
      const limit = tenant.limits.uploadMaxBytes;
      const declaredLength = checkUploadHeaders(req, limit);
      await deps.limits.openStream(tenant.id, res);
      const file = await receiveWav(req, res, { limit, declaredLength, spool: deps.spool });
      countReceived(res, file.size);
      let stored: UploadedFile;
      try {
        stored = await deps.ccfs.ivrUploadFile(tenant.id, vdnId, file, clientSignal(res));
      } finally {
        await file.dispose();
      }
      if (!checkTenantPath(tenant, 'ivrUpload', stored.fileName).allowed) {
        // The vendor's upload path rule and ours disagree: an operator has to look at both.
        throw new GatewayError(
          'UPSTREAM_ERROR',
          `CC-FS stored the upload outside the tenant's ivrUpload rule (${stored.fileName.slice(0, 256)}); ` +
            "check the vendor's Third-Party Upload File Path Rule",
        );
      }
      auditAccess(res, 'ivr-file.upload', stored.fileName);
      res
        .status(201)
        .setHeader('Location', `/v1/ivr-files?path=${encodeURIComponent(stored.fileName)}`)
        .setHeader('Cache-Control', 'no-store')
        .json({ fileName: stored.fileName, locationIds: stored.locationIds });
    },
  });
}
