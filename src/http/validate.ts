/** Input checks shared by the routes: every refusal is INVALID_REQUEST or PATH_FORBIDDEN, before any vendor call. */
import type { Request } from 'express';
import type { z } from 'zod';
import type { PathKind } from '../domain/path-rules.js';
import { checkTenantPath, type RuleName, type TenantPolicy } from '../domain/tenant-policy.js';
import { invalidRequest, pathForbidden } from '../errors/catalogue.js';

/** The value at `path` in what was checked, or undefined when it is not there. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
const listed = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** The literal values a union accepts, when every branch is a literal or an enum. */
function unionValues(issue: z.core.$ZodIssueInvalidUnion): unknown[] | undefined {
  const values: unknown[] = [];
  for (const branch of issue.errors) {
    const literal = branch.find((i) => i.code === 'invalid_value');
    if (literal?.code !== 'invalid_value') return undefined;
    values.push(...literal.values);
  }
  return values.length > 0 ? [...new Set(values)] : undefined;
}

/**
 * One refusal for everything a schema found wrong, in words a caller can act on, naming where:
 * `fileName must be a string`, `query parameter "fileType" must be one of "1", "2"`. Never zod's
 * own text, which is worded for the schema's author.
 */
function refusal(issues: readonly z.core.$ZodIssue[], where: string, checked: unknown): never {
  const problems = issues.slice(0, 5).map((issue) => {
    const name = issue.path.join('.') || where;
    const label = where === 'query parameter' ? `query parameter "${name}"` : name;
    // A message of ours (given to the schema) reads as it is; zod's own are worded again below.
    if (issue.code !== 'invalid_type' && !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message))
      return issue.message.startsWith(name) ? issue.message : `${label} ${issue.message}`;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const at = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
        return `unknown ${where} "${at}${String(issue.keys[0]).slice(0, 64)}"`;
      }
      case 'invalid_type': {
        const given = valueAt(checked, issue.path);
        if (given === undefined) return `${label} is required`;
        if (Array.isArray(given) && where === 'query parameter') return `${label} must be given once`;
        return `${label} must be ${article(issue.expected)}, not ${typeName(given)}`;
      }
      case 'invalid_value':
        return issue.values.length === 1
          ? `${label} must be ${listed(issue.values)}`
          : `${label} must be one of ${listed(issue.values)}`;
      case 'invalid_union': {
        const values = unionValues(issue);
        return values ? `${label} must be one of ${listed(values)}` : `${label} is not in an accepted form`;
      }
      case 'too_small':
        return issue.origin === 'string' && issue.minimum === 1
          ? `${label} must not be empty`
          : `${label} is too small (at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : ''})`;
      case 'too_big':
        return `${label} is too large (at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : ''})`;
      default:
        return `${label} is not in an accepted form`;
    }
  });
  throw invalidRequest(problems.join('; '));
}

/**
 * The query string checked by the route's schema: unknown names and repeated names are refused,
 * so that no parameter can mean one thing to us and another to the vendor.
 */
export function parseQuery<S extends z.ZodObject>(req: Request, schema: S): z.output<S> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) refusal(parsed.error.issues, 'query parameter', req.query);
  return parsed.data;
}

/** A JSON value (a body, an envelope) checked by its schema. */
export function parseJson<S extends z.ZodType>(value: unknown, schema: S, where = 'body field'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) refusal(parsed.error.issues, where, value);
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
