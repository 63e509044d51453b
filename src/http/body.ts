/**
 * Request bodies. `100 Continue` is sent by the route that reads a body, once it has checked
 * everything it can from the headers (caller, scope, size), so a refused client never sends it.
 */
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import { markContinued } from '../edge/scope.js';
import { GatewayError } from '../errors/catalogue.js';

/** Tells a client waiting on `Expect: 100-continue` to send its body now. */
export function continueIfExpected(req: Request, res: Response): void {
  if (req.headers.expect?.toLowerCase() !== '100-continue' || res.headersSent) return;
  res.writeContinue();
  markContinued(res);
}

export const bodyTooLarge = (limit: number) =>
  new GatewayError('PAYLOAD_TOO_LARGE', `request body is larger than allowed (${limit} bytes)`);
export const notJson = (cause?: unknown) =>
  new GatewayError('INVALID_REQUEST', 'request body is not valid JSON', cause === undefined ? {} : { cause });

/**
 * Reads a JSON body of at most `limit` bytes into `req.body`, for the routes with a JSON body.
 * A declared length over the limit is refused before a byte is read and before `100 Continue`; a
 * body without one (chunked) is cut at the limit: its reading stops there, the answer closes the
 * connection, and the rest is never read (Express' own parser drains a refused body to its end,
 * however long, and waits for a declared one that never comes). A compressed body is 415; only
 * an object or an array is JSON here. A body of another type is 415 and none at all 400, unread.
 */
export async function readJson(req: Request, res: Response, limit: number, what?: string): Promise<void> {
  requireJsonType(req, what);
  const length = checkJsonHeaders(req, limit);
  continueIfExpected(req, res);
  // raw-body stops reading at the limit (or at a length that does not match) and pauses the request.
  const text = await getRawBody(req, { limit, encoding: 'utf-8', ...(length !== undefined ? { length } : {}) });
  const json = text.replace(/^\uFEFF/, '');
  if (!/^\s*[{[]/.test(json)) throw notJson();
  try {
    req.body = JSON.parse(json);
  } catch (err) {
    throw notJson(err);
  }
}

/**
 * A route with a JSON body: a body of another type is 415 (as the upload route's wrong type is),
 * a request without a body 400. `what` names the body in the message.
 */
export function requireJsonType(req: Request, what = 'the body'): void {
  const is = req.headers['content-type'] === undefined ? null : req.is('application/json');
  if (is === null) throw new GatewayError('INVALID_REQUEST', `${what} is required, as application/json`);
  if (is === false)
    throw new GatewayError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what} must be application/json (Content-Type: ${String(req.headers['content-type']).slice(0, 64)})`,
    );
}

/** What a JSON body's headers can refuse before a byte of it is read; the declared length, if any. */
export function checkJsonHeaders(req: Request, limit: number): number | undefined {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity')
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'compressed bodies are not accepted');
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'a JSON body must be UTF-8');
  const declared = req.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && length > limit) throw bodyTooLarge(limit);
  return length;
}
