/**
 * helmet's security headers, worked out once: helmet is run at start-up against a recording
 * response, and every answer then gets the same set in one pass (helmet's own chain of a dozen
 * middlewares per request gave the same headers at several times the cost).
 */
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

export function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  // Playback URLs are embedded by web apps of other origins (<audio src>); bearer tokens, not
  // cookies, guard everything else, so cross-origin embedding leaks nothing.
  helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' }, hsts: false })(
    {} as Request,
    recorder as unknown as Response,
    () => undefined,
  );
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
