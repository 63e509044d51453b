/**
 * The one typed request scope, created by the outer ring for every request and filled on the way
 * in (the caller, the tenant, what is accessed) and on the way out (the error, a failure after the
 * headers, the bytes). It is the only thing kept on `res.locals`, and this module the only writer.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { Principal } from '../domain/principal.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { GatewayError } from '../errors/catalogue.js';

export interface RequestScope extends ScopeSettings {
  requestId: string;
  /** The verified caller; absent on routes without a token. */
  principal?: Principal;
  /** The tenant the request acts for: the caller's, or a playback URL's. */
  tenant?: TenantPolicy;
  /** Set by a route that accesses a recording or file: the audit trail records it, refused or not. */
  audit?: { operation: string; target: string; files?: string[]; count?: number };
  /** Body bytes written to the client, and upload bytes received. */
  bytesSent: number;
  bytesReceived: number;
  /** The error the answer was made from. */
  error?: GatewayError;
  /** What cut an answer after its headers were sent (the connection was destroyed). */
  streamError?: unknown;
  /** What resuming a cut vendor stream did, once a download tried it. */
  resume?: ResumeCounts;
  /** `100 Continue` was sent: the client is sending its body. */
  continued?: boolean;
}

/** What every request's scope starts with, from the app's settings. */
export interface ScopeSettings {
  /** Told of every streamed chunk (the garbage collector's pacer), when there is one. */
  pace?: (bytes: number) => void;
  /** A streamed answer whose client takes no bytes for this long is ended (0: never). */
  readerIdleMs: number;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Contract section 5: the caller's X-Request-Id when it is well-formed, else a new one. */
export function openScope(given: string | string[] | undefined, res: Response, settings: ScopeSettings): RequestScope {
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  const scope: RequestScope = { requestId, bytesSent: 0, bytesReceived: 0, ...settings };
  res.locals.scope = scope;
  return scope;
}

/** The scope of a response of this app; undefined only for a response the app never saw. */
export function scopeOf(res: { locals?: Record<string, unknown> }): RequestScope | undefined {
  return res.locals?.scope as RequestScope | undefined;
}

function requireScope(res: Response): RequestScope {
  const scope = scopeOf(res);
  if (!scope) throw new Error('request scope missing: the outer ring did not run');
  return scope;
}

/** The tenant of an authenticated route (or a playback URL, once opened). */
export function tenantOf(res: Response): TenantPolicy {
  const tenant = requireScope(res).tenant;
  if (!tenant) throw new Error('route reached without a tenant');
  return tenant;
}

export function setCaller(res: Response, principal: Principal | undefined, tenant: TenantPolicy): void {
  const scope = requireScope(res);
  if (principal) scope.principal = principal;
  scope.tenant = tenant;
}

/** Marks this request as an access (or an attempt, if refused) to a recording or file; called again it updates the target. */
export function auditAccess(res: Response, operation: string, target: string): void {
  requireScope(res).audit = { operation, target: target.slice(0, 512) };
}

/** The files an access returned when the caller did not name them (a zip read by call id). */
export function auditFiles(res: Response, files: string[]): void {
  const audit = requireScope(res).audit;
  if (audit) audit.files = files;
}

/** How many items a search answered, for its audit line. */
export function auditCount(res: Response, count: number): void {
  const audit = requireScope(res).audit;
  if (audit) audit.count = count;
}

/** What the audit names for a caller's value: a string as given, anything else nothing (it is refused anyway). */
export function auditTarget(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Download bytes handed to the client's connection (a streamed answer; others are counted by their length). */
export function countSent(res: Response, bytes: number): void {
  const scope = requireScope(res);
  scope.bytesSent += bytes;
  scope.pace?.(bytes);
}

/** Upload bytes received, for the bytes metric. */
export function countReceived(res: Response, bytes: number): void {
  const scope = requireScope(res);
  scope.bytesReceived += bytes;
  scope.pace?.(bytes);
}

export function recordError(res: Response, error: GatewayError): void {
  requireScope(res).error = error;
}

export function recordStreamError(res: Response, err: unknown): void {
  requireScope(res).streamError = err;
}

/** Records that the client was told to send its body (`100 Continue`). */
export function markContinued(res: Response): void {
  requireScope(res).continued = true;
}

/** How long a streamed answer may wait for its client to take bytes (0: for ever). */
export function readerIdleMs(res: Response): number {
  return requireScope(res).readerIdleMs;
}

/** The download's resume counts, made on first use. */
export function resumeCounts(res: Response): ResumeCounts {
  const scope = requireScope(res);
  scope.resume ??= { attempts: 0, resumed: 0, mismatched: 0, failed: 0 };
  return scope.resume;
}

/** What the resumes of one download did, for its metrics and its audit line. */
export interface ResumeCounts {
  attempts: number;
  resumed: number;
  /** The vendor served other bytes: the download was cut. */
  mismatched: number;
  /** The vendor could not be asked again, or failed again before the prefix was read. */
  failed: number;
}
