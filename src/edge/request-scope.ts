import type { NextFunction, Request, Response } from 'express';
import { openScope } from '../http/scope.js';

/** First in the chain: every request gets its scope and its X-Request-Id before anything can fail. */
export function requestScope(req: Request, res: Response, next: NextFunction): void {
  const scope = openScope(req.headers['x-request-id'], res);
  // Several layers watch an answer's end (logging, metrics, limits, the upstream abort); none leaks.
  res.setMaxListeners(32);
  res.setHeader('X-Request-Id', scope.requestId);
  next();
}
