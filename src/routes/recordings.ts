/** Contract 3.1-3.4: call recordings by file name, by call, and browser playback. */
import type { Router } from 'express';
import { ROUTES } from '../contract/routes.js';
import { baseName } from '../domain/content.js';
import { openPlaybackId, sealPlaybackId } from '../domain/playback-id.js';
import { auditAccess, auditTarget, setCaller, tenantOf } from '../edge/scope.js';
import { GatewayError } from '../errors/catalogue.js';
import { readJson } from '../http/body.js';
import { checkCallIdReadIndexed } from '../http/call-id-read.js';
import { auditZipEntries, clientSignal, sendDownload } from '../http/downloads.js';
import { mountRoutes } from '../http/mount.js';
import { toPcm16 } from '../http/pcm16.js';
import { allowedPath, parseJson, parseQuery } from '../http/validate.js';
import type { RouteDeps } from './deps.js';

/** Playback ids expire this long before the vendor token, so a started stream is never refused. */
const PLAYBACK_SAFETY_MS = 60_000;

export function recordingsRouter(deps: RouteDeps): Router {
  return mountRoutes(deps, {
    getRecording: async (req, res) => {
      const tenant = tenantOf(res);
      const q = parseQuery(req, ROUTES.getRecording.query);
      auditAccess(res, 'recording.download', q.fileName);
      const fileName = allowedPath(tenant, 'recordings', q.fileName, 'fileName');
      const ccId = q.ccId ?? tenant.ccId;
      await deps.limits.openStream(tenant.id, res);
      await sendDownload(
        res,
        (signal) => deps.ccfs.downloadRecord(tenant.id, { fileName, ccId }, signal),
        baseName(fileName),
        {
          resume: deps.resume.getRecording,
        },
      );
    },
    getCallRecordings: async (req, res) => {
      const tenant = tenantOf(res);
      const q = parseQuery(req, ROUTES.getCallRecordings.query);
      auditAccess(res, 'call.download', String(req.params.callId ?? ''));
      const { callId } = parseJson(req.params, ROUTES.getCallRecordings.params, 'path parameter');
      await checkCallIdReadIndexed(deps.index, tenant, callId);
      const ccId = q.ccId ?? tenant.ccId;
      await deps.limits.openStream(tenant.id, res);
      await sendDownload(res, (signal) => deps.ccfs.downloadRecord(tenant.id, { callId, ccId }, signal), callId, {
        resume: deps.resume.getCallRecordings,
        watch: auditZipEntries,
      });
    },
    createPlayback: async (req, res) => {
      const tenant = tenantOf(res);
      parseQuery(req, ROUTES.createPlayback.query);
      await readJson(req, res, deps.jsonBodyMaxBytes);
      auditAccess(
        res,
        'playback.create',
        auditTarget((req.body as { fileName?: unknown } | undefined)?.fileName) ?? '',
      );
      const body = parseJson(req.body, ROUTES.createPlayback.body);
      const fileName = allowedPath(tenant, 'recordings', body.fileName, 'fileName');
      const vendor = await deps.ccfs.requestPlayVoice(tenant.id, fileName, clientSignal(res));
      const expiresAtMs = vendor.expiresAtMs - PLAYBACK_SAFETY_MS;
      const id = sealPlaybackId(deps.playbackKey, {
        tenantId: tenant.id,
        vendorToken: vendor.token,
        fileName,
        expiresAtMs,
      });
      const url = `/v1/recordings/playback/${id}`;
      res
        .status(201)
        .setHeader('Location', url)
        .setHeader('Cache-Control', 'no-store')
        .json({ url, expiresAt: new Date(expiresAtMs).toISOString() });
    },
    streamPlayback: async (req, res) => {
      // The playback id is a credential: the audit names the file, never the id.
      auditAccess(res, 'playback.stream', '');
      const q = parseQuery(req, ROUTES.streamPlayback.query);
      const playbackId = String(req.params.playbackId ?? '');
      const opened = openPlaybackId(deps.playbackKey, playbackId, deps.now());
      const tenant = opened.ok ? deps.tenants.get(opened.grant.tenantId) : undefined;
      if (!opened.ok || !tenant) throw new GatewayError('PLAYBACK_EXPIRED', 'unknown or expired playback id');
      const { grant } = opened;
      setCaller(res, undefined, tenant);
      auditAccess(res, 'playback.stream', grant.fileName);
      // Its own limits: a link handed to browsers must not spend the tenant's API budget.
      await deps.limits.openPlayback(grant.tenantId, opened.key, res);
      await sendDownload(
        res,
        (signal) => deps.ccfs.playVoice(grant.tenantId, grant.vendorToken, signal),
        baseName(grant.fileName),
        {
          disposition: 'inline',
          resume: deps.resume.streamPlayback,
          skip: {
            maxBytes: tenant.limits.playbackRangeSkipMaxBytes,
            charge: (bytes) => deps.limits.chargeSkip(grant.tenantId, opened.key, bytes),
          },
          ...(q.format === 'pcm16' ? { transform: toPcm16 } : {}),
        },
      );
    },
  });
}
