/** Field types every section shares: URLs, durations, and the override of a section derived from it. */
import { z } from 'zod';

export const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      (u.pathname === '/' || u.pathname === '') &&
      !u.search &&
      !u.username
    );
  } catch {
    return false;
  }
}, 'must be an http(s) URL of the form scheme://host[:port] with no path, query or credentials');

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
/** A key endpoint: https, or plain http on loopback only (a local IdP in development). */
export const jwksUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return !u.username && (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname)));
  } catch {
    return false;
  }
}, 'must be an https URL (plain http only on a loopback address)');

export const ms = (def: number) =>
  z
    .number()
    .int()
    .positive()
    .max(24 * 3600 * 1000)
    .default(def);

/**
 * A tenant's override: the same fields with the same bounds, every one optional and without its
 * default, derived from the global schema so that no bound is copied by hand (and none is lost).
 */
export function overrideOf(schema: z.ZodObject): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      let inner = field as z.ZodType;
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional)
        inner = inner.unwrap() as z.ZodType;
      return [key, (inner instanceof z.ZodObject ? overrideOf(inner) : inner).optional()];
    }),
  );
  return z.strictObject(shape);
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
