/** Input checks shared by the routes: every refusal is INVALID_REQUEST or PATH_FORBIDDEN, before any vendor call. */
import type { Request } from 'express';
import { invalidRequest, pathForbidden } from '../errors/catalogue.js';
import type { PathKind } from '../domain/path-rules.js';
import { checkTenantPath, type RuleName, type TenantPolicy } from '../domain/tenant-policy.js';

/**
 * The query string as single strings: unknown names and repeated names are refused, so that
 * no parameter can mean one thing to us and another to the vendor.
 */
export function queryOf<K extends string>(req: Request, allowed: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (!(allowed as readonly string[]).includes(name))
      throw invalidRequest(`unknown query parameter "${name.slice(0, 64)}"`);
    if (typeof value !== 'string') throw invalidRequest(`query parameter "${name}" must be given once`);
    out[name as K] = value;
  }
  return out;
}

export function requireText(value: unknown, name: string, max = Infinity): string {
  if (value === undefined || value === null) throw invalidRequest(`${name} is required`);
  if (typeof value !== 'string') throw invalidRequest(`${name} must be a string`);
  if (value === '') throw invalidRequest(`${name} must not be empty`);
  if (value.length > max) throw invalidRequest(`${name} is longer than ${max} characters`);
  return value;
}

const CC_ID = /^[0-9]{1,10}$/;
export function optionalCcId(value: string | undefined, fallback: string | undefined): string | undefined {
  if (value === undefined) return fallback;
  if (!CC_ID.test(value)) throw invalidRequest('ccId must be 1 to 10 digits');
  return value;
}

const CALL_ID = /^[A-Za-z0-9._-]{1,25}$/;
export function requireCallId(value: string | undefined): string {
  if (value === undefined || value === '') throw invalidRequest('callId is required');
  if (!CALL_ID.test(value)) throw invalidRequest('callId must be 1 to 25 characters of [A-Za-z0-9._-]');
  return value;
}

/**
 * Contract section 2: missing or empty is 400; anything the rule does not admit is 403 (over-long
 * input included: normalisation refuses it as a path that cannot be in any rule).
 */
export function allowedPath(
  tenant: TenantPolicy,
  rule: RuleName,
  value: unknown,
  name: string,
  kind: PathKind = 'file',
): string {
  const d = checkTenantPath(tenant, rule, requireText(value, name), kind);
  if (!d.allowed) throw pathForbidden(`${name} is outside the tenant's ${rule} rule (${d.reason})`);
  return d.path;
}

/** A JSON object body with exactly the named fields (others refused). */
export function jsonBodyOf<K extends string>(req: Request, allowed: readonly K[]): Partial<Record<K, unknown>> {
  const body: unknown = req.body;
  if (!req.is('application/json')) throw invalidRequest('the body must be application/json');
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidRequest('the body must be a JSON object');
  for (const key of Object.keys(body))
    if (!(allowed as readonly string[]).includes(key)) throw invalidRequest(`unknown body field "${key.slice(0, 64)}"`);
  return body as Partial<Record<K, unknown>>;
}
