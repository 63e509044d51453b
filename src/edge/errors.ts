import type { NextFunction, Request, Response } from 'express';
import { ClientGoneError, GatewayError } from '../errors/catalogue.js';
import { PROBLEM_CONTENT_TYPE, toHttpProblem } from '../errors/to-http.js';
import { recordError, recordStreamError, scopeOf } from './scope.js';

/** The one error middleware: every thrown value becomes the contract's problem+json. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ClientGoneError) {
    recordStreamError(res, err);
    if (!res.destroyed) res.destroy();
    return;
  }
  const problem = toHttpProblem(err, scopeOf(res)?.requestId ?? 'unknown');
  recordError(res, problem.error);
  if (res.headersSent) {
    // Too late for an error body: cut the connection so the client sees an incomplete answer.
    res.destroy();
    return;
  }
  // A refused request whose body was not read: do not read it just to keep the connection.
  if (!req.complete) res.setHeader('Connection', 'close');
  res.status(problem.status).set(problem.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
}

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new GatewayError('NOT_FOUND', 'no such route'));
}
