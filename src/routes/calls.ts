/** Contract 6.2 to 6.5: searching the index, one call, the ingestion's status and backfill, the vendor's callback. */
import type { Request, Response, Router } from 'express';
import getRawBody from 'raw-body';
import { ROUTES } from '../contract/routes.js';
import { openCursor, queryDigest, sealCursor } from '../domain/call-cursor.js';
import { recordingInside, type TenantPolicy } from '../domain/tenant-policy.js';
import { toIsoInZone } from '../domain/wall-clock.js';
import { auditAccess, auditCount, tenantOf } from '../edge/scope.js';
import { GatewayError, invalidRequest } from '../errors/catalogue.js';
import { bodyTooLarge, readJson } from '../http/body.js';
import { mountRoutes } from '../http/mount.js';
import { parseJson, parseQuery } from '../http/validate.js';
import { BILL_CALLBACK_SUCCESS, type CallIndex, type CallSummary, type IndexedTenant } from '../index/port.js';
import type { RouteDeps } from './deps.js';

const DAY_MS = 86_400_000;
const CALLBACK_MAX_BYTES = 16 * 1024;

const digitsOf = (s: string | undefined) => (s === undefined ? undefined : s.replace(/\D+/g, ''));
/** The last four digits: enough to tell calls apart, not enough to call anyone. */
const mask = (n: string | null | undefined) => (n ? `****${n.replace(/\D+/g, '').slice(-4)}` : (n ?? null));

function indexOf(deps: RouteDeps, tenant: TenantPolicy): { index: CallIndex; settings: IndexedTenant } {
  const settings = deps.index?.tenant(tenant.id);
  if (!deps.index || !settings) throw new GatewayError('NOT_FOUND', 'the call index is off for this tenant');
  return { index: deps.index, settings };
}

/** An instant in the tenant's zone, or null. */
const inZone = (ms: number | null, zone: string) => (ms === null ? null : toIsoInZone(ms, zone));

function toItem(c: CallSummary, tenant: TenantPolicy, s: IndexedTenant) {
  const time = (ms: number | null) => inZone(ms, s.timeZone);
  const number = (n: string | null) => (s.maskNumbers ? mask(n) : n);
  return {
    callId: c.callId,
    ccId: c.ccId,
    vdnId: c.vdnId,
    agentId: c.agentId,
    callerNo: number(c.callerNo),
    calleeNo: number(c.calleeNo),
    begin: toIsoInZone(c.begin, s.timeZone),
    end: time(c.end),
    durationSec: c.end === null ? null : Math.max(0, Math.floor((c.end - c.begin) / 1000)),
    callType: c.callType,
    recordings: c.recordings
      // Contract 6.1's isolation again at read time: a recording outside the rules is never shown.
      .filter((r) => recordingInside(tenant, r))
      .map((r) => {
        const fileName = r.originalFileName.replace(/\\/g, '/');
        return {
          fileName,
          agentId: r.agentId,
          begin: time(r.begin),
          end: time(r.end),
          mediaType: r.mediaType,
          download: `/v1/recordings?fileName=${encodeURIComponent(fileName)}`,
        };
      }),
  };
}

const instant = (s: string) => Date.parse(s);

