import type { NextFunction, Request, Response } from 'express';
import { ClientGoneError, GatewayError } from '../errors/catalogue.js';
import { PROBLEM_CONTENT_TYPE, toHttpProblem } from '../errors/to-http.js';
import { getContext } from './context.js';

/** The one error middleware: every thrown value becomes the contract's problem+json. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ClientGoneError) {
    res.locals.streamError = err;
    if (!res.destroyed) res.destroy();
    return;
  }
  const problem = toHttpProblem(err, getContext(res)?.requestId ?? 'unknown');
  (res as Response & { err?: unknown }).err = problem.error;
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

/** For a known path asked with a method it does not serve. */
export function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Allow', allow);
    next(new GatewayError('METHOD_NOT_ALLOWED', `this route accepts ${allow} only`));
  };
}
