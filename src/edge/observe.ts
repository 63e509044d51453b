/**
 * One place that watches every answer end: request metrics by route template, bytes streamed,
 * and the audit line of a route that accessed a recording or file (the scope's `audit`). Bytes
 * are counted as the answer is written, so a cut transfer records what was actually sent.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../ops/metrics.js';
import type { Audit } from '../ops/audit.js';
import { scopeOf } from '../http/scope.js';

export function observe({ metrics, audit }: { metrics: Metrics; audit: Audit }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const ctx = scopeOf(res)!;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const count = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string')
        ctx.bytesSent += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      else if (chunk instanceof Uint8Array) ctx.bytesSent += chunk.length;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') count(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as Response['end'];

    res.once('close', () => {
      const tenant = ctx.tenant?.id ?? ctx.principal?.tenantId;
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const status = res.writableFinished ? res.statusCode : 0;
      metrics.httpRequests.inc({ route, method: req.method, status: String(status), tenant: tenant ?? 'none' });
      metrics.httpDuration.observe({ route, method: req.method }, durationMs / 1000);
      // The vendor's own flow control; the gateway's limits count themselves.
      if (ctx.error?.code === 'RATE_LIMITED' && ctx.error.upstream)
        metrics.rateLimited.inc({ tenant: tenant ?? 'none', reason: 'vendor' });
      if (ctx.bytesSent > 0) metrics.bytes.inc({ direction: 'download', tenant: tenant ?? 'none' }, ctx.bytesSent);
      if (ctx.bytesReceived > 0)
        metrics.bytes.inc({ direction: 'upload', tenant: tenant ?? 'none' }, ctx.bytesReceived);
      if (ctx.audit) {
        audit.record({
          requestId: ctx.requestId,
          tenant,
          subject: ctx.principal?.subject,
          operation: ctx.audit.operation,
          target: ctx.audit.target,
          status: res.statusCode,
          bytesSent: ctx.bytesSent,
          durationMs: Math.round(durationMs),
          clientAddress: req.ip,
          complete: res.writableFinished,
        });
      }
    });
    next();
  };
}
