/**
 * Contract section 5: CORS for internal web apps. Origins only by configuration (none by
 * default), no credentials (bearer tokens, not cookies), a preflight answered without a token,
 * and a disallowed origin gets no CORS header at all (its preflight a 400 that says why).
 */
import cors from 'cors';
import type { RequestHandler } from 'express';
import { invalidRequest } from '../errors/catalogue.js';

export function corsPolicy(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  const policy = cors({
    // A callback answering false makes the cors package add nothing, preflight included.
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Content-Disposition', 'Content-Length', 'X-Request-Id', 'Location', 'Retry-After'],
    credentials: false,
    maxAge: 600,
  });
  // Without an Origin (every server-to-server call) the package would add nothing either; it is
  // skipped rather than asked, since it builds its options afresh per request.
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    // A preflight the policy refuses would fall through to the route's 405, which misleads: say why.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] && !allowed.has(origin))
      return next(
        invalidRequest(
          allowed.size === 0
            ? 'CORS preflight refused: this gateway allows no browser origin'
            : `CORS preflight refused: the origin ${origin.slice(0, 128)} is not allowed`,
        ),
      );
    policy(req, res, next);
  };
}
