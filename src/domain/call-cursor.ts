/**
 * Search cursors (contract 6.2): the position after a page's last call, sealed with the tenant
 * and a digest of the query it belongs to, so that a cursor is opaque, tamper-evident, and
 * refused for another tenant or another query.
 */
import { createHash } from 'node:crypto';
import { seal, unseal } from './seal.js';

export interface CursorPosition {
  begin: number;
  callId: string;
}

/** A digest of the filters that define the result set (the page size may change between pages). */
export function queryDigest(filters: Readonly<Record<string, string | number | boolean | undefined>>): string {
  const canonical = Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 22);
}

const aad = (tenant: string, digest: string) => Buffer.from(`cursor\0${tenant}\0${digest}`);

export function sealCursor(key: Buffer, tenant: string, digest: string, at: CursorPosition): string {
  return seal(key, Buffer.from(JSON.stringify([at.begin, at.callId])), aad(tenant, digest)).toString('base64url');
}

/** The position, or undefined for anything this tenant's same query was not given. */
export function openCursor(key: Buffer, tenant: string, digest: string, cursor: string): CursorPosition | undefined {
  if (!/^[A-Za-z0-9_-]{40,512}$/.test(cursor)) return undefined;
  const plain = unseal(key, Buffer.from(cursor, 'base64url'), aad(tenant, digest));
  if (!plain) return undefined;
  try {
    const [begin, callId] = JSON.parse(plain.toString('utf8')) as [unknown, unknown];
    return typeof begin === 'number' && typeof callId === 'string' ? { begin, callId } : undefined;
  } catch {
    return undefined;
  }
}
