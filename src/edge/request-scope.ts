import type { NextFunction, Request, Response } from 'express';
import { openScope, type ScopeSettings } from './scope.js';

/**
 * First in the chain: every request gets its scope and its X-Request-Id before anything can fail.
 * `pace` is told of the bytes each stream moves (the garbage collector's pacer); `readerIdleMs`
 * bounds how long a streamed answer waits for a client that stopped reading.
 */
export function requestScope(settings: ScopeSettings) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const scope = openScope(req.headers['x-request-id'], res, settings);
    // Several layers watch an answer's end (logging, metrics, limits, the upstream abort); none leaks.
    res.setMaxListeners(32);
    res.setHeader('X-Request-Id', scope.requestId);
    next();
  };
}
