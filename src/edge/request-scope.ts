import type { NextFunction, Request, Response } from 'express';
import { openScope } from './scope.js';

/**
 * First in the chain: every request gets its scope and its X-Request-Id before anything can fail.
 * `pace` is told of the bytes each stream moves (the garbage collector's pacer).
 */
export function requestScope(pace?: (bytes: number) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const scope = openScope(req.headers['x-request-id'], res, pace);
    // Several layers watch an answer's end (logging, metrics, limits, the upstream abort); none leaks.
    res.setMaxListeners(32);
    res.setHeader('X-Request-Id', scope.requestId);
    next();
  };
}