export function callsRouter(deps: RouteDeps): Router {
  return mountRoutes(deps, {
    searchCalls: async (req, res) => {
      const tenant = tenantOf(res);
      const { index, settings } = indexOf(deps, tenant);
      const q = parseQuery(req, ROUTES.searchCalls.query);
      const from = instant(q.from);
      const to = instant(q.to);
      if (!(to > from)) throw invalidRequest('to must be after from');
      if (to - from > index.maxSearchDays * DAY_MS)
        throw invalidRequest(`from and to may be at most ${index.maxSearchDays} days apart`);
      const vdnId = q.vdnId === undefined ? undefined : Number(q.vdnId);
      if (vdnId !== undefined && !tenant.vdnIds.includes(vdnId))
        throw invalidRequest(`vdnId ${vdnId} is not one of the tenant's VDNs`);
      const filters = {
        from,
        to,
        callId: q.callId,
        agentId: q.agentId,
        callerDigits: digitsOf(q.callerNo),
        calleeDigits: digitsOf(q.calleeNo),
        numberDigits: digitsOf(q.number),
        vdnId,
        hasRecording: q.hasRecording === undefined ? undefined : q.hasRecording === 'true',
      };
      // The audit names the search, its numbers masked: a trail must not become a phone book.
      auditAccess(
        res,
        'calls.search',
        JSON.stringify({
          ...filters,
          from: q.from,
          to: q.to,
          callerDigits: mask(filters.callerDigits),
          calleeDigits: mask(filters.calleeDigits),
          numberDigits: mask(filters.numberDigits),
        }),
      );
      const digest = queryDigest(filters);
      const after = q.cursor === undefined ? undefined : openCursor(index.cursorKey, tenant.id, digest, q.cursor);
      if (q.cursor !== undefined && !after)
        throw invalidRequest('cursor was not given for this search: start again without it');
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      const rows = await index.search({
        tenant: tenant.id,
        vdnIds: tenant.vdnIds,
        ...filters,
        ...(after ? { after } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      auditCount(res, page.length);
      res.json({
        items: page.map((c) => toItem(c, tenant, settings)),
        next: rows.length > limit && last ? sealCursor(index.cursorKey, tenant.id, digest, last) : null,
      });
    },

    getCall: async (req, res) => {
      const tenant = tenantOf(res);
      const { index, settings } = indexOf(deps, tenant);
      parseQuery(req, ROUTES.getCall.query);
      const { callId } = parseJson(req.params, ROUTES.getCall.params, 'path parameter');
      auditAccess(res, 'calls.read', callId);
      const call = await index.call(tenant.id, callId, tenant.vdnIds);
      if (!call) throw new GatewayError('NOT_FOUND', 'the index holds no such call for this tenant');
      auditCount(res, 1);
      const time = (ms: number | null) => inZone(ms, settings.timeZone);
      res.json({
        ...toItem(call, tenant, settings),
        legs: call.legs.map((l) => ({
          deviceType: l.deviceType,
          deviceNo: l.deviceNo,
          waitBegin: time(l.waitBegin),
          waitEnd: time(l.waitEnd),
          ackBegin: time(l.ackBegin),
          ackEnd: time(l.ackEnd),
          begin: time(l.begin),
          end: time(l.end),
          releaseCause: l.releaseCause,
        })),
      });
    },

    getIndexStatus: async (req, res) => {
      const tenant = tenantOf(res);
      parseQuery(req, ROUTES.getIndexStatus.query);
      const settings = deps.index?.tenant(tenant.id);
      if (!deps.index || !settings) {
        res.json({
          enabled: false,
          engine: 'none',
          newestWindowEnd: null,
          lagSec: null,
          rows: { calls: 0, recordings: 0, legs: 0 },
          jobs: [],
          pausedUntil: null,
          lastError: null,
        });
        return;
      }
      const s = await deps.index.status(tenant.id);
      const iso = (ms: number | null) => inZone(ms, settings.timeZone);
      res.json({
        ...s,
        newestWindowEnd: iso(s.newestWindowEnd),
        pausedUntil: iso(s.pausedUntil),
        jobs: s.jobs.map((j) => ({ ...j, from: iso(j.from), to: iso(j.to) })),
        lastError: s.lastError ? { code: s.lastError.code, at: iso(s.lastError.at) } : null,
      });
    },

    backfillIndex: async (req, res) => {
      const tenant = tenantOf(res);
      const { index } = indexOf(deps, tenant);
      parseQuery(req, ROUTES.backfillIndex.query);
      await readJson(req, res, deps.jsonBodyMaxBytes);
      const body = parseJson(req.body, ROUTES.backfillIndex.body);
      const from = instant(body.from);
      const to = instant(body.to);
      if (!(to > from)) throw invalidRequest('to must be after from');
      if (to > deps.now()) throw invalidRequest('to must not be in the future: the schedule ingests from now on');
      if (to - from > index.maxBackfillDays * DAY_MS)
        throw invalidRequest(`from and to may be at most ${index.maxBackfillDays} days apart`);
      auditAccess(res, 'index.backfill', `${body.from}/${body.to}`);
      res.status(202).json(await index.backfill(tenant.id, from, to));
    },
  });
}

async function readCallbackBody(req: Request): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > CALLBACK_MAX_BYTES) throw bodyTooLarge(CALLBACK_MAX_BYTES);
  try {
    return await getRawBody(req, { limit: CALLBACK_MAX_BYTES });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') throw bodyTooLarge(CALLBACK_MAX_BYTES);
    throw invalidRequest('the callback body could not be read');
  }
}

/** Contract 6.5: CC-FS's callback, on the API listener or on one of its own. */
export function callbackRouter(deps: RouteDeps): Router {
  return mountRoutes(deps, {
    billCallback: async (req: Request, res: Response) => {
      const { jobId, token } = parseJson(req.params, ROUTES.billCallback.params, 'path parameter');
      if (!deps.index) throw new GatewayError('NOT_FOUND', 'no such job');
      // A wrong token is a failed authentication: an address guessing tokens meets the same
      // budget as one guessing JWTs (429 before any lookup), and the database sees a bounded rate.
      deps.failedAuth.admitVerification(req.ip);
      const body = await readCallbackBody(req);
      const answer = await deps.index.callback(jobId, token, {
        method: req.method,
        path: req.originalUrl.split('?')[0]!,
        headers: req.headers,
        body,
      });
      if (answer.status === 404) {
        await deps.failedAuth.failed(req.ip);
        throw new GatewayError('NOT_FOUND', 'no such job');
      }
      if (answer.status === 400) throw invalidRequest(`the callback does not match its job: ${answer.reason}`);
      res.status(200).type('application/json;charset=UTF-8').send(BILL_CALLBACK_SUCCESS);
    },
  });
}
