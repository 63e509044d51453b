import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../domain/principal.js';

/** Per-request state: the one typed object on `res.locals`. */
export interface RequestContext {
  requestId: string;
  principal?: Principal;
  /** The tenant of an unauthenticated route (a playback URL), for metrics and the audit trail. */
  tenantId?: string;
  /** Set by a route that accesses a recording or file. */
  audit?: { operation: string; target: string };
  /** Body bytes written to the client, and upload bytes received. */
  bytesSent: number;
  bytesReceived: number;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Contract section 5: take the caller's X-Request-Id when it is well-formed, else make one. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  const ctx: RequestContext = { requestId, bytesSent: 0, bytesReceived: 0 };
  res.locals.ctx = ctx;
  // Several layers watch an answer's end (logging, metrics, limits, the upstream abort); none leaks.
  res.setMaxListeners(32);
  res.setHeader('X-Request-Id', requestId);
  next();
}

export function getContext(res: Response): RequestContext {
  return res.locals.ctx as RequestContext;
}

export function getPrincipal(res: Response): Principal {
  const p = getContext(res).principal;
  if (!p) throw new Error('route reached without authentication');
  return p;
}
