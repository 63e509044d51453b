import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors/catalogue.js';

/** For a known path asked with a method it does not serve: 405 with `Allow`. */
export function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Allow', allow);
    next(new GatewayError('METHOD_NOT_ALLOWED', `this route accepts ${allow} only`));
  };
}
