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
  if (!req.complete) closeUnreadBody(req, res);
  res.status(problem.status).set(problem.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
}

/** What a refused body may still send after its answer, read and dropped, before the connection is cut. */
const LINGER_BYTES = 1024 * 1024;

/**
 * A refused request whose body was not read in full. A client that waits for `100 Continue` and
 * was not told to go on sends nothing more: the connection closes with the answer. Any other may
 * still be sending, and closing a socket with unread bytes makes the kernel send a reset that can
 * discard the answer before the client reads it; so once the answer is out, what the client still
 * sends is read and dropped (as nginx's lingering close does), up to LINGER_BYTES, past which the
 * connection is cut. A body that ends within that keeps the connection; the request timeout
 * bounds one that trickles.
 */
function closeUnreadBody(req: Request, res: Response): void {
  if (req.headers.expect?.toLowerCase() === '100-continue' && !scopeOf(res)?.continued) {
    res.setHeader('Connection', 'close');
    return;
  }
  res.once('finish', () => {
    let dropped = 0;
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) req.socket.destroy();
    });
    req.resume();
  });
}

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new GatewayError('NOT_FOUND', 'no such route'));
}
