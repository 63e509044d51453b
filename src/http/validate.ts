/** Input checks shared by the routes: every refusal is INVALID_REQUEST or PATH_FORBIDDEN, before any vendor call. */
import type { Request } from 'express';
import type { z } from 'zod';
import type { PathKind } from '../domain/path-rules.js';
import { checkTenantPath, type RuleName, type TenantPolicy } from '../domain/tenant-policy.js';
import { invalidRequest, pathForbidden } from '../errors/catalogue.js';

/** One refusal for everything a schema found wrong, naming where: `query parameter "ccId": ...`. */
function refusal(issues: readonly z.core.$ZodIssue[], where: string): never {
  const problems = issues.slice(0, 5).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const at = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
      return `unknown ${where} "${at}${String(issue.keys[0]).slice(0, 64)}"`;
    }
    const name = issue.path.join('.') || where;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${name} is required`;
    if (issue.code === 'invalid_type' && Array.isArray(issue.input) && where === 'query parameter')
      return `query parameter "${name}" must be given once`;
    return issue.message.startsWith('Invalid')
      ? `${name}: ${issue.message.toLowerCase()}`
      : issue.message.startsWith(name)
        ? issue.message
        : `${name} ${issue.message}`;
  });
  throw invalidRequest(problems.join('; '));
}

/**
 * The query string checked by the route's schema: unknown names and repeated names are refused,
 * so that no parameter can mean one thing to us and another to the vendor.
 */
export function parseQuery<S extends z.ZodObject>(req: Request, schema: S): z.output<S> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) refusal(parsed.error.issues, 'query parameter');
  return parsed.data;
}

/** A JSON value (a body, an envelope) checked by its schema. */
export function parseJson<S extends z.ZodType>(value: unknown, schema: S, where = 'body field'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) refusal(parsed.error.issues, where);
  return parsed.data;
}

function requireText(value: unknown, name: string, max = Infinity): string {
  if (value === undefined || value === null) throw invalidRequest(`${name} is required`);
  if (typeof value !== 'string') throw invalidRequest(`${name} must be a string`);
  if (value === '') throw invalidRequest(`${name} must not be empty`);
  if (value.length > max) throw invalidRequest(`${name} is longer than ${max} characters`);
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
