/**
 * Contract 3.4: a playback id is the credential for one recording. It is sealed with AES-256-GCM
 * under a key every gateway instance shares, so any instance can open it and none holds state;
 * the tenant is both inside the payload and the additional data, so an id cannot change tenant.
 */
import { createHash } from 'node:crypto';
import { deriveKey, seal, unseal } from './seal.js';

export interface PlaybackGrant {
  tenantId: string;
  /** The vendor's playVoice token; never leaves the gateway in the clear. */
  vendorToken: string;
  fileName: string;
  expiresAtMs: number;
}

const VERSION = 1;

export function derivePlaybackKey(secret: string): Buffer {
  return deriveKey('playback/v1', secret);
}

export function sealPlaybackId(key: Buffer, grant: PlaybackGrant): string {
  const plain = Buffer.from(
    JSON.stringify([VERSION, grant.tenantId, grant.vendorToken, grant.fileName, grant.expiresAtMs]),
  );
  return seal(key, plain).toString('base64url');
}

export type OpenResult =
  | {
      ok: true;
      grant: PlaybackGrant;
      /** What the link's budgets are keyed on: a SHA-256 of its sealed bytes, never of a spelling. */
      key: string;
    }
  | { ok: false; reason: 'malformed' | 'expired' };

export function openPlaybackId(key: Buffer, id: string, nowMs: number): OpenResult {
  if (id.length < 40 || id.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(id)) return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(id, 'base64url');
  // The last character of a base64url text may carry unused bits: one link has several spellings,
  // each of which would otherwise have budgets of its own. Only the one the gateway wrote opens.
  if (raw.toString('base64url') !== id) return { ok: false, reason: 'malformed' };
  const plain = raw.length < 12 + 16 + 2 ? undefined : unseal(key, raw);
  if (!plain) return { ok: false, reason: 'malformed' };
  try {
    const parsed: unknown = JSON.parse(plain.toString('utf8'));
    if (!Array.isArray(parsed) || parsed[0] !== VERSION) return { ok: false, reason: 'malformed' };
    const [, tenantId, vendorToken, fileName, expiresAtMs] = parsed as [number, string, string, string, number];
    if (expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    const key = createHash('sha256').update(raw).digest('hex');
    return { ok: true, grant: { tenantId, vendorToken, fileName, expiresAtMs }, key };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}
