/**
 * Request bodies. `100 Continue` is sent by the route that reads a body, once it has checked
 * everything it can from the headers (caller, scope, size), so a refused client never sends it.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';

/** Tells a client waiting on `Expect: 100-continue` to send its body now. */
export function continueIfExpected(req: Request, res: Response): void {
  if (req.headers.expect?.toLowerCase() === '100-continue' && !res.headersSent) res.writeContinue();
}

/**
 * A JSON body parser per size limit, made once and reused. One rule for every JSON route: a
 * compressed body is 415 (`inflate: false`), never a zlib error.
 */
export function createJsonReader(): (req: Request, res: Response, limit: number) => Promise<void> {
  const parsers = new Map<number, RequestHandler>();
  return (req, res, limit) => {
    let parser = parsers.get(limit);
    if (!parser) {
      parser = express.json({ limit, strict: true, inflate: false, type: 'application/json' });
      parsers.set(limit, parser);
    }
    continueIfExpected(req, res);
    return new Promise<void>(
      (resolve, reject) => void parser(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
    );
  };
}
