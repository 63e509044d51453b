/**
 * One place that watches every answer end, once: the request metrics by route template, the bytes
 * streamed, and the request's one line in the application log, of one shape for every route. An
 * access to a recording or file is also recorded on the audit channel (its own trail, for its own
 * readers). Nothing wraps the response.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ClientGoneError } from '../errors/catalogue.js';
import type { Audit } from '../ops/audit.js';
import type { Metrics } from '../ops/metrics.js';
import { safeUrl } from './logging.js';
import { type RequestScope, scopeOf } from './scope.js';

/** Probes: a 503 there is a state the instance reports (draining, say), not a failure of the request. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * The level of a request's line: a cut by the client is its business; a probe's 503 is a warning;
 * any other 5xx or a cut by us is an error.
 */
function levelOf(path: string, res: Response, ctx: RequestScope): 'info' | 'warn' | 'error' {
  if (ctx.streamError instanceof ClientGoneError) return 'info';
  if (PROBES.has(path) && res.statusCode === 503 && ctx.streamError === undefined) return 'warn';
  return res.statusCode >= 500 || ctx.streamError !== undefined ? 'error' : 'info';
}

/**
 * What the request's line calls its answer: its status once the headers went out, "aborted" when
 * the client left before any (no status was sent: never logged as a 200), and "cut" after them.
 */
function outcomeOf(res: Response): { status: number; words: string } {
  if (!res.headersSent) return { status: 0, words: 'aborted' };
  return { status: res.statusCode, words: res.writableFinished ? `${res.statusCode}` : `${res.statusCode} cut` };
}

/** Body bytes of an answer that was not streamed: its length, once it was all sent. */
function sentOf(res: Response, ctx: RequestScope): number {
  if (ctx.bytesSent > 0 || !res.writableFinished) return ctx.bytesSent;
  const length = Number(res.getHeader('content-length'));
  return Number.isFinite(length) && res.req.method !== 'HEAD' ? length : 0;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The caller's W3C trace id, when it sent a valid `traceparent`: the line joins its trace. */
function traceOf(req: Request): { traceId?: string } {
  const id = TRACEPARENT.exec(String(req.headers.traceparent ?? ''))?.[1];
  return id && !/^0+$/.test(id) ? { traceId: id } : {};
}

export function observe({
  metrics,
  audit,
  logger,
  ignorePaths,
}: {
  metrics: Metrics;
  audit: Audit;
  logger: Logger;
  ignorePaths: ReadonlySet<string>;
}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('close', () => {
      const ctx = scopeOf(res)!;
      const tenant = ctx.tenant?.id ?? ctx.principal?.tenantId ?? 'none';
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const durationMs = performance.now() - started;
      const status = res.writableFinished ? res.statusCode : 0;
      const bytesSent = sentOf(res, ctx);
      metrics.httpRequests.inc({ route, method: req.method, status: String(status), tenant });
      metrics.httpDuration.observe({ route, method: req.method }, durationMs / 1000);
      // The vendor's own flow control; the gateway's limits count themselves.
      if (ctx.error?.code === 'RATE_LIMITED' && ctx.error.upstream)
        metrics.rateLimited.inc({ tenant, reason: 'vendor' });
      if (bytesSent > 0) metrics.bytes.inc({ direction: 'download', tenant }, bytesSent);
      if (ctx.bytesReceived > 0) metrics.bytes.inc({ direction: 'upload', tenant }, ctx.bytesReceived);
      const resumes = ctx.resume?.attempts ? ctx.resume : undefined;
      if (resumes) {
        metrics.resumeAttempts.inc({ route }, resumes.attempts);
        if (resumes.resumed) metrics.resumeOutcomes.inc({ route, outcome: 'resumed' }, resumes.resumed);
        if (resumes.mismatched) metrics.resumeOutcomes.inc({ route, outcome: 'mismatch' }, resumes.mismatched);
        if (resumes.failed) metrics.resumeOutcomes.inc({ route, outcome: 'failed' }, resumes.failed);
      }

      const path = req.originalUrl.split('?')[0]!;
      const level = levelOf(path, res, ctx);
      const audited = ctx.audit !== undefined && audit.enabled;
      if (ctx.audit && audited) {
        audit.record({
          requestId: ctx.requestId,
          tenant: tenant === 'none' ? undefined : tenant,
          subject: ctx.principal?.subject,
          operation: ctx.audit.operation,
          target: ctx.audit.target,
          status: outcomeOf(res).status,
          bytesSent,
          durationMs: Math.round(durationMs),
          clientAddress: req.ip,
          complete: res.writableFinished,
          ...(ctx.audit.files ? { files: ctx.audit.files } : {}),
          ...(ctx.audit.count !== undefined ? { count: ctx.audit.count } : {}),
          ...(resumes ? { resumes } : {}),
        });
      }
      if (ignorePaths.has(path) && !audited) return;
      const err = ctx.error ?? ctx.streamError;
      const outcome = outcomeOf(res);
      // One shape for every request, audited or not: flat fields a Loki or ELK pipeline indexes as
      // they are. `code` tells a refusal of ours (PATH_FORBIDDEN) from the vendor's (`upstream`).
      logger[level](
        {
          requestId: ctx.requestId,
          ...traceOf(req),
          method: req.method,
          route,
          url: safeUrl(req.originalUrl),
          status: outcome.status,
          ...(ctx.error ? { code: ctx.error.code } : {}),
          ...(ctx.error?.upstream
            ? { upstream: { service: ctx.error.upstream.service, code: ctx.error.upstream.code } }
            : {}),
          ...(tenant !== 'none' ? { tenant } : {}),
          ...(ctx.principal?.subject ? { sub: ctx.principal.subject } : {}),
          bytesSent,
          ...(ctx.bytesReceived > 0 ? { bytesReceived: ctx.bytesReceived } : {}),
          durationMs: Math.round(durationMs),
          clientAddress: req.socket.remoteAddress,
          ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'].slice(0, 256) } : {}),
          ...(err !== undefined ? { err } : {}),
          ...(resumes ? { resumes } : {}),
        },
        `${req.method} ${outcome.words}${level === 'error' ? ' failed' : ''}`,
      );
    });
    next();
  };
}
